package org.mofa4j.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mofa4j.autograd.GradTestInputs.assertGradOk;
import static org.mofa4j.autograd.GradTestInputs.transposed;
import static org.mofa4j.autograd.GradTestInputs.uniform;
import static org.mofa4j.autograd.MatmulFnsTest.assertF32Close;
import static org.mofa4j.autograd.MatmulFnsTest.assertMatchesDecomposition;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mofa4j.autograd.ActivationFns.Gelu;
import org.mofa4j.tensor.Tensor;

/**
 * {@link ActivationFns#gelu}: numeric gradient checks for both formulas (contiguous and transposed inputs),
 * agreement with the formula written in primitive ops (erf as a test-local node with ∂ = 2/√π·e^(−x²)),
 * reference values, float32 sanity.
 */
class ActivationFnsTest {

    /** erf as a node: ∂ erf(x) = 2/√π·e^(−x²). The tensor layer has erf, the autograd layer not. */
    private static Variable erf(Variable x) {
        return Node.op("erf", x.value().erf()).inputs(x).save(x.value())
                .backward((ctx, g) -> new Tensor[] {
                    g.mul(ctx.saved(0).square().neg().exp().mul(2 / Math.sqrt(Math.PI)))});
    }

    /** ½x(1 + erf(x/√2)) or ½x(1 + tanh(√(2/π)(x + 0.044715x³))) from primitive ops. */
    private static Variable geluDecomposed(Variable x, Gelu mode) {
        Variable inner;
        if (mode == Gelu.EXACT) {
            inner = erf(ElementwiseFns.mul(x, 1 / Math.sqrt(2)));
        } else {
            Variable cubic = ElementwiseFns.mul(ElementwiseFns.pow(x, 3), 0.044715);
            inner = ElementwiseFns.tanh(ElementwiseFns.mul(ElementwiseFns.add(x, cubic), Math.sqrt(2 / Math.PI)));
        }
        return ElementwiseFns.mul(ElementwiseFns.mul(x, ElementwiseFns.add(inner, 1)), 0.5);
    }

    @ParameterizedTest
    @EnumSource(Gelu.class)
    void gradientMatchesNumeric(Gelu mode) {
        assertGradOk("gelu " + mode, v -> ActivationFns.gelu(v[0], mode), uniform(1, -4, 4, 3, 5));
        assertGradOk("gelu " + mode + " transposed", v -> ActivationFns.gelu(v[0], mode),
                transposed(uniform(2, -4, 4, 2, 3, 4)));
    }

    @ParameterizedTest
    @EnumSource(Gelu.class)
    void matchesItsFormulaInPrimitiveOps(Gelu mode) {
        assertMatchesDecomposition("gelu " + mode, v -> ActivationFns.gelu(v[0], mode),
                v -> geluDecomposed(v[0], mode), transposed(uniform(3, -6, 6, 4, 5)));
    }

    @Test
    void valuesMatchReferenceValues() {
        Tensor x = Tensor.of(new double[] {1, -1, 2}, 3);
        Tensor exact = ActivationFns.gelu(Variable.constant(x), Gelu.EXACT).value();
        assertEquals(0.8413447460685429, exact.getFlat(0), 1e-15);    // Φ(1)
        assertEquals(-0.15865525393145707, exact.getFlat(1), 1e-15);  // −Φ(−1)
        assertEquals(1.9544997361036416, exact.getFlat(2), 1e-15);    // 2Φ(2)
        Tensor approx = ActivationFns.gelu(Variable.constant(x), Gelu.TANH).value();
        assertEquals(0.8411919906082768, approx.getFlat(0), 1e-15);
    }

    @ParameterizedTest
    @EnumSource(Gelu.class)
    void float32ForwardAgreesWithFloat64(Gelu mode) {
        assertF32Close("gelu " + mode, v -> ActivationFns.gelu(v[0], mode), 1e-6, uniform(4, -8, 8, 7, 33));
    }
}
