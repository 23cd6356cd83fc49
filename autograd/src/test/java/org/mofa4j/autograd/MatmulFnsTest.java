package org.mofa4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mofa4j.autograd.GradTestInputs.assertGradOk;
import static org.mofa4j.autograd.GradTestInputs.random;
import static org.mofa4j.autograd.GradTestInputs.strided;
import static org.mofa4j.autograd.GradTestInputs.transposed;

import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * {@link MatmulFns}: numeric gradient checks (2-D, batched with broadcast batch axes, 1-D promotion, transposed
 * operands), agreement with matmul written as broadcast multiply + sum, and float32 forward sanity.
 *
 * <p>Also home of the checks every fused-op test uses: {@link #assertMatchesDecomposition} and
 * {@link #assertF32Close}.
 */
class MatmulFnsTest {

    // ---------------------------------------------------------------- shared checks for the fused-op tests

    /** Relative tolerance for fused vs decomposed results in float64. */
    static final double DECOMPOSITION_TOL = 1e-10;

    /**
     * Runs {@code fused} and {@code decomposed} on fresh parameters holding {@code inputs}, back-propagates the
     * same random dL/dy through both, and asserts that the outputs and every input gradient agree to
     * {@link #DECOMPOSITION_TOL}·max(1, max|expected|).
     */
    static void assertMatchesDecomposition(String what, Function<Variable[], Variable> fused,
            Function<Variable[], Variable> decomposed, Tensor... inputs) {
        Tensor[] expected = valueAndGrads(decomposed, null, inputs);
        Tensor[] actual = valueAndGrads(fused, expected[0].shape(), inputs);
        assertClose(what + ": forward", expected[0], actual[0], DECOMPOSITION_TOL);
        for (int i = 0; i < inputs.length; i++) {
            assertClose(what + ": gradient of input " + i, expected[i + 1], actual[i + 1], DECOMPOSITION_TOL);
        }
    }

    /**
     * [y, ∂x₀, ∂x₁, ...] for y = fn(x) and dL/dy a fixed random tensor (of {@code seedShape}, or y's shape when
     * null; the same values for the same shape). Inputs that receive no gradient get zeros.
     */
    static Tensor[] valueAndGrads(Function<Variable[], Variable> fn, int[] seedShape, Tensor... inputs) {
        Variable[] vars = new Variable[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            vars[i] = Variable.parameter(inputs[i], "input" + i);
        }
        Variable y = fn.apply(vars);
        int[] shape = seedShape == null ? y.shape() : seedShape;
        y.backward(new Rng(777).uniform(DType.F64, -1, 1, shape), false);
        Tensor[] out = new Tensor[inputs.length + 1];
        out[0] = y.value();
        for (int i = 0; i < inputs.length; i++) {
            out[i + 1] = vars[i].grad() == null ? Tensor.zerosLike(inputs[i]) : vars[i].grad();
        }
        return out;
    }

    /** Same shape, and max|actual − expected| ≤ tol·max(1, max|expected|); NaN matches only NaN. */
    static void assertClose(String what, Tensor expected, Tensor actual, double tol) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double largest = 1;
        for (int j = 0; j < expected.numel(); j++) {
            double e = expected.getFlat(j);
            largest = Double.isFinite(e) ? Math.max(largest, Math.abs(e)) : largest;
        }
        double scale = largest;
        for (int j = 0; j < expected.numel(); j++) {
            double e = expected.getFlat(j);
            double a = actual.getFlat(j);
            boolean ok = Double.isNaN(e) ? Double.isNaN(a) : (e == a || Math.abs(a - e) <= tol * scale);
            int at = j;
            assertTrue(ok, () -> what + ": element " + at + " of " + Shapes.str(expected.shape()) + " is " + a
                    + ", expected " + e + " (tolerance " + tol * scale + ")");
        }
    }

    /** fn on float32 copies of the inputs gives the float64 result to tol·max(1, max|y|). */
    static void assertF32Close(String what, Function<Variable[], Variable> fn, double tol, Tensor... inputs) {
        Variable[] f64 = new Variable[inputs.length];
        Variable[] f32 = new Variable[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            f64[i] = Variable.constant(inputs[i]);
            f32[i] = Variable.constant(inputs[i].to(DType.F32));
        }
        Tensor y32 = fn.apply(f32).value();
        assertTrue(y32.dtype() == DType.F32, what + ": float32 inputs gave " + y32.dtype());
        assertClose(what + ": float32 vs float64", fn.apply(f64).value(), y32.to(DType.F64), tol);
    }

    // ---------------------------------------------------------------- matmul: gradient checks

    @Test
    void matmul2dGradientMatchesNumeric() {
        assertGradOk("matmul [3,4]·[4,2]", v -> MatmulFns.matmul(v[0], v[1]), random(1, 3, 4), random(2, 4, 2));
    }

    @Test
    void matmulOfTransposedAndStridedViewsGradientMatchesNumeric() {
        assertGradOk("matmul transposed·strided", v -> MatmulFns.matmul(v[0], v[1]),
                transposed(random(3, 3, 4)), strided(random(4, 4, 2)));
    }

    @Test
    void batchedMatmulWithBroadcastBatchAxesGradientMatchesNumeric() {
        // [2, 1, 3, 4]·[3, 4, 2] → [2, 3, 3, 2]: a broadcast along axis 1, b along axis 0
        assertGradOk("matmul [2,1,3,4]·[3,4,2]", v -> MatmulFns.matmul(v[0], v[1]),
                random(5, 2, 1, 3, 4), transposed(random(6, 3, 4, 2)));
    }

    @Test
    void batchedTimesMatrixGradientMatchesNumeric() {
        // b shared by the batch: its gradient is one GEMM over the folded batch, also for a strided a
        assertGradOk("matmul [2,3,4]·[4,5]", v -> MatmulFns.matmul(v[0], v[1]), random(7, 2, 3, 4), random(8, 4, 5));
        assertGradOk("matmul transposed [2,3,4]·[4,5]", v -> MatmulFns.matmul(v[0], v[1]),
                transposed(random(9, 2, 3, 4)), random(10, 4, 5));
    }

    @Test
    void matrixTimesBatchedGradientMatchesNumeric() {
        assertGradOk("matmul [3,4]·[2,4,5]", v -> MatmulFns.matmul(v[0], v[1]), random(11, 3, 4), random(12, 2, 4, 5));
    }

    @Test
    void vectorOperandsArePromotedAndTheirGradientsKeepTheirShape() {
        assertGradOk("matmul [4]·[4,3]", v -> MatmulFns.matmul(v[0], v[1]), random(13, 4), random(14, 4, 3));
        assertGradOk("matmul [3,4]·[4]", v -> MatmulFns.matmul(v[0], v[1]), random(15, 3, 4), random(16, 4));
        assertGradOk("matmul [4]·[4]", v -> MatmulFns.matmul(v[0], v[1]), random(17, 4), random(18, 4));
        assertGradOk("matmul [2,3,4]·[4]", v -> MatmulFns.matmul(v[0], v[1]), random(19, 2, 3, 4), random(20, 4));
    }

    // ---------------------------------------------------------------- matmul: decomposition, float32

    /** A·B as Σₖ A[..., m, k, 1]⊙B[..., 1, k, n]: broadcasting multiply and sum, no GEMM. */
    private static Variable matmulByBroadcastSum(Variable a, Variable b) {
        Variable prod = ElementwiseFns.mul(ShapeFns.unsqueeze(a, -1), ShapeFns.unsqueeze(b, -3)); // [..., m, k, n]
        return ReduceFns.sum(prod, new int[] {-2}, false);
    }

    @Test
    void batchedMatmulMatchesBroadcastMultiplySum() {
        assertMatchesDecomposition("matmul [2,1,3,4]·[3,4,2]", v -> MatmulFns.matmul(v[0], v[1]),
                v -> matmulByBroadcastSum(v[0], v[1]), transposed(random(21, 2, 1, 3, 4)), random(22, 3, 4, 2));
        assertMatchesDecomposition("matmul [2,3,4]·[4,5]", v -> MatmulFns.matmul(v[0], v[1]),
                v -> matmulByBroadcastSum(v[0], v[1]), random(23, 2, 3, 4), random(24, 4, 5));
        assertMatchesDecomposition("matmul [3,4]·[2,4,5]", v -> MatmulFns.matmul(v[0], v[1]),
                v -> matmulByBroadcastSum(v[0], v[1]), random(25, 3, 4), random(26, 2, 4, 5));
    }

    @Test
    void matmulFloat32ForwardAgreesWithFloat64() {
        assertF32Close("matmul", v -> MatmulFns.matmul(v[0], v[1]), 1e-5,
                random(27, 2, 1, 8, 16), transposed(random(28, 3, 16, 8)));
    }

    // ---------------------------------------------------------------- linear

    @Test
    void linearGradientMatchesNumericWithAndWithoutBias() {
        assertGradOk("linear [2,3,4]·[5,4]ᵀ + b", v -> MatmulFns.linear(v[0], v[1], v[2]),
                random(31, 2, 3, 4), random(32, 5, 4), random(33, 5));
        assertGradOk("linear no bias", v -> MatmulFns.linear(v[0], v[1]), random(34, 3, 4), random(35, 5, 4));
    }

    @Test
    void linearOfNonContiguousInputsGradientMatchesNumeric() {
        // a transposed x cannot be viewed as [N, in]: linear copies it; a transposed W is read in place
        assertGradOk("linear transposed x, W", v -> MatmulFns.linear(v[0], v[1], v[2]),
                transposed(random(36, 2, 3, 4)), transposed(random(37, 5, 4)), strided(random(38, 5)));
    }

    @Test
    void linearOfAVectorGivesAVector() {
        assertGradOk("linear [4]", v -> MatmulFns.linear(v[0], v[1], v[2]), random(39, 4), random(40, 3, 4),
                random(41, 3));
        assertArrayEquals(new int[] {3}, MatmulFns.linear(Variable.constant(random(39, 4)),
                Variable.constant(random(40, 3, 4))).shape());
    }

    @Test
    void linearMatchesMatmulWithTransposedWeightPlusBias() {
        assertMatchesDecomposition("linear", v -> MatmulFns.linear(v[0], v[1], v[2]),
                v -> ElementwiseFns.add(matmulByBroadcastSum(v[0], ShapeFns.transpose(v[1], 0, 1)), v[2]),
                random(42, 2, 3, 4), random(43, 5, 4), random(44, 5));
    }

    @Test
    void linearFloat32ForwardAgreesWithFloat64() {
        assertF32Close("linear", v -> MatmulFns.linear(v[0], v[1], v[2]), 1e-5,
                random(45, 4, 6, 32), random(46, 24, 32), random(47, 24));
    }

    @Test
    void linearRejectsMismatchedShapesNamingThem() {
        Variable x = Variable.constant(random(48, 2, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MatmulFns.linear(x, Variable.constant(random(49, 5, 4))));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[5, 4]"), e.getMessage());
        IllegalArgumentException eb = assertThrows(IllegalArgumentException.class,
                () -> MatmulFns.linear(x, Variable.constant(random(50, 5, 3)), Variable.constant(random(51, 4))));
        assertTrue(eb.getMessage().contains("bias"), eb.getMessage());
    }
}
