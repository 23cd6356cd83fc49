package org.mofa4j.tensor.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twin of {@link ReductionKernels} (L = lanes, 8 for AVX2).
 *
 * <p><b>Accumulation.</b> Run sums keep up to 4 vector accumulators (4·L independent float partial sums) and fold
 * them into a running vector total every {@link #RUN_BLOCK} elements; column sums keep one float partial per column
 * and fold it into the column total every {@link #COLUMN_BLOCK} rows. This two-level blocking bounds the float error
 * by about (block + n/block)·2⁻²⁴·Σ|x| instead of n·2⁻²⁴·Σ|x|. Lanes are combined in a fixed pairwise tree (not
 * {@code reduceLanes(ADD)}, whose order the JIT may change), so a result has the same bits in every run.
 * {@link #sumSquares} widens to double lanes (no overflow for |x| up to Float.MAX_VALUE).
 *
 * <p><b>Columns</b> are walked block of rows by block of rows, each block across all the columns it was given, so the
 * block stays in cache and TLB; a column's running total waits in {@code out} between blocks.
 *
 * <p><b>exp</b> is {@link #exp(float)}: Cephes-style range reduction x = n·ln2 + r, a degree-6 polynomial for e^r,
 * then scaling by 2^n in two steps (so that subnormal results are right); about 1 ulp in float. It is used instead
 * of {@code VectorOperators.EXP}, whose compiled (SVML) and interpreted (Math.exp) results can differ in the last
 * bit. Scalar tails use the scalar copy of the same arithmetic, so every element and every column gets the same
 * bits wherever it falls relative to the vector width.
 */
public final class VectorReductions implements ReductionKernels {

    /** The only instance. Touching this class needs the {@code jdk.incubator.vector} module. */
    public static final VectorReductions INSTANCE = new VectorReductions();

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D =
            VectorSpecies.of(double.class, VectorShape.forBitSize(S.vectorBitSize()));
    /** Floats of half the width, as many lanes as D: widening H to D keeps the lane count. */
    private static final VectorSpecies<Float> H =
            VectorSpecies.of(float.class, VectorShape.forBitSize(S.vectorBitSize() / 2));
    private static final int L = S.length();
    /** Elements per block of a run sum: 64 iterations of the 4-vector loop. */
    static final int RUN_BLOCK = 64 * 4 * L;
    /** Rows per block of a column sum. */
    static final int COLUMN_BLOCK = 128;

    // Shuffles i → i xor 2^k for the fixed lane-sum tree, one static final field each so that C2 sees constants
    // (a shuffle loaded from an array is not intrinsified). Null where 2^k ≥ lanes.
    private static final VectorShuffle<Float> XF1 = xor(S, 1), XF2 = xor(S, 2), XF4 = xor(S, 4), XF8 = xor(S, 8);
    private static final VectorShuffle<Double> XD1 = xor(D, 1), XD2 = xor(D, 2), XD4 = xor(D, 4);

    private VectorReductions() {
    }

    private static <E> VectorShuffle<E> xor(VectorSpecies<E> species, int bit) {
        return bit < species.length() ? VectorShuffle.fromOp(species, i -> i ^ bit) : null;
    }

    /** Sum of the lanes in a fixed order: pairwise for up to 16 lanes, sequential beyond (no such x86 shape). */
    private static float laneSum(FloatVector v) {
        if (L > 16) {
            float s = 0f;
            for (int i = 0; i < L; i++) {
                s += v.lane(i);
            }
            return s;
        }
        if (L > 8) {
            v = v.add(v.rearrange(XF8));
        }
        if (L > 4) {
            v = v.add(v.rearrange(XF4));
        }
        if (L > 2) {
            v = v.add(v.rearrange(XF2));
        }
        if (L > 1) {
            v = v.add(v.rearrange(XF1));
        }
        return v.lane(0);
    }

    /** Sum of the lanes in a fixed order, as for floats. */
    private static double laneSum(DoubleVector v) {
        int lanes = D.length();
        if (lanes > 8) {
            double s = 0;
            for (int i = 0; i < lanes; i++) {
                s += v.lane(i);
            }
            return s;
        }
        if (lanes > 4) {
            v = v.add(v.rearrange(XD4));
        }
        if (lanes > 2) {
            v = v.add(v.rearrange(XD2));
        }
        if (lanes > 1) {
            v = v.add(v.rearrange(XD1));
        }
        return v.lane(0);
    }

    // ------------------------------------------------------------ exp

    private static final float EXP_LO = -104f;   // exp(-104) rounds to 0 in float
    private static final float EXP_HI = 88.8f;   // exp(88.8) overflows to +inf
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;  // 9 significant bits: n·LN2_HI is exact
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f;      // 1.5·2^23: adding it rounds to an integer
    private static final int ROUND_BITS = 0x4B400000;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    /** e^x in float, about 1 ulp; NaN gives NaN, +inf gives +inf, -inf gives 0. Same bits as {@link #exp(FloatVector)}. */
    public static float exp(float x) {
        x = x < EXP_LO ? EXP_LO : x > EXP_HI ? EXP_HI : x;
        float t = x * LOG2E + ROUND;
        float n = t - ROUND;
        int ni = Float.floatToRawIntBits(t) - ROUND_BITS;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(P0, r, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float y = Math.fma(p, r * r, r) + 1f;
        int n1 = ni >> 1;
        int n2 = ni - n1;
        return y * Float.intBitsToFloat((n1 + 127) << 23) * Float.intBitsToFloat((n2 + 127) << 23);
    }

    /** Lane-wise {@link #exp(float)}. */
    static FloatVector exp(FloatVector x) {
        // clamp with compare+blend (cheaper than max/min, which must order NaN and signed zeros); NaN stays NaN
        x = x.blend(EXP_LO, x.compare(VectorOperators.LT, EXP_LO)).blend(EXP_HI, x.compare(VectorOperators.GT, EXP_HI));
        FloatVector t = x.mul(LOG2E).add(ROUND);
        FloatVector n = t.sub(ROUND);
        IntVector ni = t.reinterpretAsInts().sub(ROUND_BITS);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(S, P0).fma(r, FloatVector.broadcast(S, P1));
        p = p.fma(r, FloatVector.broadcast(S, P2));
        p = p.fma(r, FloatVector.broadcast(S, P3));
        p = p.fma(r, FloatVector.broadcast(S, P4));
        p = p.fma(r, FloatVector.broadcast(S, P5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return y.mul(s1).mul(s2);
    }

    // ------------------------------------------------------------ runs

    @Override
    public double sum(float[] x, int off, int n) {
        int body = n - n % (4 * L);
        FloatVector total = FloatVector.zero(S);
        for (int b = 0; b < body; b += RUN_BLOCK) {
            int e = Math.min(body, b + RUN_BLOCK);
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int i = off + b; i < off + e; i += 4 * L) {
                a0 = a0.add(FloatVector.fromArray(S, x, i));
                a1 = a1.add(FloatVector.fromArray(S, x, i + L));
                a2 = a2.add(FloatVector.fromArray(S, x, i + 2 * L));
                a3 = a3.add(FloatVector.fromArray(S, x, i + 3 * L));
            }
            total = total.add(a0.add(a1).add(a2.add(a3)));
        }
        int i = body;
        for (; i <= n - L; i += L) {
            total = total.add(FloatVector.fromArray(S, x, off + i));
        }
        float tail = 0f;
        for (; i < n; i++) {
            tail += x[off + i];
        }
        return (double) laneSum(total) + tail;
    }

    @Override
    public double sumSquares(float[] x, int off, int n) {
        // half-width float loads widen lane for lane into full-width doubles (one cvtps2pd per load)
        int h = H.length();
        DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
        int i = 0;
        for (; i <= n - 2 * h; i += 2 * h) {
            DoubleVector v0 = (DoubleVector) FloatVector.fromArray(H, x, off + i).convertShape(VectorOperators.F2D, D, 0);
            DoubleVector v1 = (DoubleVector) FloatVector.fromArray(H, x, off + i + h)
                    .convertShape(VectorOperators.F2D, D, 0);
            a0 = v0.fma(v0, a0);
            a1 = v1.fma(v1, a1);
        }
        double tail = 0;
        for (; i < n; i++) {
            double v = x[off + i];
            tail = Math.fma(v, v, tail);
        }
        return laneSum(a0.add(a1)) + tail;
    }

    @Override
    public double sumSquaredDeviations(float[] x, int off, int n, double center) {
        float c = (float) center;
        FloatVector cv = FloatVector.broadcast(S, c);
        int body = n - n % (2 * L);
        FloatVector total = FloatVector.zero(S);
        for (int b = 0; b < body; b += RUN_BLOCK) {
            int e = Math.min(body, b + RUN_BLOCK);
            FloatVector a0 = FloatVector.zero(S), a1 = a0;
            for (int i = off + b; i < off + e; i += 2 * L) {
                FloatVector d0 = FloatVector.fromArray(S, x, i).sub(cv);
                FloatVector d1 = FloatVector.fromArray(S, x, i + L).sub(cv);
                a0 = d0.fma(d0, a0);
                a1 = d1.fma(d1, a1);
            }
            total = total.add(a0.add(a1));
        }
        float tail = 0f;
        for (int i = body; i < n; i++) {
            float d = x[off + i] - c;
            tail = Math.fma(d, d, tail);
        }
        return (double) laneSum(total) + tail;
    }

    @Override
    public double sumExp(float[] x, int off, int n, float center) {
        // one exp call site per loop: C2 may refuse to inline a second copy (NodeCountInliningCutoff), and a
        // call that is not inlined boxes its vectors
        FloatVector cv = FloatVector.broadcast(S, center);
        int body = n - n % L;
        FloatVector total = FloatVector.zero(S);
        for (int b = 0; b < body; b += RUN_BLOCK) {
            int e = Math.min(body, b + RUN_BLOCK);
            FloatVector a = FloatVector.zero(S);
            for (int i = off + b; i < off + e; i += L) {
                a = a.add(exp(FloatVector.fromArray(S, x, i).sub(cv)));
            }
            total = total.add(a);
        }
        float tail = 0f;
        for (int i = body; i < n; i++) {
            tail += exp(x[off + i] - center);
        }
        return (double) laneSum(total) + tail;
    }

    @Override
    public float max(float[] x, int off, int n) {
        int i = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (n >= L) {
            FloatVector a0 = FloatVector.fromArray(S, x, off), a1 = a0;
            for (i = L; i <= n - 2 * L; i += 2 * L) {
                a0 = a0.max(FloatVector.fromArray(S, x, off + i));
                a1 = a1.max(FloatVector.fromArray(S, x, off + i + L));
            }
            m = a0.max(a1).reduceLanes(VectorOperators.MAX); // max is exact: any order gives the same value
        }
        for (; i < n; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    @Override
    public float min(float[] x, int off, int n) {
        int i = 0;
        float m = Float.POSITIVE_INFINITY;
        if (n >= L) {
            FloatVector a0 = FloatVector.fromArray(S, x, off), a1 = a0;
            for (i = L; i <= n - 2 * L; i += 2 * L) {
                a0 = a0.min(FloatVector.fromArray(S, x, off + i));
                a1 = a1.min(FloatVector.fromArray(S, x, off + i + L));
            }
            m = a0.min(a1).reduceLanes(VectorOperators.MIN);
        }
        for (; i < n; i++) {
            m = Math.min(m, x[off + i]);
        }
        return m;
    }

    @Override
    public int argmax(float[] x, int off, int n) {
        float m = max(x, off, n);
        if (m != m) {
            return ScalarReductions.argmaxStrided(x, off, n, 1); // finds the first NaN
        }
        int i = 0;
        for (; i <= n - L; i += L) {
            VectorMask<Float> hit = FloatVector.fromArray(S, x, off + i).compare(VectorOperators.EQ, m);
            if (hit.anyTrue()) {
                return i + hit.firstTrue();
            }
        }
        for (; i < n; i++) {
            if (x[off + i] == m) {
                return i;
            }
        }
        throw new AssertionError("argmax: maximum " + m + " not found");
    }

    @Override
    public void softmax(float[] x, int xOff, float[] y, int yOff, int n) {
        float m = max(x, xOff, n);
        FloatVector mv = FloatVector.broadcast(S, m);
        FloatVector a0 = FloatVector.zero(S);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector e = exp(FloatVector.fromArray(S, x, xOff + i).sub(mv));
            e.intoArray(y, yOff + i);
            a0 = a0.add(e);
        }
        float s = laneSum(a0);
        for (; i < n; i++) {
            float e = exp(x[xOff + i] - m);
            y[yOff + i] = e;
            s += e;
        }
        float inv = 1f / s;
        i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, y, yOff + i).mul(inv).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] *= inv;
        }
    }

    @Override
    public void logSoftmax(float[] x, int xOff, float[] y, int yOff, int n) {
        float m = max(x, xOff, n);
        float logSum = (float) Math.log(sumExp(x, xOff, n, m));
        FloatVector mv = FloatVector.broadcast(S, m);
        FloatVector lv = FloatVector.broadcast(S, logSum);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, x, xOff + i).sub(mv).sub(lv).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] = (x[xOff + i] - m) - logSum;
        }
    }

    // ------------------------------------------------------------ columns
    // Loop order: blocks of COLUMN_BLOCK rows outermost, then column tiles, then the rows of the block, so a block's
    // rows stay in cache and TLB while every tile reads them. Each column's running result lives in out between
    // blocks (first block: stored; later blocks: combined), the same float arithmetic as keeping it in a register.

    /** out[i .. i+L) = b on the first block, else out + b. */
    private static void addTo(FloatVector b, float[] out, int i, boolean first) {
        (first ? b : b.add(FloatVector.fromArray(S, out, i))).intoArray(out, i);
    }

    private static void maxTo(FloatVector m, float[] out, int i, boolean first) {
        (first ? m : m.max(FloatVector.fromArray(S, out, i))).intoArray(out, i);
    }

    private static void minTo(FloatVector m, float[] out, int i, boolean first) {
        (first ? m : m.min(FloatVector.fromArray(S, out, i))).intoArray(out, i);
    }

    @Override
    public void sumColumns(float[] x, int base, int[] rowOffsets, int rows, float[] out, int outOff, int width) {
        for (int r0 = 0; r0 < rows; r0 += COLUMN_BLOCK) {
            int r1 = Math.min(rows, r0 + COLUMN_BLOCK);
            boolean first = r0 == 0;
            int c = 0;
            for (; c <= width - 4 * L; c += 4 * L) {
                FloatVector b0 = FloatVector.zero(S), b1 = b0, b2 = b0, b3 = b0;
                for (int r = r0; r < r1; r++) {
                    int p = base + rowOffsets[r] + c;
                    b0 = b0.add(FloatVector.fromArray(S, x, p));
                    b1 = b1.add(FloatVector.fromArray(S, x, p + L));
                    b2 = b2.add(FloatVector.fromArray(S, x, p + 2 * L));
                    b3 = b3.add(FloatVector.fromArray(S, x, p + 3 * L));
                }
                int o = outOff + c;
                addTo(b0, out, o, first);
                addTo(b1, out, o + L, first);
                addTo(b2, out, o + 2 * L, first);
                addTo(b3, out, o + 3 * L, first);
            }
            for (; c <= width - L; c += L) {
                FloatVector b = FloatVector.zero(S);
                for (int r = r0; r < r1; r++) {
                    b = b.add(FloatVector.fromArray(S, x, base + rowOffsets[r] + c));
                }
                addTo(b, out, outOff + c, first);
            }
            for (; c < width; c++) {
                float b = 0f;
                for (int r = r0; r < r1; r++) {
                    b += x[base + rowOffsets[r] + c];
                }
                out[outOff + c] = first ? b : out[outOff + c] + b;
            }
        }
    }

    @Override
    public void maxColumns(float[] x, int base, int[] rowOffsets, int rows, float[] out, int outOff, int width) {
        for (int r0 = 0; r0 < rows; r0 += COLUMN_BLOCK) {
            int r1 = Math.min(rows, r0 + COLUMN_BLOCK);
            boolean first = r0 == 0;
            int c = 0;
            for (; c <= width - 2 * L; c += 2 * L) {
                int p0 = base + rowOffsets[r0] + c;
                FloatVector m0 = FloatVector.fromArray(S, x, p0), m1 = FloatVector.fromArray(S, x, p0 + L);
                for (int r = r0 + 1; r < r1; r++) {
                    int p = base + rowOffsets[r] + c;
                    m0 = m0.max(FloatVector.fromArray(S, x, p));
                    m1 = m1.max(FloatVector.fromArray(S, x, p + L));
                }
                maxTo(m0, out, outOff + c, first);
                maxTo(m1, out, outOff + c + L, first);
            }
            for (; c < width; c++) {
                float m = x[base + rowOffsets[r0] + c];
                for (int r = r0 + 1; r < r1; r++) {
                    m = Math.max(m, x[base + rowOffsets[r] + c]);
                }
                out[outOff + c] = first ? m : Math.max(m, out[outOff + c]);
            }
        }
    }

    @Override
    public void minColumns(float[] x, int base, int[] rowOffsets, int rows, float[] out, int outOff, int width) {
        for (int r0 = 0; r0 < rows; r0 += COLUMN_BLOCK) {
            int r1 = Math.min(rows, r0 + COLUMN_BLOCK);
            boolean first = r0 == 0;
            int c = 0;
            for (; c <= width - 2 * L; c += 2 * L) {
                int p0 = base + rowOffsets[r0] + c;
                FloatVector m0 = FloatVector.fromArray(S, x, p0), m1 = FloatVector.fromArray(S, x, p0 + L);
                for (int r = r0 + 1; r < r1; r++) {
                    int p = base + rowOffsets[r] + c;
                    m0 = m0.min(FloatVector.fromArray(S, x, p));
                    m1 = m1.min(FloatVector.fromArray(S, x, p + L));
                }
                minTo(m0, out, outOff + c, first);
                minTo(m1, out, outOff + c + L, first);
            }
            for (; c < width; c++) {
                float m = x[base + rowOffsets[r0] + c];
                for (int r = r0 + 1; r < r1; r++) {
                    m = Math.min(m, x[base + rowOffsets[r] + c]);
                }
                out[outOff + c] = first ? m : Math.min(m, out[outOff + c]);
            }
        }
    }

    @Override
    public void sumSquaredDeviationsColumns(float[] x, int base, int[] rowOffsets, int rows,
                                            float[] center, int centerOff, float[] out, int outOff, int width) {
        for (int r0 = 0; r0 < rows; r0 += COLUMN_BLOCK) {
            int r1 = Math.min(rows, r0 + COLUMN_BLOCK);
            boolean first = r0 == 0;
            int c = 0;
            for (; c <= width - 2 * L; c += 2 * L) {
                FloatVector c0 = FloatVector.fromArray(S, center, centerOff + c);
                FloatVector c1 = FloatVector.fromArray(S, center, centerOff + c + L);
                FloatVector b0 = FloatVector.zero(S), b1 = b0;
                for (int r = r0; r < r1; r++) {
                    int p = base + rowOffsets[r] + c;
                    FloatVector d0 = FloatVector.fromArray(S, x, p).sub(c0);
                    FloatVector d1 = FloatVector.fromArray(S, x, p + L).sub(c1);
                    b0 = d0.fma(d0, b0);
                    b1 = d1.fma(d1, b1);
                }
                addTo(b0, out, outOff + c, first);
                addTo(b1, out, outOff + c + L, first);
            }
            for (; c < width; c++) {
                float cs = center[centerOff + c];
                float b = 0f;
                for (int r = r0; r < r1; r++) {
                    float d = x[base + rowOffsets[r] + c] - cs;
                    b = Math.fma(d, d, b);
                }
                out[outOff + c] = first ? b : out[outOff + c] + b;
            }
        }
    }

    @Override
    public void sumExpColumns(float[] x, int base, int[] rowOffsets, int rows,
                              float[] center, int centerOff, float[] out, int outOff, int width) {
        for (int r0 = 0; r0 < rows; r0 += COLUMN_BLOCK) {
            int r1 = Math.min(rows, r0 + COLUMN_BLOCK);
            boolean first = r0 == 0;
            int c = 0;
            for (; c <= width - L; c += L) { // one vector per tile: a single exp call site (see sumExp)
                FloatVector cv = FloatVector.fromArray(S, center, centerOff + c);
                FloatVector b = FloatVector.zero(S);
                for (int r = r0; r < r1; r++) {
                    b = b.add(exp(FloatVector.fromArray(S, x, base + rowOffsets[r] + c).sub(cv)));
                }
                addTo(b, out, outOff + c, first);
            }
            for (; c < width; c++) {
                float cs = center[centerOff + c];
                float b = 0f;
                for (int r = r0; r < r1; r++) {
                    b += exp(x[base + rowOffsets[r] + c] - cs);
                }
                out[outOff + c] = first ? b : out[outOff + c] + b;
            }
        }
    }
}
