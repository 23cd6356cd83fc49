package org.mofa4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mofa4j.autograd.GradTestInputs.assertGradOk;
import static org.mofa4j.autograd.GradTestInputs.random;
import static org.mofa4j.autograd.GradTestInputs.transposed;
import static org.mofa4j.autograd.MatmulFnsTest.assertF32Close;
import static org.mofa4j.autograd.MatmulFnsTest.assertMatchesDecomposition;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Tensor;

/**
 * {@link AttentionFns#sdpa}: numeric gradient checks (causal, additive mask, T ≠ S, transposed q), agreement
 * with matmul + where/add mask + softmax + matmul, the causal mask's independence from the future, float32
 * sanity, and a bound on the backward's allocation that an O(T³) intermediate would break.
 */
class AttentionFnsTest {

    /** softmax(q·kᵀ/√D + mask, causal j &gt; i set to −∞ with where)·v from differentiable primitives. */
    private static Variable sdpaDecomposed(Variable q, Variable k, Variable v, boolean causal, Tensor mask) {
        int t = q.value().dim(-2);
        int s = k.value().dim(-2);
        Variable scores = ElementwiseFns.mul(MatmulFns.matmul(q, ShapeFns.transpose(k, -2, -1)),
                1 / Math.sqrt(q.value().dim(-1)));
        if (mask != null) {
            scores = ElementwiseFns.add(scores, Variable.constant(mask));
        }
        if (causal) {
            Tensor allowed = Tensor.zeros(DType.F64, t, s);
            for (int i = 0; i < t; i++) {
                for (int j = 0; j <= i && j < s; j++) {
                    allowed.set(1, i, j);
                }
            }
            Variable minusInf = Variable.constant(Tensor.full(DType.F64, Double.NEGATIVE_INFINITY, t, s));
            scores = ElementwiseFns.where(allowed, scores, minusInf);
        }
        return MatmulFns.matmul(SoftmaxFns.softmax(scores, -1), v);
    }

    /** A [1, 1, T, S] additive mask: a smooth bias plus −∞ at a few positions (never a whole row). */
    private static Tensor additiveMask(int t, int s) {
        Tensor m = random(99, 1, 1, t, s);
        m.set(Double.NEGATIVE_INFINITY, 0, 0, 0, s - 1);
        m.set(Double.NEGATIVE_INFINITY, 0, 0, t - 1, 0);
        return m;
    }

    // ---------------------------------------------------------------- gradient checks

    @Test
    void causalGradientMatchesNumeric() {
        assertGradOk("sdpa causal", v -> AttentionFns.sdpa(v[0], v[1], v[2], true, null),
                random(1, 1, 2, 4, 3), random(2, 1, 2, 4, 3), random(3, 1, 2, 4, 3));
    }

    @Test
    void maskedNonCausalGradientMatchesNumericWithDifferentLengths() {
        // T = 3 queries, S = 5 keys, Dv = 2 ≠ D = 4; the mask broadcasts over batch and heads
        Tensor mask = additiveMask(3, 5);
        assertGradOk("sdpa masked T≠S", v -> AttentionFns.sdpa(v[0], v[1], v[2], false, mask),
                random(4, 2, 2, 3, 4), random(5, 2, 2, 5, 4), random(6, 2, 2, 5, 2));
    }

    @Test
    void gradientOfNonContiguousInputsMatchesNumeric() {
        assertGradOk("sdpa causal transposed q, k", v -> AttentionFns.sdpa(v[0], v[1], v[2], true, additiveMask(4, 4)),
                transposed(random(7, 2, 2, 4, 3)), transposed(random(8, 2, 2, 4, 3)), random(9, 2, 2, 4, 2));
    }

    // ---------------------------------------------------------------- decomposition, float32

    @Test
    void matchesMatmulMaskSoftmaxMatmul() {
        assertMatchesDecomposition("sdpa causal", v -> AttentionFns.sdpa(v[0], v[1], v[2], true, null),
                v -> sdpaDecomposed(v[0], v[1], v[2], true, null),
                transposed(random(10, 2, 2, 5, 4).mul(2)), random(11, 2, 2, 5, 4).mul(2), random(12, 2, 2, 5, 3));
        Tensor mask = additiveMask(3, 5);
        assertMatchesDecomposition("sdpa masked", v -> AttentionFns.sdpa(v[0], v[1], v[2], true, mask),
                v -> sdpaDecomposed(v[0], v[1], v[2], true, mask),
                random(13, 1, 2, 3, 4), random(14, 1, 2, 5, 4), random(15, 1, 2, 5, 4));
    }

    @Test
    void float32ForwardAgreesWithFloat64() {
        assertF32Close("sdpa", v -> AttentionFns.sdpa(v[0], v[1], v[2], true, null), 1e-5,
                random(16, 2, 3, 17, 8).mul(3), random(17, 2, 3, 17, 8).mul(3), random(18, 2, 3, 17, 8));
    }

    // ---------------------------------------------------------------- causality

    @Test
    void causalOutputsDoNotDependOnFutureKeysOrValues() {
        int t = 6;
        int seen = 2; // outputs 0..2 may only read positions 0..2
        Tensor q = random(19, 1, 2, t, 4);
        Tensor k = random(20, 1, 2, t, 4);
        Tensor v = random(21, 1, 2, t, 4);
        Tensor before = AttentionFns.sdpa(Variable.constant(q), Variable.constant(k), Variable.constant(v), true, null)
                .value();
        Tensor k2 = k.copy();
        Tensor v2 = v.copy();
        k2.narrow(2, seen + 1, t - seen - 1).mulInPlace(-7).addInPlace(3);
        v2.narrow(2, seen + 1, t - seen - 1).fill(1e6);
        Tensor after = AttentionFns.sdpa(Variable.constant(q), Variable.constant(k2), Variable.constant(v2), true,
                null).value();
        assertArrayEquals(before.narrow(2, 0, seen + 1).toDoubleArray(), after.narrow(2, 0, seen + 1).toDoubleArray());
        assertTrue(Math.abs(after.get(0, 0, t - 1, 0) - before.get(0, 0, t - 1, 0)) > 1, "the last row does change");
    }

    @Test
    void earlyOutputsSendNoGradientToFuturePositions() {
        int t = 5;
        Variable q = Variable.parameter(random(22, 1, 1, t, 3));
        Variable k = Variable.parameter(random(23, 1, 1, t, 3));
        Variable v = Variable.parameter(random(24, 1, 1, t, 3));
        Tensor seed = Tensor.zeros(DType.F64, 1, 1, t, 3);
        seed.narrow(2, 0, 2).fill(1); // loss on outputs 0 and 1 only
        AttentionFns.sdpa(q, k, v, true, null).backward(seed, false);
        for (int j = 2; j < t; j++) {
            for (int d = 0; d < 3; d++) {
                assertEquals(0.0, k.grad().get(0, 0, j, d), "∂k at future position " + j);
                assertEquals(0.0, v.grad().get(0, 0, j, d), "∂v at future position " + j);
            }
        }
        assertTrue(k.grad().get(0, 0, 1, 0) != 0 && v.grad().get(0, 0, 1, 0) != 0);
    }

    // ---------------------------------------------------------------- cost

    /** Bytes allocated by this thread during one backward of causal attention with B = H = 1, D = 4. */
    private static long backwardBytes(int t) {
        Variable q = Variable.parameter(random(25, 1, 1, t, 4));
        Variable k = Variable.parameter(random(26, 1, 1, t, 4));
        Variable v = Variable.parameter(random(27, 1, 1, t, 4));
        Variable out = AttentionFns.sdpa(q, k, v, true, null);
        Tensor seed = random(28, 1, 1, t, 4);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        long before = mx.getThreadAllocatedBytes(tid);
        out.backward(seed, false);
        return mx.getThreadAllocatedBytes(tid) - before;
    }

    @Test
    void backwardAllocatesOrderTSquaredNotTCubed() {
        backwardBytes(64); // warm up
        long small = backwardBytes(128);
        long large = backwardBytes(256);
        long tt = 256L * 256 * Double.BYTES; // one [T, T] float64 tensor at T = 256: 512 KiB
        // the backward holds ∂P⊙P and P·rowsum (two [T, T]) plus O(T·D); a [T, T, T] temporary alone is 128 MiB
        assertTrue(large <= 4 * tt, () -> "backward at T = 256 allocated " + large + " bytes, over 4·T² doubles");
        double ratio = (double) large / small;
        assertTrue(ratio > 3 && ratio < 5, () -> "doubling T multiplied the backward's allocation by " + ratio
                + " (T²: 4, T³: 8); " + small + " → " + large + " bytes");
    }

    // ---------------------------------------------------------------- argument checks

    @Test
    void mismatchedShapesAreRejectedNamingThem() {
        Variable q = Variable.constant(random(29, 1, 2, 3, 4));
        Variable k = Variable.constant(random(30, 1, 2, 3, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttentionFns.sdpa(q, k, k, true, null));
        assertTrue(e.getMessage().contains("[1, 2, 3, 4]") && e.getMessage().contains("[1, 2, 3, 5]"), e.getMessage());
    }
}
