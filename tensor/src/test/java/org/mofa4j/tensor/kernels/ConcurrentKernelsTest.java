package org.mofa4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * Kernels are thread-safe: several threads running matmuls (per-thread packing workspaces), elementwise ops and
 * reductions at once, all through the one shared {@link Parallel} pool, get bit for bit what each gets alone.
 */
class ConcurrentKernelsTest {
    private static final int THREADS = 3;
    private static final int ROUNDS = 4;

    /** A chain of kernels whose sizes differ per caller, so callers' jobs of different shapes interleave. */
    private static float[] work(int caller, int round) {
        Rng rng = new Rng(1000L * caller + round);
        int m = 40 + 17 * caller;
        int k = 70 + 9 * round;
        int n = 33 + 5 * caller;
        Tensor a = rng.uniform(-1, 1, m, k);
        Tensor b = rng.uniform(-1, 1, n, k).transpose(0, 1);     // [k, n], strided
        Tensor c = a.matmul(b);                                    // [m, n]
        Tensor d = c.tanh().mul(c.sigmoid()).add(c.mean(0, true)); // [m, n]
        Tensor big = rng.uniform(-1, 1, 140_000).exp().mul(0.5);   // long enough to split over the pool
        return concat(d.softmax(1).toFloatArray(), big.sum(0, false).toFloatArray());
    }

    private static float[] concat(float[] x, float[] y) {
        float[] out = java.util.Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }

    @Test
    void concurrentCallersGetTheirSingleThreadedResults() throws Exception {
        float[][][] alone = new float[THREADS][ROUNDS][];
        for (int t = 0; t < THREADS; t++) {
            for (int r = 0; r < ROUNDS; r++) {
                alone[t][r] = work(t, r);
            }
        }
        float[][][] together = new float[THREADS][ROUNDS][];
        CyclicBarrier start = new CyclicBarrier(THREADS);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int caller = t;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int r = 0; r < ROUNDS; r++) {
                        together[caller][r] = work(caller, r);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread th : threads) {
            th.join();
        }
        assertNull(failure.get());
        for (int t = 0; t < THREADS; t++) {
            for (int r = 0; r < ROUNDS; r++) {
                assertArrayEquals(alone[t][r], together[t][r], "caller " + t + " round " + r);
            }
        }
    }
}
