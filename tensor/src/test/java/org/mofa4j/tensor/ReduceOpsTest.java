package org.mofa4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.kernels.KernelMode;
import org.mofa4j.tensor.kernels.KernelMode.Mode;

/**
 * Reductions against a float64 oracle written with plain index loops over logical elements, on random shapes
 * (rank 0–4, sizes chosen to hit vector tails), random axis subsets and random non-contiguous views, in both
 * kernel modes. fp32 tolerances are relative to Σ|x| of each output's inputs, tight enough that one dropped
 * element or a wrong axis fails.
 */
class ReduceOpsTest {

    private static final int CASES = 120;

    // ---------------------------------------------------------------- helpers shared with the other reduce tests

    /** The kernel modes this JVM can run. */
    static List<Mode> modes() {
        return KernelMode.vectorAvailable() ? List.of(Mode.SCALAR, Mode.VECTOR) : List.of(Mode.SCALAR);
    }

    /** Values of t in logical row-major order, read one element at a time (no tensor ops). */
    static double[] values(Tensor t) {
        double[] v = new double[t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.getFlat(i);
        }
        return v;
    }

    /** Rank 0–4 with sizes from {1, 2, 3, 7, 17, 33} and sometimes one 1025; at most 40k elements. */
    static int[] randomShape(Random rnd, int rank) {
        int[] sizes = {1, 2, 3, 7, 17, 33};
        while (true) {
            int[] s = new int[rank];
            for (int i = 0; i < rank; i++) {
                s[i] = sizes[rnd.nextInt(sizes.length)];
            }
            if (rank > 0 && rnd.nextInt(4) == 0) {
                s[rnd.nextInt(rank)] = 1025;
            }
            long n = 1;
            for (int d : s) {
                n *= d;
            }
            if (n <= 40_000) {
                return s;
            }
        }
    }

    /** A random subset of the axes, each written as a positive or a negative index, in random order. */
    static int[] randomAxes(Random rnd, int rank) {
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < rank; i++) {
            if (rnd.nextBoolean()) {
                axes.add(rnd.nextBoolean() ? i : i - rank);
            }
        }
        java.util.Collections.shuffle(axes, rnd);
        return axes.stream().mapToInt(Integer::intValue).toArray();
    }

    static boolean[] mask(int[] axes, int rank) {
        boolean[] m = new boolean[rank];
        for (int a : axes) {
            m[a < 0 ? a + rank : a] = true;
        }
        if (axes.length == 0) {
            Arrays.fill(m, true);
        }
        return m;
    }

    /** groups[o] = the inputs of output o, in logical order, found by decoding every input's multi-index. */
    static double[][] groups(double[] v, int[] shape, boolean[] mask) {
        int outCount = 1;
        int count = 1;
        for (int i = 0; i < shape.length; i++) {
            if (mask[i]) {
                count *= shape[i];
            } else {
                outCount *= shape[i];
            }
        }
        double[][] g = new double[outCount][count];
        int[] fill = new int[outCount];
        int[] idx = new int[shape.length];
        for (int flat = 0; flat < v.length; flat++) {
            int rem = flat;
            for (int d = shape.length - 1; d >= 0; d--) {
                idx[d] = rem % shape[d];
                rem /= shape[d];
            }
            int o = 0;
            for (int d = 0; d < shape.length; d++) {
                if (!mask[d]) {
                    o = o * shape[d] + idx[d];
                }
            }
            g[o][fill[o]++] = v[flat];
        }
        return g;
    }

    static int[] expectedShape(int[] shape, boolean[] mask, boolean keepDim) {
        return java.util.stream.IntStream.range(0, shape.length)
                .filter(i -> keepDim || !mask[i]).map(i -> mask[i] ? 1 : shape[i]).toArray();
    }

    static double sumAbs(double[] g) {
        double s = 0;
        for (double x : g) {
            s += Math.abs(x);
        }
        return s;
    }

    static double refSum(double[] g) {
        double s = 0;
        for (double x : g) {
            s += x;
        }
        return s;
    }

    static double refMax(double[] g) {
        double m = Double.NEGATIVE_INFINITY;
        for (double x : g) {
            m = Double.isNaN(x) || x > m ? x : m;
            if (Double.isNaN(m)) {
                return m;
            }
        }
        return m;
    }

    static double refMin(double[] g) {
        double m = Double.POSITIVE_INFINITY;
        for (double x : g) {
            m = Double.isNaN(x) || x < m ? x : m;
            if (Double.isNaN(m)) {
                return m;
            }
        }
        return m;
    }

    static double refLogSumExp(double[] g) {
        double m = refMax(g);
        if (Double.isInfinite(m) || Double.isNaN(m)) {
            return m;
        }
        double s = 0;
        for (double x : g) {
            s += Math.exp(x - m);
        }
        return m + Math.log(s);
    }

    /** Runs {@code check} once per mode (fp32) or once (fp64). */
    @SuppressWarnings("try") // the override handle is only closed
    static void forEachMode(DType dtype, Runnable check) {
        if (dtype == DType.F64) {
            check.run();
            return;
        }
        for (Mode mode : modes()) {
            try (var m = KernelMode.override(mode)) {
                check.run();
            }
        }
    }

    interface Reduction {
        Tensor apply(Tensor a, int[] axes, boolean keepDim);
    }

    /**
     * Random cases for one reduction: compares every output with {@code oracle} of its group within
     * {@code tolerance} of the group (fp32) or 1e-12 of it (fp64).
     */
    private static void checkRandom(long seed, Reduction op, ToDoubleFunction<double[]> oracle,
                                    ToDoubleFunction<double[]> tolerance) {
        Random rnd = new Random(seed);
        for (int c = 0; c < CASES; c++) {
            DType dtype = c % 4 == 3 ? DType.F64 : DType.F32;
            int rank = c % 5;
            int[] shape = randomShape(rnd, rank);
            Tensor a = TestTensors.randomView(rnd, dtype, shape);
            int[] axes = randomAxes(rnd, rank);
            boolean keepDim = rnd.nextBoolean();
            boolean[] mask = mask(axes, rank);
            double[][] g = groups(values(a), shape, mask);
            forEachMode(dtype, () -> {
                Tensor out = op.apply(a, axes, keepDim);
                String where = "shape " + Arrays.toString(shape) + " strides " + Arrays.toString(a.strides())
                        + " axes " + Arrays.toString(axes) + " keepDim " + keepDim + " " + dtype + " "
                        + KernelMode.current();
                assertArrayEquals(expectedShape(shape, mask, keepDim), out.shape(), "shape, " + where);
                assertEquals(dtype, out.dtype(), where);
                assertTrue(out.isContiguous(), where);
                assertFalse(out.sharesStorage(a), where);
                double[] got = values(out);
                for (int o = 0; o < g.length; o++) {
                    double want = oracle.applyAsDouble(g[o]);
                    double tol = dtype == DType.F64 ? 1e-12 * (1 + sumAbs(g[o])) : tolerance.applyAsDouble(g[o]);
                    if (!(Math.abs(got[o] - want) <= tol) && !(Double.isNaN(want) && Double.isNaN(got[o]))
                            && want != got[o]) {
                        fail("output " + o + ": expected " + want + ", got " + got[o] + " (tolerance " + tol + "), "
                                + where);
                    }
                }
            });
        }
    }

    // ---------------------------------------------------------------- values on random views

    @Test
    void sumMatchesOracle() {
        checkRandom(1, ReduceOps::sum, ReduceOpsTest::refSum, g -> 1e-6 * sumAbs(g) + 1e-30);
    }

    @Test
    void meanMatchesOracle() {
        checkRandom(2, ReduceOps::mean, g -> refSum(g) / g.length, g -> (1e-6 * sumAbs(g) + 1e-30) / g.length);
    }

    @Test
    void maxAndMinAreExact() {
        checkRandom(3, ReduceOps::max, ReduceOpsTest::refMax, g -> 0.0);
        checkRandom(4, ReduceOps::min, ReduceOpsTest::refMin, g -> 0.0);
    }

    @Test
    void varMatchesTwoPassOracleForSeveralCorrections() {
        for (int correction = 0; correction <= 2; correction++) {
            int c = correction;
            ToDoubleFunction<double[]> oracle = g -> {
                double mean = refSum(g) / g.length;
                double ss = 0;
                for (double x : g) {
                    ss += (x - mean) * (x - mean);
                }
                return ss / Math.max(0, g.length - c);
            };
            // error relative to Σ x² (the mean's rounding shifts each deviation by ~1 ulp of the mean)
            ToDoubleFunction<double[]> tol = g -> {
                double sq = 0;
                for (double x : g) {
                    sq += x * x;
                }
                return 2e-6 * sq / Math.max(1, g.length - c) + 1e-30;
            };
            checkRandom(10 + c, (a, axes, keep) -> ReduceOps.var(a, axes, keep, c), oracle, tol);
        }
    }

    @Test
    void logsumexpMatchesOracle() {
        checkRandom(5, ReduceOps::logsumexp, ReduceOpsTest::refLogSumExp,
                g -> 2e-6 * (1 + Math.abs(refLogSumExp(g))));
    }

    @Test
    void bigReductionsTakeTheFastPathsAndStayAccurate() {
        Random rnd = new Random(6);
        // [B·T, C] → [C] (column form), row sums over a long last axis (row form), and a full reduction
        int[][] shapes = {{2049, 129}, {7, 33025}, {301, 333}};
        int[][] axes = {{0}, {-1}, {}};
        for (int i = 0; i < shapes.length; i++) {
            Tensor a = TestTensors.random(rnd, DType.F32, shapes[i]);
            boolean[] mask = mask(axes[i], 2);
            double[][] g = groups(values(a), shapes[i], mask);
            int k = i;
            forEachMode(DType.F32, () -> {
                double[] sums = values(ReduceOps.sum(a, axes[k], false));
                double[] maxes = values(ReduceOps.max(a, axes[k], false));
                for (int o = 0; o < g.length; o++) {
                    assertEquals(refSum(g[o]), sums[o], 1e-6 * sumAbs(g[o]), "sum " + o + " " + KernelMode.current());
                    assertEquals(refMax(g[o]), maxes[o], 0.0, "max " + o);
                }
            });
        }
    }

    // ---------------------------------------------------------------- special values

    @Test
    void maxMinAndSumPropagateNaN() {
        for (DType dtype : DType.values()) {
            forEachMode(dtype, () -> {
                Tensor a = filled(dtype, new double[] {1, Double.NaN, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 6);
                assertEquals(Double.NaN, ReduceOps.max(a, new int[] {1}, false).getFlat(0));
                assertEquals(12.0, ReduceOps.max(a, new int[] {1}, false).getFlat(1));
                assertEquals(Double.NaN, ReduceOps.min(a, new int[] {0}, false).getFlat(1));
                assertEquals(Double.NaN, ReduceOps.sum(a, new int[] {}, false).item());
                assertEquals(Double.NaN, ReduceOps.logsumexp(a, new int[] {1}, false).getFlat(0));
            });
        }
    }

    @Test
    void logsumexpIsStableForHugeAndInfiniteInputs() {
        double inf = Double.POSITIVE_INFINITY;
        forEachMode(DType.F32, () -> {
            Tensor big = filled(DType.F32, new double[] {1000, 1000, 999, -1000}, 4);
            assertEquals(1000 + Math.log(2 + Math.exp(-1)), ReduceOps.logsumexp(big, new int[] {0}, false).item(), 1e-3);
            Tensor allNegInf = filled(DType.F32, new double[] {-inf, -inf, -inf}, 3);
            assertEquals(-inf, ReduceOps.logsumexp(allNegInf, new int[] {}, false).item());
            Tensor withPosInf = filled(DType.F32, new double[] {1, inf, -inf}, 3);
            assertEquals(inf, ReduceOps.logsumexp(withPosInf, new int[] {}, false).item());
            // column form (kept axis of 8 with unit stride): column 0 all -inf, column 1 holds +inf, column 2 -1e30
            float[] v = new float[16];
            v[0] = v[8] = Float.NEGATIVE_INFINITY;
            v[9] = Float.POSITIVE_INFINITY;
            v[2] = -1e30f;
            double[] got = values(ReduceOps.logsumexp(Tensor.wrap(v, 2, 8).expand(3, 2, 8), new int[] {0, 1}, false));
            assertEquals(-inf, got[0]);
            assertEquals(inf, got[1]);
            assertEquals(Math.log(3), got[2], 1e-6); // three copies of -1e30 add nothing
            assertEquals(Math.log(6), got[3], 1e-6);
        });
    }

    @Test
    void varOfTooFewElementsIsNanOrInfinityLikePyTorch() {
        Tensor one = filled(DType.F32, new double[] {3}, 1);
        assertTrue(Double.isNaN(ReduceOps.var(one, new int[] {}, false, 1).item()), "0/0");
        Tensor two = filled(DType.F32, new double[] {1, 3}, 2);
        assertEquals(Double.POSITIVE_INFINITY, ReduceOps.var(two, new int[] {}, false, 2).item(), "2/0");
        assertEquals(1.0, ReduceOps.var(two, new int[] {}, false, 0).item(), 1e-7);
        assertEquals(2.0, ReduceOps.var(two, new int[] {}, false, 1).item(), 1e-7);
    }

    @Test
    void reductionsOverEmptyAxesFollowPyTorch() {
        for (DType dtype : DType.values()) {
            Tensor a = Tensor.zeros(dtype, 3, 0);
            int[] ax = {1};
            assertArrayEquals(new double[] {0, 0, 0}, values(ReduceOps.sum(a, ax, false)));
            assertTrue(Double.isNaN(ReduceOps.mean(a, ax, false).getFlat(0)));
            assertTrue(Double.isNaN(ReduceOps.var(a, ax, false, 1).getFlat(2)));
            assertEquals(Double.NEGATIVE_INFINITY, ReduceOps.logsumexp(a, ax, true).getFlat(1));
            assertArrayEquals(new int[] {3, 1}, ReduceOps.sum(a, ax, true).shape());
            assertArrayEquals(new int[] {0}, ReduceOps.max(a, new int[] {0}, false).shape(), "empty output is fine");
            ShapeException e = assertThrows(ShapeException.class, () -> ReduceOps.max(a, ax, false));
            assertTrue(e.getMessage().startsWith("max: cannot reduce an empty axis"), e.getMessage());
            e = assertThrows(ShapeException.class, () -> ReduceOps.min(a, new int[] {}, false));
            assertTrue(e.getMessage().startsWith("min: cannot reduce an empty axis"), e.getMessage());
            e = assertThrows(ShapeException.class, () -> ReduceOps.argmax(a, 1, false));
            assertTrue(e.getMessage().startsWith("argmax: cannot reduce an empty axis"), e.getMessage());
            e = assertThrows(ShapeException.class, () -> ReduceOps.argmaxFlat(a));
            assertTrue(e.getMessage().startsWith("argmax: cannot reduce an empty tensor"), e.getMessage());
        }
    }

    // ---------------------------------------------------------------- shapes and errors

    @Test
    void emptyAxesMeanAllAndKeepDimKeepsOnes() {
        Tensor a = TestTensors.random(new Random(7), DType.F32, 2, 3, 4);
        assertArrayEquals(new int[0], ReduceOps.sum(a, new int[] {}, false).shape());
        assertArrayEquals(new int[] {1, 1, 1}, ReduceOps.sum(a, new int[] {}, true).shape());
        assertArrayEquals(new int[] {2, 1, 4}, ReduceOps.max(a, new int[] {-2}, true).shape());
        assertArrayEquals(new int[] {3}, ReduceOps.mean(a, new int[] {2, 0}, false).shape());
        Tensor s = Tensor.wrap(new float[] {5f});
        assertEquals(5.0, ReduceOps.sum(s, new int[] {}, false).item());
        assertArrayEquals(new int[0], ReduceOps.sum(s, new int[] {}, true).shape());
    }

    @Test
    void badAxesThrowNamingTheOp() {
        Tensor a = Tensor.zeros(2, 3);
        assertMessage("sum: axis 2 is out of range for a tensor of rank 2", () -> ReduceOps.sum(a, new int[] {2}, false));
        assertMessage("mean: axis -3 is out of range", () -> ReduceOps.mean(a, new int[] {-3}, false));
        assertMessage("max: axis -1 given twice", () -> ReduceOps.max(a, new int[] {1, -1}, false));
        assertMessage("var: axis 0 given twice", () -> ReduceOps.var(a, new int[] {0, 0}, false, 1));
        assertMessage("var: correction must be ≥ 0", () -> ReduceOps.var(a, new int[] {0}, false, -1));
        assertMessage("logsumexp: axis 5 is out of range", () -> ReduceOps.logsumexp(a, new int[] {5}, true));
        assertMessage("min: axis 9 is out of range", () -> ReduceOps.min(a, new int[] {9}, true));
        assertMessage("argmax: axis 2 is out of range", () -> ReduceOps.argmax(a, 2, true));
        assertMessage("softmax: axis -3 is out of range", () -> ReduceOps.softmax(a, -3));
        assertMessage("logSoftmax: axis 2 is out of range", () -> ReduceOps.logSoftmax(a, 2));
    }

    static void assertMessage(String prefix, Runnable r) {
        ShapeException e = assertThrows(ShapeException.class, r::run);
        assertTrue(e.getMessage().startsWith(prefix), "message '" + e.getMessage() + "' should start with '" + prefix + "'");
    }

    /** A tensor holding {@code v} with the given shape, written through set (no tensor ops). */
    static Tensor filled(DType dtype, double[] v, int... shape) {
        Tensor t = Tensor.zeros(dtype, shape);
        for (int i = 0; i < v.length; i++) {
            t.setFlat(i, v[i]);
        }
        return t;
    }

    // ---------------------------------------------------------------- argmax

    @Test
    void argmaxMatchesFirstMaximumOracleOnRandomViews() {
        Random rnd = new Random(8);
        for (int c = 0; c < CASES; c++) {
            DType dtype = c % 4 == 3 ? DType.F64 : DType.F32;
            int rank = 1 + c % 4;
            int[] shape = randomShape(rnd, rank);
            Tensor a = TestTensors.randomView(rnd, dtype, shape);
            if (c % 3 == 0) { // coarse values force ties
                a = roundedCopy(a, dtype, shape, rnd);
            }
            int axis = rnd.nextInt(rank) - (rnd.nextBoolean() ? rank : 0);
            boolean keepDim = rnd.nextBoolean();
            boolean[] mask = new boolean[rank];
            mask[axis < 0 ? axis + rank : axis] = true;
            double[][] g = groups(values(a), shape, mask);
            Tensor in = a;
            forEachMode(dtype, () -> {
                IntTensor out = ReduceOps.argmax(in, axis, keepDim);
                assertArrayEquals(expectedShape(shape, mask, keepDim), out.shape());
                for (int o = 0; o < g.length; o++) {
                    assertEquals(refArgmax(g[o]), out.data()[o], "output " + o + " shape " + Arrays.toString(shape));
                }
                double[] all = values(in);
                assertEquals(refArgmax(all), ReduceOps.argmaxFlat(in), "flat, shape " + Arrays.toString(shape));
            });
        }
    }

    private static Tensor roundedCopy(Tensor a, DType dtype, int[] shape, Random rnd) {
        double[] v = values(a);
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.round(v[i] * 2);
        }
        return filled(dtype, v, shape);
    }

    static int refArgmax(double[] g) {
        int best = 0;
        for (int i = 0; i < g.length; i++) {
            if (Double.isNaN(g[i])) {
                return i;
            }
            if (g[i] > g[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void argmaxPicksTheFirstOfTiesAndTheFirstNaN() {
        double nan = Double.NaN;
        forEachMode(DType.F32, () -> {
            double[] row = new double[40];
            row[5] = 3;
            row[17] = 3;
            row[39] = 3;
            Tensor a = filled(DType.F32, row, 40);
            assertEquals(5, ReduceOps.argmax(a, 0, false).data()[0]);
            assertEquals(5, ReduceOps.argmaxFlat(a));
            row[30] = nan;
            row[33] = nan;
            Tensor b = filled(DType.F32, row, 40);
            assertEquals(30, ReduceOps.argmaxFlat(b));
            assertEquals(30, ReduceOps.argmax(b, -1, true).data()[0]);
            Tensor negInf = filled(DType.F32, new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY}, 2);
            assertEquals(0, ReduceOps.argmaxFlat(negInf));
        });
        // flat index on a transposed view is in logical order
        Tensor t = filled(DType.F32, new double[] {0, 9, 0, 0, 9, 0}, 2, 3).transpose(0, 1); // logical [[0,0],[9,9],[0,0]]
        assertEquals(2, ReduceOps.argmaxFlat(t));
        assertArrayEquals(new int[] {1, 1}, ReduceOps.argmax(t, 0, false).data());
    }

    // ---------------------------------------------------------------- sumTo

    @Test
    void sumToIsTheAdjointOfBroadcasting() {
        Random rnd = new Random(9);
        for (DType dtype : DType.values()) {
            Tensor a = TestTensors.randomView(rnd, dtype, 2, 3, 4);
            double[] v = values(a);
            double[] to31 = new double[3];
            double[] to4 = new double[4];
            double total = 0;
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    for (int k = 0; k < 4; k++) {
                        double x = v[(i * 3 + j) * 4 + k];
                        to31[j] += x;
                        to4[k] += x;
                        total += x;
                    }
                }
            }
            double tol = dtype == DType.F32 ? 1e-5 : 1e-12;
            Tensor r31 = ReduceOps.sumTo(a, new int[] {3, 1});
            assertArrayEquals(new int[] {3, 1}, r31.shape());
            assertArrayEquals(to31, values(r31), tol);
            Tensor r4 = ReduceOps.sumTo(a, new int[] {4});
            assertArrayEquals(new int[] {4}, r4.shape());
            assertArrayEquals(to4, values(r4), tol);
            Tensor r111 = ReduceOps.sumTo(a, new int[] {1, 1, 1});
            assertArrayEquals(new int[] {1, 1, 1}, r111.shape());
            assertEquals(total, r111.item(), tol);
            assertArrayEquals(new int[0], ReduceOps.sumTo(a, new int[0]).shape());
            Tensor same = ReduceOps.sumTo(a, new int[] {2, 3, 4});
            assertArrayEquals(v, values(same), 0.0);
            assertTrue(same == a, "sumTo returns the tensor itself when nothing is summed");
            assertEquals(dtype, same.dtype());
        }
    }

    @Test
    void sumToUndoesExpand() {
        Tensor b = filled(DType.F32, new double[] {1, 2, 3}, 3, 1);
        Tensor expanded = b.expand(5, 3, 4); // each value appears 20 times
        assertArrayEquals(new double[] {20, 40, 60}, values(ReduceOps.sumTo(expanded, new int[] {3, 1})), 0.0);
    }

    @Test
    void sumToRejectsShapesThatDoNotBroadcast() {
        Tensor a = Tensor.zeros(2, 3, 4);
        assertMessage("sumTo: target [3] does not broadcast to the tensor's [2, 3, 4]",
                () -> ReduceOps.sumTo(a, new int[] {3}));
        assertMessage("sumTo: target [2, 2, 3, 4] has more dimensions", () -> ReduceOps.sumTo(a, new int[] {2, 2, 3, 4}));
        assertMessage("sumTo: target [2, 1, 2] does not broadcast", () -> ReduceOps.sumTo(a, new int[] {2, 1, 2}));
        assertMessage("sumTo: target [-1, 4] does not broadcast", () -> ReduceOps.sumTo(a, new int[] {-1, 4}));
    }

    // ---------------------------------------------------------------- norm

    @Test
    void normMatchesOracleOnRandomViews() {
        Random rnd = new Random(10);
        for (int c = 0; c < 40; c++) {
            DType dtype = c % 3 == 2 ? DType.F64 : DType.F32;
            int[] shape = randomShape(rnd, c % 5);
            Tensor a = TestTensors.randomView(rnd, dtype, shape);
            double ss = 0;
            for (double x : values(a)) {
                ss += x * x;
            }
            double want = Math.sqrt(ss);
            forEachMode(dtype, () -> assertEquals(want, ReduceOps.norm(a), 1e-12 * (1 + want),
                    "shape " + Arrays.toString(shape)));
        }
    }

    @Test
    void normOfLargeFloatsDoesNotOverflow() {
        forEachMode(DType.F32, () -> {
            double[] v = new double[19];
            Arrays.fill(v, 1e30);
            assertEquals(Math.sqrt(19) * 1e30, ReduceOps.norm(filled(DType.F32, v, 19)), 1e24);
            assertEquals(0.0, ReduceOps.norm(Tensor.zeros(0, 5)));
        });
    }
}
