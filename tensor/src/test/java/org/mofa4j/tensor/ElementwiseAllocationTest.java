package org.mofa4j.tensor;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.kernels.KernelMode;
import org.mofa4j.tensor.kernels.KernelMode.Mode;
import org.mofa4j.tensor.kernels.VectorElementwise;

/**
 * Once JIT-compiled, the Vector API elementwise kernels allocate nothing per element: their FloatVectors live in
 * registers. A loop body too big to inline boxes every vector instead (megabytes per 64k-element call, ~10x
 * slower), which is what this guards against.
 *
 * <p>Measured with {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes} on the calling thread, after
 * a warm-up that makes C2 compile the loops. JIT timing is not deterministic (compilation is in the background
 * and may be late on a loaded machine), so a failed measurement warms up again and retries a few times before
 * the test fails. Only the vector kernels are checked; the scalar ones allocate nothing by construction.
 */
class ElementwiseAllocationTest {
    private static final int N = 1 << 16;
    /** Bytes an op may allocate: O(1) objects (loop bookkeeping, lambdas). A boxed path allocates MBs. */
    private static final long BUDGET = 64 * 1024;
    private static final int WARMUP = 3000;
    private static final int ATTEMPTS = 5;

    private interface Op {
        void run();
    }

    private static long allocatedBytes(Op op) {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        long before = mx.getThreadAllocatedBytes(id);
        op.run();
        return mx.getThreadAllocatedBytes(id) - before;
    }

    private static void assertAllocatesLittle(String what, Op op) {
        long last = -1;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            for (int i = 0; i < WARMUP; i++) {
                op.run();
            }
            last = allocatedBytes(op);
            if (last < BUDGET) {
                return;
            }
        }
        fail(what + ": allocated " + last + " bytes on " + N + " floats after " + ATTEMPTS + " warm-ups of " + WARMUP
                + " calls; expected < " + BUDGET + " (are FloatVectors being boxed?)");
    }

    private static float[] random(Random rnd) {
        float[] v = new float[N];
        for (int i = 0; i < N; i++) {
            v[i] = rnd.nextFloat() * 4 - 2;
        }
        return v;
    }

    @Test
    void vectorUnaryKernelsDoNotAllocate() {
        assumeTrue(KernelMode.vectorAvailable(), "Vector API unavailable");
        Random rnd = new Random(71);
        float[] a = random(rnd);
        float[] o = new float[N];
        for (UnaryOp op : new UnaryOp[] {UnaryOp.EXP, UnaryOp.TANH, UnaryOp.SQUARE}) {
            assertAllocatesLittle("unary " + op, () -> VectorElementwise.unary(op, N, o, 0, 1, a, 0, 1));
        }
    }

    @Test
    void inPlaceBinaryOpsDoNotAllocate() {
        assumeTrue(KernelMode.vectorAvailable(), "Vector API unavailable");
        Random rnd = new Random(72);
        Tensor a = Tensor.wrap(random(rnd), 64, N / 64);
        Tensor b = Tensor.wrap(random(rnd), 64, N / 64);
        Tensor row = Tensor.wrap(java.util.Arrays.copyOf(random(rnd), N / 64), 1, N / 64);
        int before = ElementwiseOps.threadsOverride;
        ElementwiseOps.threadsOverride = 1; // pool tasks would allocate on other threads; measure the kernel here
        try (var m = KernelMode.override(Mode.VECTOR)) {
            assertAllocatesLittle("mulInPlace", () -> a.mulInPlace(b));
            assertAllocatesLittle("subInPlace (broadcast row)", () -> a.subInPlace(row));
            assertAllocatesLittle("addInPlace (scalar)", () -> a.addInPlace(0.5));
            assertAllocatesLittle("copyFrom", () -> a.copyFrom(b));
        } finally {
            ElementwiseOps.threadsOverride = before;
        }
    }
}
