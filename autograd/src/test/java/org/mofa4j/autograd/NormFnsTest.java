package org.mofa4j.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mofa4j.autograd.GradTestInputs.assertGradOk;
import static org.mofa4j.autograd.GradTestInputs.random;
import static org.mofa4j.autograd.GradTestInputs.strided;
import static org.mofa4j.autograd.GradTestInputs.transposed;
import static org.mofa4j.autograd.GradTestInputs.uniform;
import static org.mofa4j.autograd.MatmulFnsTest.assertF32Close;
import static org.mofa4j.autograd.MatmulFnsTest.assertMatchesDecomposition;

import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.Tensor;

/**
 * {@link NormFns}: numeric gradient checks of layerNorm and rmsNorm (with and without weight and bias,
 * transposed inputs), agreement with mean/var/rsqrt decompositions, normalised statistics, float32 sanity.
 */
class NormFnsTest {
    private static final double EPS = 1e-5;

    /** (x − mean)/√(var + ε)·w + b with mean and population var from ReduceFns. */
    private static Variable layerNormDecomposed(Variable x, Variable w, Variable b, double eps) {
        int[] last = {-1};
        Variable centred = ElementwiseFns.sub(x, ReduceFns.mean(x, last, true));
        Variable var = ReduceFns.mean(ElementwiseFns.square(centred), last, true);
        Variable y = ElementwiseFns.mul(centred, ElementwiseFns.rsqrt(ElementwiseFns.add(var, eps)));
        y = w == null ? y : ElementwiseFns.mul(y, w);
        return b == null ? y : ElementwiseFns.add(y, b);
    }

    /** x/√(mean(x²) + ε)·w. */
    private static Variable rmsNormDecomposed(Variable x, Variable w, double eps) {
        Variable ms = ReduceFns.mean(ElementwiseFns.square(x), new int[] {-1}, true);
        Variable y = ElementwiseFns.mul(x, ElementwiseFns.rsqrt(ElementwiseFns.add(ms, eps)));
        return w == null ? y : ElementwiseFns.mul(y, w);
    }

    @Test
    void layerNormGradientMatchesNumeric() {
        assertGradOk("layerNorm", v -> NormFns.layerNorm(v[0], v[1], v[2], EPS),
                random(1, 2, 3, 5), uniform(2, 0.5, 2, 5), random(3, 5));
    }

    @Test
    void layerNormWithoutAffineGradientMatchesNumeric() {
        assertGradOk("layerNorm no affine", v -> NormFns.layerNorm(v[0], null, null, EPS), random(4, 3, 4));
        assertGradOk("layerNorm weight only", v -> NormFns.layerNorm(v[0], v[1], null, EPS),
                random(5, 3, 4), uniform(6, 0.5, 2, 4));
        assertGradOk("layerNorm bias only", v -> NormFns.layerNorm(v[0], null, v[1], EPS),
                random(7, 3, 4), random(8, 4));
    }

    @Test
    void layerNormOfNonContiguousInputsGradientMatchesNumeric() {
        assertGradOk("layerNorm transposed", v -> NormFns.layerNorm(v[0], v[1], v[2], 0.1),
                transposed(random(9, 2, 3, 4)), strided(uniform(10, 0.5, 2, 4)), random(11, 4));
    }

    @Test
    void rmsNormGradientMatchesNumeric() {
        assertGradOk("rmsNorm", v -> NormFns.rmsNorm(v[0], v[1], EPS), random(12, 2, 3, 5), uniform(13, 0.5, 2, 5));
        assertGradOk("rmsNorm no weight", v -> NormFns.rmsNorm(v[0], null, EPS), random(14, 3, 4));
        assertGradOk("rmsNorm transposed", v -> NormFns.rmsNorm(v[0], v[1], 0.1),
                transposed(random(15, 2, 3, 4)), uniform(16, 0.5, 2, 4));
    }

    @Test
    void layerNormMatchesMeanVarDecomposition() {
        assertMatchesDecomposition("layerNorm", v -> NormFns.layerNorm(v[0], v[1], v[2], EPS),
                v -> layerNormDecomposed(v[0], v[1], v[2], EPS),
                transposed(random(17, 2, 4, 6).mul(3)), uniform(18, 0.5, 2, 6), random(19, 6));
        assertMatchesDecomposition("layerNorm no affine", v -> NormFns.layerNorm(v[0], null, null, 0.01),
                v -> layerNormDecomposed(v[0], null, null, 0.01), random(20, 3, 7));
    }

    @Test
    void rmsNormMatchesDecomposition() {
        assertMatchesDecomposition("rmsNorm", v -> NormFns.rmsNorm(v[0], v[1], EPS),
                v -> rmsNormDecomposed(v[0], v[1], EPS), transposed(random(21, 2, 4, 6).mul(3)), random(22, 6));
    }

    @Test
    void layerNormRowsHaveZeroMeanAndUnitVariance() {
        Tensor y = NormFns.layerNorm(Variable.constant(random(23, 4, 64).mul(5).add(3)), null, null, 0).value();
        for (int r = 0; r < 4; r++) {
            Tensor row = y.narrow(0, r, 1);
            assertEquals(0, row.sumAll() / 64, 1e-14);
            assertEquals(1, row.square().sumAll() / 64, 1e-12);
        }
    }

    @Test
    void rmsNormRowsHaveUnitMeanSquare() {
        Tensor y = NormFns.rmsNorm(Variable.constant(random(24, 4, 64).mul(5)), null, 0).value();
        for (int r = 0; r < 4; r++) {
            assertEquals(1, y.narrow(0, r, 1).square().sumAll() / 64, 1e-12);
        }
    }

    @Test
    void float32ForwardAgreesWithFloat64() {
        Tensor x = random(25, 3, 5, 48).mul(4).add(1);
        assertF32Close("layerNorm", v -> NormFns.layerNorm(v[0], v[1], v[2], EPS), 1e-5, x, random(26, 48),
                random(27, 48));
        assertF32Close("rmsNorm", v -> NormFns.rmsNorm(v[0], v[1], EPS), 1e-5, x, random(28, 48));
    }

    @Test
    void wrongWeightShapeIsRejectedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NormFns.layerNorm(
                Variable.constant(random(29, 2, 4)), Variable.constant(random(30, 3)), null, EPS));
        assertTrue(e.getMessage().contains("weight has shape [3], expected [4]"), e.getMessage());
    }
}
