package org.mofa4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** Parallel.forRange runs every task exactly once, waits for all, propagates failures and nests safely. */
class ParallelTest {

    @Test
    void runsEveryTaskExactlyOnceForAnyThreadCount() {
        for (int threads : new int[] {1, 2, 3, 8}) {
            for (int tasks : new int[] {0, 1, 2, 7, 100}) {
                AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(1, tasks));
                Parallel.forRange(tasks, threads, runs::incrementAndGet);
                for (int i = 0; i < tasks; i++) {
                    assertEquals(1, runs.get(i), "task " + i + " of " + tasks + " with " + threads + " threads");
                }
            }
        }
    }

    @Test
    void returnsOnlyAfterAllTasksFinished() {
        int[] out = new int[64];                 // plain array: visibility comes from forRange's completion
        for (int round = 0; round < 200; round++) {
            int r = round;
            Parallel.forRange(out.length, 2, i -> out[i] = r * i);
            for (int i = 0; i < out.length; i++) {
                assertEquals(round * i, out[i]);
            }
        }
    }

    @Test
    void rethrowsATaskFailureInTheCaller() {
        IllegalStateException boom = new IllegalStateException("boom");
        var e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(10, 2, i -> {
            if (i == 7) {
                throw boom;
            }
        }));
        assertSame(boom, e);
        AtomicIntegerArray after = new AtomicIntegerArray(4);   // the pool still works afterwards
        Parallel.forRange(4, 2, after::incrementAndGet);
        assertEquals(1, after.get(3));
    }

    @Test
    void nestedCallsCompleteWithoutDeadlock() {
        AtomicIntegerArray runs = new AtomicIntegerArray(8 * 8);
        Parallel.forRange(8, 2, i -> Parallel.forRange(8, 2, j -> runs.incrementAndGet(i * 8 + j)));
        for (int x = 0; x < 64; x++) {
            assertEquals(1, runs.get(x));
        }
    }

    @Test
    void rejectsNegativeTasksAndThreadsBelowOne() {
        assertThrows(IllegalArgumentException.class, () -> Parallel.forRange(-1, 2, i -> { }));
        assertThrows(IllegalArgumentException.class, () -> Parallel.forRange(3, 0, i -> { }));
    }
}
