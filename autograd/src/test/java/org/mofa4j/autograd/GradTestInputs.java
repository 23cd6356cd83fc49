package org.mofa4j.autograd;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Function;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * Float64 inputs for gradient checks: random, positive, well-separated (no ties, no kinks), and the same
 * values laid out non-contiguously (transposed or strided views). GradCheck perturbs inputs in place
 * through their logical index, so views work; stride-0 (expanded) inputs are rejected by GradCheck.
 */
final class GradTestInputs {
    private GradTestInputs() {}

    /** Runs the standard gradient check and fails with its report (worst element, analytic vs numeric). */
    static void assertGradOk(String what, Function<Variable[], Variable> fn, Tensor... inputs) {
        GradCheck.Result r = GradCheck.standard().check(what, fn, inputs);
        assertTrue(r.passed(), r::toString);
    }

    /** Runs the standard gradient check and asserts that it fails (for deliberately wrong backward rules). */
    static void assertGradFails(String what, Function<Variable[], Variable> fn, Tensor... inputs) {
        GradCheck.Result r = GradCheck.standard().check(what, fn, inputs);
        assertFalse(r.passed(), () -> "expected the gradient check to fail, got " + r);
    }

    /**
     * Runs {@code fn} on {@code x64} and on its float32 copy, seeds both with the same random output gradient,
     * and asserts the float32 gradient is float32 and agrees with the float64 one to float32 precision.
     */
    static void assertFloat32GradMatchesFloat64(String what, Function<Variable, Variable> fn, Tensor x64) {
        Variable a = Variable.parameter(x64);
        Variable out64 = fn.apply(a);
        Tensor seed = new Rng(99).uniform(DType.F64, -1, 1, out64.shape());
        out64.backward(seed, false);
        Variable b = Variable.parameter(x64.to(DType.F32));
        fn.apply(b).backward(seed.to(DType.F32), false);
        assertTrue(b.grad().dtype() == DType.F32, what + ": float32 input got a " + b.grad().dtype() + " gradient");
        double[] expected = a.grad().toDoubleArray();
        double[] actual = b.grad().toDoubleArray();
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(actual[i] - expected[i]);
            int at = i;
            assertTrue(err <= 1e-5 * (1 + Math.abs(expected[i])), () -> what + ": float32 gradient " + actual[at]
                    + " differs from float64 " + expected[at] + " at flat index " + at);
        }
    }

    /** Uniform on [lo, hi), contiguous F64. */
    static Tensor uniform(long seed, double lo, double hi, int... shape) {
        return new Rng(seed).uniform(DType.F64, lo, hi, shape);
    }

    /** Uniform on [-1, 1), contiguous F64. */
    static Tensor random(long seed, int... shape) {
        return uniform(seed, -1, 1, shape);
    }

    /** Uniform on [0.5, 2): safe for log, sqrt, rsqrt, pow and division. */
    static Tensor positive(long seed, int... shape) {
        return uniform(seed, 0.5, 2, shape);
    }

    /**
     * Distinct values 0.1 apart in shuffled order, offset so that none lies within 0.03 of a multiple of
     * 0.05 (e.g. 0, ±0.5): no ties for max/min, no kinks for abs or clamp(±0.5), far beyond the 1e-6 step.
     */
    static Tensor distinct(long seed, int... shape) {
        Tensor t = Tensor.zeros(DType.F64, shape);
        int n = t.numel();
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        Rng rng = new Rng(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        for (int i = 0; i < n; i++) {
            t.setFlat(i, (perm[i] - n / 2) * 0.1 + 0.03);
        }
        return t;
    }

    /** The same values as {@code t} (rank ≥ 2), stored with its last two axes swapped: a transposed view. */
    static Tensor transposed(Tensor t) {
        int[] s = t.shape();
        int r = s.length;
        int tmp = s[r - 1];
        s[r - 1] = s[r - 2];
        s[r - 2] = tmp;
        Tensor view = Tensor.zeros(DType.F64, s).transpose(-2, -1);
        view.copyFrom(t);
        assertNonContiguous(view);
        return view;
    }

    /** The same values as {@code t} (rank ≥ 1), at every other position of a wider buffer, from offset 1. */
    static Tensor strided(Tensor t) {
        int[] s = t.shape();
        int last = s[s.length - 1];
        s[s.length - 1] = 2 * last + 1;
        Tensor view = Tensor.zeros(DType.F64, s).slice(-1, 1, 2 * last + 1, 2);
        view.copyFrom(t);
        assertNonContiguous(view);
        return view;
    }

    /** A row-major F64 tensor holding {@code values}. */
    static Tensor f64(double[] values, int... shape) {
        return Tensor.of(values, shape);
    }

    /** Random indices in [0, bound). */
    static IntTensor indices(long seed, int bound, int... shape) {
        IntTensor idx = IntTensor.zeros(shape);
        Rng rng = new Rng(seed);
        int[] d = idx.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = rng.nextInt(bound);
        }
        return idx;
    }

    /** The gradient that {@code out} sends to {@code x} for the seed dL/d(out) = {@code seed}. */
    static Tensor gradOf(Variable x, Variable out, Tensor seed) {
        out.backward(seed, false);
        return x.grad();
    }

    private static void assertNonContiguous(Tensor t) {
        if (t.numel() > 1 && t.isContiguous()) {
            throw new IllegalArgumentException("test input of shape " + java.util.Arrays.toString(t.shape())
                    + " came out contiguous; pick a shape whose view is strided");
        }
    }
}
