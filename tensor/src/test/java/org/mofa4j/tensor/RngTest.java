package org.mofa4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mofa4j.tensor.IndexOpsReference.values;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Rng: reproducibility, thread-count independence, counter advance, distributions and validation. */
class RngTest {
    /** Above Rng.PARALLEL_THRESHOLD, odd, and not a multiple of Rng.CHUNK. */
    private static final int BIG = 3 * Rng.CHUNK * 2 + 12345;

    private static float[] floats(Tensor t) {
        return Arrays.copyOfRange(t.data(), t.offset(), t.offset() + t.numel());
    }

    private static double[] doubles(Tensor t) {
        return Arrays.copyOfRange(t.dataF64(), t.offset(), t.offset() + t.numel());
    }

    // ---------------------------------------------------------------- reproducibility

    @Test
    void sameSeedGivesSameBits() {
        Rng a = new Rng(42);
        Rng b = new Rng(42);
        assertArrayEquals(floats(a.uniform(-1, 1, 7, 5)), floats(b.uniform(-1, 1, 7, 5)));
        assertArrayEquals(doubles(a.normal(DType.F64, 0, 1, 101)), doubles(b.normal(DType.F64, 0, 1, 101)));
        assertArrayEquals(floats(a.dropoutMask(0.3, 64)), floats(b.dropoutMask(0.3, 64)));
        assertEquals(a.nextLong(), b.nextLong());
        assertEquals(a.nextInt(1000), b.nextInt(1000));
    }

    @Test
    void differentSeedsGiveDifferentValues() {
        double[] x = doubles(new Rng(1).uniform(DType.F64, 0, 1, 1000));
        double[] y = doubles(new Rng(2).uniform(DType.F64, 0, 1, 1000));
        int equal = 0;
        for (int i = 0; i < x.length; i++) {
            equal += x[i] == y[i] ? 1 : 0;
        }
        assertEquals(0, equal);
    }

    @Test
    void successiveCallsGiveDifferentValues() {
        Rng r = new Rng(7);
        assertFalse(Arrays.equals(floats(r.normal(0, 1, 100)), floats(r.normal(0, 1, 100))));
        assertFalse(r.nextLong() == r.nextLong());
    }

    @Test
    void aFillOfNValuesEqualsNScalarDrawsAndAdvancesTheCounterByN() {
        // the parallel path included: element i of a fill is nextDouble() number i
        Rng bulk = new Rng(99);
        Rng scalar = new Rng(99);
        double[] u = doubles(bulk.uniform(DType.F64, 0, 1, BIG));
        for (int i = 0; i < BIG; i++) {
            if (u[i] != scalar.nextDouble()) {
                throw new AssertionError("element " + i + " differs from the scalar draw");
            }
        }
        assertEquals(scalar.nextLong(), bulk.nextLong(), "both counters advanced by " + BIG);
    }

    @Test
    void normalConsumesOnePairPerTwoElements() {
        Rng odd = new Rng(5);
        Rng even = new Rng(5);
        odd.normal(0, 1, 3);   // pairs (0,1), (2,3): 4 counters
        even.normal(0, 1, 4);
        assertEquals(even.nextLong(), odd.nextLong());
        // and the first 3 values of a 4-value fill are the 3-value fill
        double[] three = doubles(new Rng(8).normal(DType.F64, 0, 1, 3));
        double[] four = doubles(new Rng(8).normal(DType.F64, 0, 1, 4));
        assertArrayEquals(three, Arrays.copyOf(four, 3), 0.0);
    }

    @Test
    void fillsAreBitIdenticalForAnyThreadCount() {
        for (DType dtype : DType.values()) {
            Tensor[] uniform = new Tensor[4];
            Tensor[] normal = new Tensor[4];
            for (int threads = 1; threads <= 4; threads++) {
                Rng r = new Rng(2024);
                uniform[threads - 1] = Tensor.zeros(dtype, BIG);
                normal[threads - 1] = Tensor.zeros(dtype, BIG);
                r.uniformInPlace(uniform[threads - 1], -2, 3, threads);
                r.normalInPlace(normal[threads - 1], 1, 0.5, threads);
            }
            for (int t = 1; t < 4; t++) {
                assertArrayEquals(values(uniform[0]), values(uniform[t]), 0.0, dtype + " uniform, threads " + (t + 1));
                assertArrayEquals(values(normal[0]), values(normal[t]), 0.0, dtype + " normal, threads " + (t + 1));
            }
        }
    }

    @Test
    void f32FillIsTheRoundedF64Fill() {
        double[] d = doubles(new Rng(3).normal(DType.F64, 0.5, 2, 999));
        float[] f = floats(new Rng(3).normal(DType.F32, 0.5, 2, 999));
        for (int i = 0; i < d.length; i++) {
            assertEquals((float) d[i], f[i], 0.0f);
        }
    }

    @Test
    void forkIsReproducibleIndependentOfTheParentCounterAndDoesNotAdvanceIt() {
        Rng parent = new Rng(10);
        long child1 = parent.fork(1).nextLong();
        parent.nextLong();
        parent.uniform(0, 1, 50);
        assertEquals(child1, parent.fork(1).nextLong(), "fork(1) depends only on the seed and the stream id");

        Rng p1 = new Rng(10);
        Rng p2 = new Rng(10);
        p1.fork(3);
        assertEquals(p2.nextLong(), p1.nextLong(), "fork does not advance the parent");
    }

    @Test
    void forkedStreamsDifferFromEachOtherAndFromTheParent() {
        Rng parent = new Rng(10);
        double[] p = doubles(parent.uniform(DType.F64, 0, 1, 500));
        double[] a = doubles(parent.fork(1).uniform(DType.F64, 0, 1, 500));
        double[] b = doubles(parent.fork(2).uniform(DType.F64, 0, 1, 500));
        double[] c = doubles(new Rng(11).uniform(DType.F64, 0, 1, 500));
        assertNoCommonValue(p, a);
        assertNoCommonValue(a, b);
        assertNoCommonValue(a, c);
    }

    private static void assertNoCommonValue(double[] x, double[] y) {
        double[] sx = x.clone();
        Arrays.sort(sx);
        for (double v : y) {
            assertTrue(Arrays.binarySearch(sx, v) < 0, "value " + v + " appears in both sequences");
        }
    }

    @Test
    void inPlaceFillOfAStridedViewWritesTheSameValuesInLogicalOrderAndNothingElse() {
        Tensor base = Tensor.zeros(DType.F64, 5, 7);
        Tensor view = base.narrow(0, 1, 3).narrow(1, 2, 4).transpose(0, 1); // [4, 3], strided
        new Rng(4).normalInPlace(view, 0, 1);
        double[] expected = doubles(new Rng(4).normal(DType.F64, 0, 1, 4, 3));
        assertArrayEquals(expected, values(view), 0.0);
        int nonZero = 0;
        for (double v : values(base)) {
            nonZero += v != 0 ? 1 : 0;
        }
        assertEquals(12, nonZero, "only the 12 viewed elements are written");
    }

    @Test
    void inPlaceFillsBumpTheStorageVersion() {
        Tensor w = Tensor.zeros(4, 4);
        int v0 = w.version();
        new Rng(1).uniformInPlace(w.narrow(0, 1, 2), -1, 1);
        assertEquals(v0 + 1, w.version(), "a fill through a view is seen by the base tensor");
        new Rng(1).normalInPlace(w, 0, 1);
        assertEquals(v0 + 2, w.version());
    }

    // ---------------------------------------------------------------- distributions

    @Test
    void uniformHasTheMeanVarianceAndRangeOfU01() {
        float[] u = floats(new Rng(123).uniform(0, 1, 1_000_000));
        double sum = 0;
        double sumSq = 0;
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : u) {
            sum += v;
            sumSq += (double) v * v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double mean = sum / u.length;
        double var = sumSq / u.length - mean * mean;
        assertEquals(0.5, mean, 0.003);
        assertEquals(1.0 / 12, var, 0.002);
        assertTrue(min >= 0f && max < 1f, "range [" + min + ", " + max + "]");
    }

    @Test
    void uniformRespectsLoAndHiEvenWhenRoundingToFloat() {
        // a tiny interval where many doubles round up to hi as floats
        float lo = 1f;
        float hi = Math.nextUp(Math.nextUp(1f));
        for (float v : floats(new Rng(6).uniform(lo, hi, 10_000))) {
            assertTrue(v >= lo && v < hi, "value " + v);
        }
        for (float v : floats(new Rng(6).uniform(2.5, 2.5, 10))) {
            assertEquals(2.5f, v);
        }
    }

    @Test
    void normalHasMeanZeroStdOneAndGaussianTails() {
        double[] z = doubles(new Rng(321).normal(DType.F64, 0, 1, 1_000_000));
        double sum = 0;
        double sumSq = 0;
        int tail = 0;
        for (double v : z) {
            sum += v;
            sumSq += v * v;
            tail += Math.abs(v) > 3 ? 1 : 0;
        }
        double mean = sum / z.length;
        double std = Math.sqrt(sumSq / z.length - mean * mean);
        assertEquals(0, mean, 0.005);
        assertEquals(1, std, 0.005);
        assertEquals(0.0027, tail / (double) z.length, 0.0005, "P(|z| > 3)");
    }

    @Test
    void normalHonoursMeanAndStd() {
        float[] z = floats(new Rng(9).normal(3, 2, 200_000));
        double sum = 0;
        double sumSq = 0;
        for (float v : z) {
            sum += v;
            sumSq += (double) v * v;
        }
        double mean = sum / z.length;
        assertEquals(3, mean, 0.02);
        assertEquals(2, Math.sqrt(sumSq / z.length - mean * mean), 0.02);
        for (float v : floats(new Rng(9).normal(-1, 0, 5))) {
            assertEquals(-1f, v);
        }
    }

    @Test
    void bernoulliIsOneWithProbabilityP() {
        float[] b = floats(new Rng(77).bernoulli(0.3, 200_000));
        int ones = 0;
        for (float v : b) {
            assertTrue(v == 0f || v == 1f, "value " + v);
            ones += v == 1f ? 1 : 0;
        }
        assertEquals(0.3, ones / (double) b.length, 0.005);
        for (float v : floats(new Rng(1).bernoulli(0, 1000))) {
            assertEquals(0f, v);
        }
        for (float v : floats(new Rng(1).bernoulli(1, 1000))) {
            assertEquals(1f, v);
        }
    }

    @Test
    void dropoutMaskIsZeroWithProbabilityPElseTheInverseKeepRate() {
        double p = 0.25;
        float keep = (float) (1 / (1 - p));
        float[] m = floats(new Rng(55).dropoutMask(p, 100, 2000));
        int zeros = 0;
        for (float v : m) {
            assertTrue(v == 0f || v == keep, "value " + v);
            zeros += v == 0f ? 1 : 0;
        }
        assertEquals(p, zeros / (double) m.length, 0.005);
        for (float v : floats(new Rng(1).dropoutMask(0, 100))) {
            assertEquals(1f, v);
        }
    }

    @Test
    void nextIntStaysBelowTheBoundAndIsRoughlyUniform() {
        Rng r = new Rng(31);
        int bound = 10;
        int n = 100_000;
        int[] counts = new int[bound];
        for (int i = 0; i < n; i++) {
            int v = r.nextInt(bound);
            assertTrue(v >= 0 && v < bound, "value " + v);
            counts[v]++;
        }
        double expected = n / (double) bound;
        double chi2 = 0;
        for (int c : counts) {
            chi2 += (c - expected) * (c - expected) / expected;
        }
        assertTrue(chi2 < 40, "chi-square " + chi2 + " with 9 degrees of freedom, counts " + Arrays.toString(counts));
        assertEquals(0, r.nextInt(1));
    }

    @Test
    void nextIntIsUnbiasedForABoundWhereRejectionMatters() {
        // bound = 1.5·2^30: reducing 31 random bits modulo bound would put half the mass below bound/3, not a third
        Rng r = new Rng(17);
        int bound = 3 << 29;
        int n = 200_000;
        int low = 0;
        for (int i = 0; i < n; i++) {
            int v = r.nextInt(bound);
            assertTrue(v >= 0 && v < bound, "value " + v);
            low += v < bound / 3 ? 1 : 0;
        }
        assertEquals(1.0 / 3, low / (double) n, 0.005);
        int max = 0;
        for (int i = 0; i < 1000; i++) {
            max = Math.max(max, r.nextInt(Integer.MAX_VALUE));
        }
        assertTrue(max > Integer.MAX_VALUE / 2, "draws with bound 2^31-1 reach the upper half");
    }

    @Test
    void nextDoubleIsInTheUnitInterval() {
        Rng r = new Rng(0);
        for (int i = 0; i < 10_000; i++) {
            double u = r.nextDouble();
            assertTrue(u >= 0 && u < 1, "value " + u);
        }
    }

    // ---------------------------------------------------------------- validation

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    private static void assertMentions(String msg, String... parts) {
        for (String p : parts) {
            assertTrue(msg.contains(p), "message \"" + msg + "\" should mention \"" + p + "\"");
        }
    }

    @Test
    void rejectsNegativeOrNonFiniteStd() {
        Rng r = new Rng(0);
        assertMentions(message(() -> r.normal(0, -0.5, 3)), "normal", "std", "-0.5");
        assertMentions(message(() -> r.normal(0, Double.NaN, 3)), "normal", "std", "NaN");
        assertMentions(message(() -> r.normalInPlace(Tensor.zeros(3), 0, -1)), "normalInPlace", "std", "-1");
        assertMentions(message(() -> r.normal(Double.POSITIVE_INFINITY, 1, 3)), "normal", "mean", "Infinity");
    }

    @Test
    void rejectsLoAboveHi() {
        Rng r = new Rng(0);
        assertMentions(message(() -> r.uniform(2, 1, 3)), "uniform", "lo=2.0", "hi=1.0");
        assertMentions(message(() -> r.uniformInPlace(Tensor.zeros(3), 1, 0)), "uniformInPlace", "lo=1.0");
        assertMentions(message(() -> r.uniform(0, Double.NaN, 3)), "uniform", "NaN");
    }

    @Test
    void rejectsNonPositiveBound() {
        Rng r = new Rng(0);
        assertMentions(message(() -> r.nextInt(0)), "nextInt", "bound", "0");
        assertMentions(message(() -> r.nextInt(-3)), "nextInt", "-3");
    }

    @Test
    void rejectsProbabilitiesOutsideTheirRange() {
        Rng r = new Rng(0);
        assertMentions(message(() -> r.bernoulli(1.5, 3)), "bernoulli", "1.5");
        assertMentions(message(() -> r.bernoulli(-0.1, 3)), "bernoulli", "-0.1");
        assertMentions(message(() -> r.dropoutMask(1.0, 3)), "dropoutMask", "[0, 1)", "1.0");
        assertMentions(message(() -> r.dropoutMask(Double.NaN, 3)), "dropoutMask", "NaN");
    }

    @Test
    void rejectsInPlaceFillOfABroadcastView() {
        Tensor t = Tensor.zeros(1, 4).expand(3, 4);
        assertMentions(message(() -> new Rng(0).uniformInPlace(t, 0, 1)), "uniformInPlace", "stride-0");
    }

    @Test
    void validationFailuresDoNotAdvanceTheCounter() {
        Rng r = new Rng(12);
        assertThrows(IllegalArgumentException.class, () -> r.normal(0, -1, 10));
        assertEquals(new Rng(12).nextLong(), r.nextLong());
    }
}
