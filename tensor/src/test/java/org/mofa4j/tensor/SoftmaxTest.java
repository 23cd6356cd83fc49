package org.mofa4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.kernels.KernelMode;

/** softmax and logSoftmax against a float64 oracle on random views and axes, plus their edge cases. */
class SoftmaxTest {

    private static final double NEG_INF = Double.NEGATIVE_INFINITY;

    /**
     * The float64 oracle: for every input element, its row along {@code axis} (found by decoding multi-indices),
     * then exp(x − max) / Σ exp(x − max) or (x − max) − log Σ exp(x − max).
     */
    static double[] reference(double[] v, int[] shape, int axis, boolean log) {
        int n = shape[axis];
        int inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        double[] out = new double[v.length];
        double[] row = new double[n];
        for (int start = 0; start < v.length; start++) {
            if ((start / inner) % n != 0) {
                continue; // not the first element of its row
            }
            double m = NEG_INF;
            for (int i = 0; i < n; i++) {
                row[i] = v[start + i * inner];
                m = Math.max(m, row[i]);
            }
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += Math.exp(row[i] - m);
            }
            for (int i = 0; i < n; i++) {
                out[start + i * inner] = log ? row[i] - m - Math.log(s) : Math.exp(row[i] - m) / s;
            }
        }
        return out;
    }

    private static void checkRandom(long seed, boolean log) {
        Random rnd = new Random(seed);
        for (int c = 0; c < 100; c++) {
            DType dtype = c % 4 == 3 ? DType.F64 : DType.F32;
            int rank = 1 + c % 4;
            int[] shape = ReduceOpsTest.randomShape(rnd, rank);
            Tensor a = TestTensors.randomView(rnd, dtype, shape);
            if (c % 5 == 0) { // spread the logits out so that exp underflows for some
                a = ReduceOpsTest.filled(dtype, Arrays.stream(ReduceOpsTest.values(a)).map(x -> 60 * x).toArray(), shape);
            }
            int axis = rnd.nextInt(rank);
            double[] want = reference(ReduceOpsTest.values(a), shape, axis, log);
            Tensor in = a;
            int signedAxis = rnd.nextBoolean() ? axis : axis - rank;
            ReduceOpsTest.forEachMode(dtype, () -> {
                Tensor out = log ? ReduceOps.logSoftmax(in, signedAxis) : ReduceOps.softmax(in, signedAxis);
                assertArrayEquals(shape, out.shape());
                assertEquals(dtype, out.dtype());
                assertTrue(out.isContiguous());
                assertFalse(out.sharesStorage(in));
                double[] got = ReduceOpsTest.values(out);
                for (int i = 0; i < got.length; i++) {
                    double tol = dtype == DType.F64 ? 1e-12 * (1 + Math.abs(want[i]))
                            : log ? 2e-6 * (1 + Math.abs(want[i])) : 1e-7 + 1e-5 * want[i];
                    if (!(Math.abs(got[i] - want[i]) <= tol)) {
                        fail("element " + i + ": expected " + want[i] + ", got " + got[i] + "; shape "
                                + Arrays.toString(shape) + " strides " + Arrays.toString(in.strides()) + " axis "
                                + signedAxis + " " + dtype + " " + KernelMode.current());
                    }
                }
            });
        }
    }

    @Test
    void softmaxMatchesOracleOnRandomViewsAndAxes() {
        checkRandom(21, false);
    }

    @Test
    void logSoftmaxMatchesOracleOnRandomViewsAndAxes() {
        checkRandom(22, true);
    }

    @Test
    void softmaxRowsSumToOne() {
        Random rnd = new Random(23);
        for (int n : new int[] {1, 7, 17, 33, 1025}) {
            Tensor a = TestTensors.random(rnd, DType.F32, 5, n);
            ReduceOpsTest.forEachMode(DType.F32, () -> {
                double[] y = ReduceOpsTest.values(ReduceOps.softmax(a, 1));
                for (int r = 0; r < 5; r++) {
                    double s = 0;
                    for (int i = 0; i < n; i++) {
                        assertTrue(y[r * n + i] > 0);
                        s += y[r * n + i];
                    }
                    assertEquals(1.0, s, 2e-6, "row " + r + " of length " + n + " " + KernelMode.current());
                }
            });
        }
    }

    @Test
    void logSoftmaxIsTheLogOfSoftmax() {
        Random rnd = new Random(24);
        Tensor a = TestTensors.randomView(rnd, DType.F32, 6, 33, 17);
        for (int axis = 0; axis < 3; axis++) {
            int ax = axis;
            ReduceOpsTest.forEachMode(DType.F32, () -> {
                double[] p = ReduceOpsTest.values(ReduceOps.softmax(a, ax));
                double[] lp = ReduceOpsTest.values(ReduceOps.logSoftmax(a, ax));
                for (int i = 0; i < p.length; i++) {
                    assertEquals(Math.log(p[i]), lp[i], 2e-6 * (1 + Math.abs(lp[i])), "element " + i + " axis " + ax);
                }
            });
        }
    }

    @Test
    void largeLogitsStayFinite() {
        ReduceOpsTest.forEachMode(DType.F32, () -> {
            double[] v = {1000, 999, -1000, 1000, 0, 998, 997, 1000, 5, 1000};
            Tensor a = ReduceOpsTest.filled(DType.F32, v, 10);
            double[] want = reference(v, new int[] {10}, 0, true);
            double[] lp = ReduceOpsTest.values(ReduceOps.logSoftmax(a, 0));
            double[] p = ReduceOpsTest.values(ReduceOps.softmax(a, 0));
            double[] wantP = reference(v, new int[] {10}, 0, false);
            for (int i = 0; i < v.length; i++) {
                assertTrue(Double.isFinite(lp[i]), "logSoftmax element " + i + " is " + lp[i]);
                assertEquals(want[i], lp[i], 1e-5 * (1 + Math.abs(want[i])), "logSoftmax element " + i);
                assertEquals(wantP[i], p[i], 1e-7 + 1e-5 * wantP[i], "softmax element " + i);
            }
            assertEquals(-2000 - Math.log(4 + Math.exp(-1) + Math.exp(-2) + Math.exp(-3)), lp[2], 1e-3);
        });
    }

    @Test
    void rowsOfMinusInfinityGiveNaNLikePyTorch() {
        ReduceOpsTest.forEachMode(DType.F32, () -> {
            double[] v = new double[20];
            Arrays.fill(v, 0, 10, NEG_INF); // row 0: all -inf; row 1: ordinary, with one -inf
            v[13] = NEG_INF;
            Tensor a = ReduceOpsTest.filled(DType.F32, v, 2, 10);
            double[] p = ReduceOpsTest.values(ReduceOps.softmax(a, 1));
            double[] lp = ReduceOpsTest.values(ReduceOps.logSoftmax(a, 1));
            for (int i = 0; i < 10; i++) {
                assertTrue(Double.isNaN(p[i]) && Double.isNaN(lp[i]), "element " + i);
            }
            assertEquals(0.0, p[13]);
            assertEquals(NEG_INF, lp[13]);
            assertEquals(1.0 / 9, p[10], 1e-7);
            assertEquals(-Math.log(9), lp[10], 1e-6);
        });
    }

    @Test
    void singleElementAxisGivesOneAndZero() {
        Tensor a = TestTensors.randomView(new Random(25), DType.F32, 4, 1, 3);
        ReduceOpsTest.forEachMode(DType.F32, () -> {
            assertArrayEquals(new double[12], ReduceOpsTest.values(ReduceOps.logSoftmax(a, 1)), 0.0);
            double[] ones = new double[12];
            Arrays.fill(ones, 1.0);
            assertArrayEquals(ones, ReduceOpsTest.values(ReduceOps.softmax(a, 1)), 0.0);
        });
        assertArrayEquals(new int[] {0, 5}, ReduceOps.softmax(Tensor.zeros(0, 5), 1).shape());
    }
}
