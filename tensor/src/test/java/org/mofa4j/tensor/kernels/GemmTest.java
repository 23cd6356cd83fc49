package org.mofa4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mofa4j.tensor.kernels.GemmViews.Layout;
import org.mofa4j.tensor.kernels.GemmViews.View;
import org.mofa4j.tensor.kernels.KernelMode.Mode;

/** Gemm.sgemm / dgemm: results against a float64 EJML oracle, view handling, determinism and argument checks. */
class GemmTest {

    private static KernelMode.Restore force(Mode mode) {
        assumeTrue(mode == Mode.SCALAR || KernelMode.vectorAvailable(), "Vector API not available");
        return KernelMode.override(mode);
    }

    /** Multiplies views of the given layouts and checks against the oracle, overwriting and accumulating. */
    private static void checkShape(Random rnd, int m, int n, int k, Layout la, Layout lb, Layout lc, int threads) {
        View a = GemmViews.random(rnd, m, k, la);
        View b = GemmViews.random(rnd, k, n, lb);
        for (boolean accumulate : new boolean[] {false, true}) {
            View c = GemmViews.random(rnd, m, n, lc);
            View before = c.copy();
            GemmViews.sgemm(a, b, c, accumulate, threads);
            GemmViews.assertProduct(a, b, before, c, accumulate);
        }
    }

    @Test
    void multipliesASmallExampleExactly() {
        float[] a = {1, 2, 3, 4, 5, 6};           // A: [2, 3]
        float[] b = {7, 8, 9, 10, 11, 12};        // B: [3, 2]
        float[] c = new float[4];                 // C: [2, 2]
        for (Mode mode : Mode.values()) {
            if (mode == Mode.VECTOR && !KernelMode.vectorAvailable()) {
                continue;
            }
            try (var _ = KernelMode.override(mode)) {
                Gemm.sgemm(2, 2, 3, a, 0, 3, 1, b, 0, 2, 1, c, 0, 2, 1, false, 1);
            }
            assertArrayEquals(new float[] {58, 64, 139, 154}, c, mode.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void matchesFloat64ReferenceOnAwkwardShapes(Mode mode) {
        // 1, primes, MR/NR tails (MR ∈ {4, 6}, NR ∈ {16, 32}), k across KC blocks, thin and skinny.
        int[][] shapes = {{1, 1, 1}, {1, 17, 3}, {5, 1, 7}, {7, 13, 11}, {6, 16, 256}, {4, 32, 257},
                          {13, 33, 513}, {31, 47, 29}, {97, 17, 300}, {300, 5, 77}, {3, 300, 64}, {64, 64, 1}};
        Random rnd = new Random(11);
        try (var _ = force(mode)) {
            for (int[] s : shapes) {
                checkShape(rnd, s[0], s[1], s[2], Layout.ROW_MAJOR, Layout.ROW_MAJOR, Layout.ROW_MAJOR, 2);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void acceptsTransposedOperandsThroughStrides(Mode mode) {
        Random rnd = new Random(12);
        try (var _ = force(mode)) {
            checkShape(rnd, 37, 41, 300, Layout.COL_MAJOR, Layout.ROW_MAJOR, Layout.ROW_MAJOR, 2);   // Aᵀ stored
            checkShape(rnd, 37, 41, 300, Layout.ROW_MAJOR, Layout.COL_MAJOR, Layout.ROW_MAJOR, 2);   // Bᵀ stored
            checkShape(rnd, 37, 41, 300, Layout.COL_MAJOR, Layout.COL_MAJOR, Layout.COL_MAJOR, 2);   // all
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void readsAndWritesOnlyStridedSubmatrixViews(Mode mode) {
        Random rnd = new Random(13);
        try (var _ = force(mode)) {
            checkShape(rnd, 29, 35, 70, Layout.SUB_ROW_MAJOR, Layout.SUB_ROW_MAJOR, Layout.SUB_ROW_MAJOR, 2);
            checkShape(rnd, 29, 35, 70, Layout.SUB_COL_MAJOR, Layout.SUB_ROW_MAJOR, Layout.SUB_COL_MAJOR, 3);
            checkShape(rnd, 8, 70, 9, Layout.SUB_ROW_MAJOR, Layout.SUB_COL_MAJOR, Layout.SUB_ROW_MAJOR, 1);
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void kZeroSetsCToZeroOrLeavesItWhenAccumulating(Mode mode) {
        float[] a = new float[0], b = new float[0];
        float[] c = {1, 2, 3, 4, 5, 6};
        try (var _ = force(mode)) {
            Gemm.sgemm(2, 3, 0, a, 0, 0, 1, b, 0, 3, 1, c, 0, 3, 1, true, 2);
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, c);
            Gemm.sgemm(2, 3, 0, a, 0, 0, 1, b, 0, 3, 1, c, 0, 3, 1, false, 2);
            assertArrayEquals(new float[6], c);
        }
    }

    @Test
    void emptyOutputIsANoOp() {
        float[] c = {7};
        Gemm.sgemm(0, 5, 3, new float[0], 0, 3, 1, new float[15], 0, 5, 1, c, 0, 5, 1, false, 1);
        Gemm.sgemm(4, 0, 3, new float[12], 0, 3, 1, new float[0], 0, 0, 1, c, 0, 0, 1, false, 1);
        assertArrayEquals(new float[] {7}, c);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void resultIsBitIdenticalForAnyThreadCount(Mode mode) {
        Random rnd = new Random(14);
        View a = GemmViews.random(rnd, 150, 520, Layout.ROW_MAJOR);
        View b = GemmViews.random(rnd, 520, 70, Layout.ROW_MAJOR);
        View at = GemmViews.random(rnd, 150, 520, Layout.COL_MAJOR);
        try (var _ = force(mode)) {
            for (View left : new View[] {a, at}) {
                float[] first = null;
                for (int threads : new int[] {1, 2, 3}) {
                    View c = GemmViews.random(rnd, 150, 70, Layout.ROW_MAJOR);
                    GemmViews.sgemm(left, b, c, false, threads);
                    if (first == null) {
                        first = c.data();
                    } else {
                        assertArrayEquals(first, c.data(), "threads=" + threads);
                    }
                }
            }
        }
    }

    @Test
    void vectorAndScalarKernelsAreBitIdentical() {
        assumeTrue(KernelMode.vectorAvailable(), "Vector API not available");
        Random rnd = new Random(15);
        int[][] shapes = {{9, 40, 600}, {64, 64, 64}, {130, 33, 257}};
        for (int[] s : shapes) {
            View a = GemmViews.random(rnd, s[0], s[2], Layout.ROW_MAJOR);
            View b = GemmViews.random(rnd, s[2], s[1], Layout.SUB_COL_MAJOR);
            View c0 = GemmViews.random(rnd, s[0], s[1], Layout.ROW_MAJOR);
            View scalar = c0.copy(), vector = c0.copy();
            try (var _ = KernelMode.override(Mode.SCALAR)) {
                GemmViews.sgemm(a, b, scalar, true, 2);
            }
            try (var _ = KernelMode.override(Mode.VECTOR)) {
                GemmViews.sgemm(a, b, vector, true, 2);
            }
            assertArrayEquals(scalar.data(), vector.data(), java.util.Arrays.toString(s));
        }
    }

    @Test
    void dgemmMatchesEjmlInFloat64() {
        Random rnd = new Random(16);
        int m = 23, n = 19, k = 300;
        double[] a = new double[m * k], b = new double[k * n], c = new double[m * n];
        for (int i = 0; i < a.length; i++) a[i] = rnd.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = rnd.nextGaussian();
        // B passed as a transposed view of its storage: element (p, j) at j·k + p.
        double[] bt = new double[k * n];
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                bt[j * k + p] = b[p * n + j];
            }
        }
        Gemm.dgemm(m, n, k, a, 0, k, 1, bt, 0, 1, k, c, 0, n, 1, false);
        var ref = new org.ejml.data.DMatrixRMaj(m, n);
        org.ejml.dense.row.CommonOps_DDRM.mult(org.ejml.data.DMatrixRMaj.wrap(m, k, a),
                org.ejml.data.DMatrixRMaj.wrap(k, n, b), ref);
        for (int i = 0; i < m * n; i++) {
            assertEquals(ref.data[i], c[i], 1e-12 * k, "element " + i);
        }
    }

    @Test
    void rejectsNegativeSizesNamingOpAndSizes() {
        var e = assertThrows(IllegalArgumentException.class, () ->
                Gemm.sgemm(-1, 2, 3, new float[6], 0, 3, 1, new float[6], 0, 2, 1, new float[4], 0, 2, 1, false, 1));
        assertTrue(e.getMessage().startsWith("sgemm:") && e.getMessage().contains("m=-1"), e.getMessage());
    }

    @Test
    void rejectsViewsThatLeaveTheirArray() {
        // A: [2, 3] needs 6 elements; the array has 5.
        var e = assertThrows(IllegalArgumentException.class, () ->
                Gemm.sgemm(2, 2, 3, new float[5], 0, 3, 1, new float[6], 0, 2, 1, new float[4], 0, 2, 1, false, 1));
        assertTrue(e.getMessage().contains("sgemm: a is [2, 3]") && e.getMessage().contains("length 5"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () ->      // negative reach through a negative offset
                Gemm.sgemm(2, 2, 2, new float[4], -1, 2, 1, new float[4], 0, 2, 1, new float[4], 0, 2, 1, false, 1));
        assertThrows(IllegalArgumentException.class, () ->      // C too short
                Gemm.sgemm(2, 2, 2, new float[4], 0, 2, 1, new float[4], 0, 2, 1, new float[3], 0, 2, 1, false, 1));
    }

    @Test
    void rejectsThreadsBelowOne() {
        var e = assertThrows(IllegalArgumentException.class, () ->
                Gemm.sgemm(1, 1, 1, new float[1], 0, 1, 1, new float[1], 0, 1, 1, new float[1], 0, 1, 1, false, 0));
        assertTrue(e.getMessage().contains("threads"), e.getMessage());
    }

    @Test
    void rejectsOutputAliasingAnInputButAllowsDisjointViewsOfOneArray() {
        float[] buf = new float[32];
        // C = A (same elements): rejected.
        assertThrows(IllegalArgumentException.class, () ->
                Gemm.sgemm(2, 2, 2, buf, 0, 2, 1, new float[4], 0, 2, 1, buf, 0, 2, 1, false, 1));
        // A = columns 0..1, C = columns 2..3 of one [4, 4] buffer: interleaved ranges, disjoint elements.
        float[] w = new float[16];
        java.util.Arrays.fill(w, 1f);
        Gemm.sgemm(4, 2, 2, w, 0, 4, 1, new float[] {1, 0, 0, 1}, 0, 2, 1, w, 2, 4, 1, false, 1);
        assertEquals(1f, w[2]);
    }

    @Test
    void vectorKernelRunsAtCompiledSpeedAfterWarmUp() {
        assumeTrue(KernelMode.current() == Mode.VECTOR, "vector kernels not active");
        Gemm.warmUp();
        int s = 256;
        float[] a = new float[s * s], b = new float[s * s], c = new float[s * s];
        java.util.Arrays.fill(a, 0.5f);
        java.util.Arrays.fill(b, 0.25f);
        // Background JIT compilation may still be running (the machine is shared): retry for up to 5 s and
        // stop as soon as one repetition clears the floor.
        long best = Long.MAX_VALUE;
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (2.0 * s * s * s / best <= 20 && System.nanoTime() < deadline) {
            long t0 = System.nanoTime();
            Gemm.sgemm(s, s, s, a, 0, s, 1, b, 0, s, 1, c, 0, s, 1, false, 1);
            best = Math.min(best, System.nanoTime() - t0);
        }
        double gflops = 2.0 * s * s * s / best;
        // Compiled kernels reach ~100 GFLOP/s here; boxed (non-intrinsified) Vector API code runs at 0.1–8.
        assertTrue(gflops > 20, "sgemm 256³ ran at " + gflops + " GFLOP/s: Vector API not compiled?");
    }
}
