package org.mofa4j.gpu.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/** {@link SplitKGemm}: every slice count gives A·B to fp32 rounding, into plain and strided, accumulating views. */
class SplitKGemmParityTest {
    private static final int M = 131, K = 300, N = 140;

    @Test
    void everySliceCountMatchesFloat64IntoAPlainView() {
        Random rnd = new Random(3);
        float[] a = UniformData.floats(rnd, M * K);
        float[] b = UniformData.floats(rnd, K * N);
        for (int splits = 1; splits <= SplitKGemm.MAX_SPLITS; splits++) {
            float[] c = run(a, b, new float[M * N], splits, N, 1, false);
            for (int i = 0; i < M; i++) {
                for (int j = 0; j < N; j++) {
                    assertClose("splits " + splits + " (" + i + ", " + j + ")", dot(a, b, i, j), c[i * N + j], a, b, i, j);
                }
            }
        }
    }

    @Test
    void accumulatesIntoATransposedView() {
        Random rnd = new Random(5);
        float[] a = UniformData.floats(rnd, M * K);
        float[] b = UniformData.floats(rnd, K * N);
        float[] c0 = UniformData.floats(rnd, M * N);                // C stored column-major: c[i + j·M]
        float[] c = run(a, b, c0.clone(), 3, 1, M, true);
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                assertClose("accumulate (" + i + ", " + j + ")", c0[i + j * M] + dot(a, b, i, j), c[i + j * M], a, b,
                        i, j);
            }
        }
    }

    @Test
    void refusesSlicesThatDoNotDivideK() {
        TaskGraph graph = new TaskGraph("splitRefuse");
        SplitKGemm split = new SplitKGemm(graph, "splitRefuse", "mm", new FloatArray(1), new FloatArray(1),
                new FloatArray(1), M * N, new GridScheduler());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> split.set(M, N, 301, 2, 0, K, 1, 0, N, 1, 0, N, 1, false));
        assertTrue(e.getMessage().contains("2 slices"), e.getMessage());
    }

    @Test
    void splitsOnlyProductsWithTooFewWideTiles() {
        assertEquals(2, SplitKGemm.splitsFor(4096, 768, 3072));   // GPT-2 MLP down: 192 tiles
        assertEquals(4, SplitKGemm.splitsFor(1024, 1024, 4096));  // 64 tiles
        assertEquals(1, SplitKGemm.splitsFor(1024, 1024, 1024));  // slices of 512 are too short
        assertEquals(1, SplitKGemm.splitsFor(4096, 3072, 768));   // MLP up: 768 tiles
        assertEquals(1, SplitKGemm.splitsFor(64, 4096, 4096));    // too thin for the wide kernel
    }

    private static float[] run(float[] a, float[] b, float[] c, int splits, int cRs, int cCs, boolean accumulate) {
        FloatArray da = FloatArray.fromArray(a);
        FloatArray db = FloatArray.fromArray(b);
        FloatArray dc = FloatArray.fromArray(c);
        String name = "splitK" + splits + (accumulate ? "acc" : "");
        GridScheduler scheduler = new GridScheduler();
        TaskGraph graph = new TaskGraph(name).transferToDevice(DataTransferMode.EVERY_EXECUTION, da, db, dc);
        SplitKGemm split = new SplitKGemm(graph, name, "mm", da, db, dc, M * N, scheduler);
        split.set(M, N, K, splits, 0, K, 1, 0, N, 1, 0, cRs, cCs, accumulate);
        graph.transferToHost(DataTransferMode.EVERY_EXECUTION, dc);
        TornadoExecutionPlan plan = new TornadoExecutionPlan(graph.snapshot());
        try {
            plan.withDevice(TornadoRuntime.defaultDevice()).withGridScheduler(scheduler).execute();
        } finally {
            Plans.close(plan);
        }
        return dc.toHeapArray();
    }

    private static double dot(float[] a, float[] b, int i, int j) {
        double s = 0;
        for (int p = 0; p < K; p++) {
            s += (double) a[i * K + p] * b[p * N + j];
        }
        return s;
    }

    /** |expected − actual| ≤ 1e-6·(Σ|a·b| + |expected|): fp32 rounding of a 300-term sum, not a missing term. */
    private static void assertClose(String what, double expected, float actual, float[] a, float[] b, int i, int j) {
        double scale = Math.abs(expected);
        for (int p = 0; p < K; p++) {
            scale += Math.abs((double) a[i * K + p] * b[p * N + j]);
        }
        assertTrue(Math.abs(expected - actual) <= 1e-6 * scale, what + ": expected " + expected + ", got " + actual);
    }
}
