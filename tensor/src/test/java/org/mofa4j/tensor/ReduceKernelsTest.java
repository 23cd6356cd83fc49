package org.mofa4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.kernels.KernelMode;
import org.mofa4j.tensor.kernels.ReductionKernels;
import org.mofa4j.tensor.kernels.ScalarReductions;
import org.mofa4j.tensor.kernels.VectorReductions;

/**
 * The reduction kernels themselves: the vector twin against the scalar twin on every length around the vector
 * width, the vector exp against Math.exp, column results independent of where a column falls, and ReduceOps
 * results bit-identical for 1 and 2 threads.
 */
class ReduceKernelsTest {

    private static final ReductionKernels SCALAR = ScalarReductions.INSTANCE;

    private static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextFloat() * 2 - 1;
        }
        return x;
    }

    private static double sumAbs(float[] x, int off, int n) {
        double s = 0;
        for (int i = off; i < off + n; i++) {
            s += Math.abs(x[i]);
        }
        return s;
    }

    @Test
    void vectorRunKernelsAgreeWithScalarTwinForEveryLengthAndOffset() {
        assumeTrue(KernelMode.vectorAvailable());
        ReductionKernels v = VectorReductions.INSTANCE;
        Random rnd = new Random(31);
        float[] x = random(rnd, 5000);
        float[] y1 = new float[5000];
        float[] y2 = new float[5000];
        int[] lengths = new int[140];
        for (int i = 0; i < 130; i++) {
            lengths[i] = i + 1;
        }
        int[] longer = {255, 256, 257, 2047, 2048, 2049, 4095};
        System.arraycopy(longer, 0, lengths, 130, longer.length);
        for (int n : Arrays.copyOf(lengths, 137)) {
            int off = rnd.nextInt(5000 - n + 1);
            String at = "n=" + n + " off=" + off;
            double tol = 1e-6 * sumAbs(x, off, n);
            assertEquals(SCALAR.sum(x, off, n), v.sum(x, off, n), tol, "sum " + at);
            assertEquals(SCALAR.sumSquares(x, off, n), v.sumSquares(x, off, n), 1e-12 * n, "sumSquares " + at);
            assertEquals(SCALAR.sumSquaredDeviations(x, off, n, 0.25), v.sumSquaredDeviations(x, off, n, 0.25),
                    3e-6 * n, "sumSquaredDeviations " + at);
            float c = SCALAR.max(x, off, n);
            assertEquals(SCALAR.sumExp(x, off, n, c), v.sumExp(x, off, n, c), 2e-6 * n, "sumExp " + at);
            assertEquals(c, v.max(x, off, n), "max " + at);
            assertEquals(SCALAR.min(x, off, n), v.min(x, off, n), "min " + at);
            assertEquals(SCALAR.argmax(x, off, n), v.argmax(x, off, n), "argmax " + at);
            SCALAR.softmax(x, off, y1, 0, n);
            v.softmax(x, off, y2, 0, n);
            for (int i = 0; i < n; i++) {
                assertEquals(y1[i], y2[i], 1e-8 + 3e-6 * y1[i], "softmax " + at + " i=" + i);
            }
            SCALAR.logSoftmax(x, off, y1, 0, n);
            v.logSoftmax(x, off, y2, 0, n);
            for (int i = 0; i < n; i++) {
                assertEquals(y1[i], y2[i], 2e-6 * (1 + Math.abs(y1[i])), "logSoftmax " + at + " i=" + i);
            }
        }
    }

    @Test
    void vectorArgmaxAndMaxHandleNaNTiesAndSignedZeros() {
        assumeTrue(KernelMode.vectorAvailable());
        ReductionKernels v = VectorReductions.INSTANCE;
        for (int n = 1; n <= 40; n++) {
            for (int at = 0; at < n; at++) {
                float[] x = new float[n];
                Arrays.fill(x, -0.0f);
                x[at] = 0.0f;
                assertEquals(0, v.argmax(x, 0, n), "first of ±0 ties, n=" + n);
                assertEquals(SCALAR.max(x, 0, n), v.max(x, 0, n));
                assertEquals(Float.floatToIntBits(SCALAR.max(x, 0, n)), Float.floatToIntBits(v.max(x, 0, n)));
                x[at] = Float.NaN;
                assertEquals(at, v.argmax(x, 0, n));
                assertTrue(Float.isNaN(v.max(x, 0, n)) && Float.isNaN(v.min(x, 0, n)), "NaN propagates, n=" + n);
            }
        }
    }

    @Test
    void columnKernelsAgreeWithScalarTwinAndDoNotDependOnColumnPosition() {
        assumeTrue(KernelMode.vectorAvailable());
        ReductionKernels v = VectorReductions.INSTANCE;
        Random rnd = new Random(32);
        for (int rows : new int[] {1, 2, 127, 128, 129, 300}) {
            int stride = 41;
            float[] x = random(rnd, rows * stride + 3);
            int[] rowOffsets = new int[rows];
            for (int r = 0; r < rows; r++) {
                rowOffsets[r] = (r * 7 % rows) * stride; // rows visited out of order
            }
            float[] center = random(rnd, 40);
            for (int width = 1; width <= 40; width += 3) {
                float[] s = new float[width];
                float[] w = new float[width];
                float[] one = new float[1];
                String at = "rows=" + rows + " width=" + width;
                for (int k = 0; k < 5; k++) {
                    columns(k, SCALAR, x, rowOffsets, rows, center, s, width);
                    columns(k, v, x, rowOffsets, rows, center, w, width);
                    for (int c = 0; c < width; c++) {
                        double tol = k == 1 || k == 2 ? 0.0 : 2e-6 * rows;
                        assertEquals(s[c], w[c], tol, "column kernel " + k + " " + at + " c=" + c);
                        // the same column reduced alone (the scalar tail path) has the same bits
                        float[] shifted = Arrays.copyOfRange(center, c, 40);
                        columnsAt(k, v, x, c, rowOffsets, rows, shifted, one);
                        assertEquals(Float.floatToIntBits(w[c]), Float.floatToIntBits(one[0]),
                                "column kernel " + k + " " + at + " c=" + c + " alone");
                    }
                }
            }
        }
    }

    private static void columns(int kind, ReductionKernels k, float[] x, int[] rowOffs, int rows, float[] center,
                                float[] out, int width) {
        switch (kind) {
            case 0 -> k.sumColumns(x, 3, rowOffs, rows, out, 0, width);
            case 1 -> k.maxColumns(x, 3, rowOffs, rows, out, 0, width);
            case 2 -> k.minColumns(x, 3, rowOffs, rows, out, 0, width);
            case 3 -> k.sumSquaredDeviationsColumns(x, 3, rowOffs, rows, center, 0, out, 0, width);
            default -> k.sumExpColumns(x, 3, rowOffs, rows, center, 0, out, 0, width);
        }
    }

    private static void columnsAt(int kind, ReductionKernels k, float[] x, int c, int[] rowOffs, int rows,
                                  float[] center, float[] out) {
        switch (kind) {
            case 0 -> k.sumColumns(x, 3 + c, rowOffs, rows, out, 0, 1);
            case 1 -> k.maxColumns(x, 3 + c, rowOffs, rows, out, 0, 1);
            case 2 -> k.minColumns(x, 3 + c, rowOffs, rows, out, 0, 1);
            case 3 -> k.sumSquaredDeviationsColumns(x, 3 + c, rowOffs, rows, center, 0, out, 0, 1);
            default -> k.sumExpColumns(x, 3 + c, rowOffs, rows, center, 0, out, 0, 1);
        }
    }

    @Test
    void vectorExpIsWithinTwoUlpsOfMathExp() {
        assumeTrue(KernelMode.vectorAvailable());
        for (float x = -103f; x < 88.7f; x += 0.0137f) {
            float want = (float) Math.exp(x);
            float got = VectorReductions.exp(x);
            assertTrue(Math.abs(got - want) <= 2 * Math.ulp(want), "exp(" + x + ") = " + got + ", want " + want);
        }
        assertEquals(1f, VectorReductions.exp(0f));
        assertEquals(0f, VectorReductions.exp(Float.NEGATIVE_INFINITY));
        assertEquals(0f, VectorReductions.exp(-1e30f));
        assertEquals(Float.POSITIVE_INFINITY, VectorReductions.exp(Float.POSITIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, VectorReductions.exp(89f));
        assertTrue(Float.isNaN(VectorReductions.exp(Float.NaN)));
        assertEquals((float) Math.exp(-100), VectorReductions.exp(-100f), Math.ulp((float) Math.exp(-100)),
                "subnormal results");
    }

    /** Every reduction and softmax, on inputs big enough to be split into tasks, in every layout form. */
    private static List<Supplier<double[]>> bigOps(Random rnd) {
        Tensor rows = TestTensors.random(rnd, DType.F32, 300, 1000);             // row form, unit stride
        Tensor cols = TestTensors.random(rnd, DType.F32, 600, 1001);             // column form, 8 column chunks
        Tensor strided = TestTensors.random(rnd, DType.F32, 40, 1000, 3).narrow(2, 0, 2); // strided runs
        Tensor f64 = TestTensors.random(rnd, DType.F64, 500, 200);
        return List.of(
                () -> ReduceOpsTest.values(ReduceOps.sum(rows, new int[] {1}, false)),
                () -> ReduceOpsTest.values(ReduceOps.logsumexp(rows, new int[] {-1}, false)),
                () -> ReduceOpsTest.values(ReduceOps.var(rows, new int[] {1}, true, 1)),
                () -> ReduceOpsTest.values(ReduceOps.sum(cols, new int[] {0}, false)),
                () -> ReduceOpsTest.values(ReduceOps.var(cols, new int[] {0}, false, 1)),
                () -> ReduceOpsTest.values(ReduceOps.logsumexp(cols, new int[] {0}, false)),
                () -> ReduceOpsTest.values(ReduceOps.max(cols, new int[] {0}, false)),
                () -> ReduceOpsTest.values(ReduceOps.mean(strided, new int[] {1}, false)),
                () -> ReduceOpsTest.values(ReduceOps.sum(f64, new int[] {0}, false)),
                () -> Arrays.stream(ReduceOps.argmax(rows, 1, false).data()).asDoubleStream().toArray(),
                () -> ReduceOpsTest.values(ReduceOps.softmax(rows, 1)),
                () -> ReduceOpsTest.values(ReduceOps.logSoftmax(cols, 0)),
                () -> ReduceOpsTest.values(ReduceOps.softmax(f64, 0)));
    }

    @Test
    @SuppressWarnings("try") // the override handle is only closed
    void resultsAreBitIdenticalForOneAndTwoThreads() {
        List<Supplier<double[]>> ops = bigOps(new Random(33));
        for (var mode : ReduceOpsTest.modes()) {
            try (var m = KernelMode.override(mode)) {
                for (int i = 0; i < ops.size(); i++) {
                    double[] one = withThreads(1, ops.get(i));
                    double[] two = withThreads(2, ops.get(i));
                    double[] again = withThreads(2, ops.get(i));
                    assertArrayEquals(one, two, 0.0, "op " + i + " " + mode);
                    assertArrayEquals(one, again, 0.0, "op " + i + " " + mode + ", repeated");
                }
            }
        }
    }

    private static double[] withThreads(int threads, Supplier<double[]> op) {
        ReduceOps.threadsOverride = threads;
        try {
            return op.get();
        } finally {
            ReduceOps.threadsOverride = 0;
        }
    }
}
