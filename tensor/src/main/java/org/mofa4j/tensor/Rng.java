package org.mofa4j.tensor;

import org.mofa4j.tensor.kernels.KernelMode;
import org.mofa4j.tensor.kernels.Parallel;

/**
 * A seeded, counter-based random number generator: the same seed gives the same bits on any thread count.
 *
 * <p><b>Construction.</b> A generator is a 128-bit key {@code (k0, k1)} plus a 64-bit counter {@code c}.
 * The raw 64-bit value for counter {@code c} is
 * <pre>
 *   bits(c) = mix(mix(k0 + (c + 1)·γ) ^ k1),   γ = 0x9E3779B97F4A7C15 (2^64 / golden ratio)
 * </pre>
 * where {@code mix} is the SplitMix64 finaliser (Steele, Lea &amp; Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014; constants from Stafford's variant 13). The inner term alone is SplitMix64 seeded with
 * {@code k0}; the second keyed round makes two keys that differ only in {@code k1} produce unrelated sequences,
 * so forked streams do not overlap as shifted copies of one another. Because {@code bits} is a pure function
 * of (key, counter), element {@code i} of a fill depends only on its index, never on which thread computed it.
 *
 * <p><b>Counter.</b> Each call consumes counters {@code c, c+1, ..., c+m-1} and advances {@code c} by {@code m}:
 * a fill of {@code n} uniform or Bernoulli values uses {@code m = n}; a normal fill uses one Box–Muller pair per
 * two elements, {@code m = 2·ceil(n/2)}; {@code nextLong}/{@code nextDouble} use 1; {@code nextInt} uses 1 plus
 * one per (rare) rejection. Successive calls therefore never reuse a counter.
 *
 * <p><b>Conversions.</b> {@code u = (bits >>> 11)·2^-53}, uniform on [0, 1) with 53 random bits. Normals use
 * Box–Muller on a pair: {@code r = √(-2 ln(1 - u1))}, {@code θ = 2π u2}; element {@code 2j} gets {@code r cos θ},
 * element {@code 2j+1} gets {@code r sin θ}. Transcendentals come from {@link StrictMath}, so the bits are the
 * same on every platform. F32 outputs are the F64 values rounded to float (a uniform value that rounds up to
 * {@code hi} is replaced by the float just below it), so an F32 fill equals the rounded F64 fill of a generator
 * in the same state.
 *
 * <p><b>Threads.</b> Fills of at least {@value #PARALLEL_THRESHOLD} values are split into fixed chunks of
 * {@value #CHUNK} elements run with {@link Parallel} on {@link KernelMode#threads()} threads; chunks write disjoint
 * outputs and each element's value depends only on its index, so results are bit-identical for any thread count.
 *
 * <p>A generator is not thread-safe: share one across threads only with external locking, or {@link #fork} one
 * per thread.
 */
public final class Rng {
    /** Fills with at least this many values run in parallel chunks. */
    static final int PARALLEL_THRESHOLD = 1 << 16;
    /** Elements per parallel chunk; even, so a Box–Muller pair never straddles two chunks. */
    static final int CHUNK = 1 << 14;

    private static final long GAMMA = 0x9E3779B97F4A7C15L;
    private static final double TWO_PI = 2 * Math.PI;
    private static final double UNIT = 0x1.0p-53;

    private long k0;
    private long k1;
    private long counter;

    /** A generator for {@code seed}; equal seeds give equal sequences. */
    public Rng(long seed) {
        this(mix(seed ^ 0x6A09E667F3BCC908L), mix(seed + 0xBB67AE8584CAA73BL));
    }

    private Rng(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    /**
     * An independent generator for {@code stream}, derived from this generator's key only: it does not depend on,
     * or advance, this generator's counter, so {@code fork(s)} gives the same child however many values were drawn
     * before. Use distinct stream ids for distinct consumers (per layer, per data-loader worker).
     */
    public Rng fork(long stream) {
        long s = mix(stream + 0x3C6EF372FE94F82BL);
        return new Rng(mix(k0 ^ s), mix(k1 + mix(s ^ 0xA54FF53A5F1D36F1L)));
    }

    /** The full state (key and counter), for checkpoints: {@link #fromState} restores an identical generator. */
    public long[] state() {
        return new long[] {k0, k1, counter};
    }

    /** A generator in the state {@link #state()} returned. */
    public static Rng fromState(long[] state) {
        Rng r = new Rng(0, 0);
        r.setState(state);
        return r;
    }

    /** Puts this generator in the state {@link #state()} returned (for objects that hold a reference to it). */
    public void setState(long[] state) {
        if (state == null || state.length != 3) {
            throw new IllegalArgumentException("Rng.setState: state must hold 3 longs (k0, k1, counter), got "
                    + (state == null ? "null" : state.length));
        }
        k0 = state[0];
        k1 = state[1];
        counter = state[2];
    }

    // ---------------------------------------------------------------- scalars

    /** 64 uniformly random bits. Advances the counter by 1. */
    public long nextLong() {
        return bits(k0, k1, counter++);
    }

    /** Uniform on [0, 1) with 53 random bits. Advances the counter by 1. */
    public double nextDouble() {
        return (nextLong() >>> 11) * UNIT;
    }

    /**
     * Uniform on {0, ..., bound-1}, without modulo bias (Lemire's multiply-and-reject on 32 bits).
     * Advances the counter by 1, plus 1 per rejected draw (probability below bound / 2^32 each).
     *
     * @throws IllegalArgumentException if {@code bound ≤ 0}
     */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("Rng.nextInt: bound must be > 0, got " + bound);
        }
        long m = (nextLong() >>> 32) * bound;
        long low = m & 0xFFFFFFFFL;
        if (low < bound) {
            long threshold = (0x1_0000_0000L - bound) % bound; // 2^32 mod bound
            while (low < threshold) {
                m = (nextLong() >>> 32) * bound;
                low = m & 0xFFFFFFFFL;
            }
        }
        return (int) (m >>> 32);
    }

    // ---------------------------------------------------------------- new tensors

    /** A new contiguous tensor, uniform on [lo, hi) (all lo when lo == hi). Advances the counter by numel. */
    public Tensor uniform(DType dtype, double lo, double hi, int... shape) {
        checkUniform("uniform", lo, hi);
        Tensor t = Tensor.zeros(dtype, shape);
        fill(t, Kind.UNIFORM, lo, hi, KernelMode.threads());
        return t;
    }

    /** F32 {@link #uniform(DType, double, double, int...)}. */
    public Tensor uniform(double lo, double hi, int... shape) {
        return uniform(DType.F32, lo, hi, shape);
    }

    /** A new contiguous tensor of N(mean, std²) values. Advances the counter by numel rounded up to even. */
    public Tensor normal(DType dtype, double mean, double std, int... shape) {
        checkNormal("normal", mean, std);
        Tensor t = Tensor.zeros(dtype, shape);
        fill(t, Kind.NORMAL, mean, std, KernelMode.threads());
        return t;
    }

    /** F32 {@link #normal(DType, double, double, int...)}. */
    public Tensor normal(double mean, double std, int... shape) {
        return normal(DType.F32, mean, std, shape);
    }

    /** A new F32 tensor of 1 with probability p, else 0 (p in [0, 1]). Advances the counter by numel. */
    public Tensor bernoulli(double p, int... shape) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("Rng.bernoulli: p must be in [0, 1], got " + p);
        }
        Tensor t = Tensor.zeros(DType.F32, shape);
        fill(t, Kind.BERNOULLI, p, 1, KernelMode.threads());
        return t;
    }

    /**
     * A new F32 inverted-dropout mask: 0 with probability p, else {@code (float) (1/(1-p))}, so that
     * E[x·mask] = x. Advances the counter by numel.
     *
     * @throws IllegalArgumentException if p is not in [0, 1)
     */
    public Tensor dropoutMask(double p, int... shape) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("Rng.dropoutMask: p must be in [0, 1), got " + p);
        }
        Tensor t = Tensor.zeros(DType.F32, shape);
        fill(t, Kind.BERNOULLI, 1 - p, 1 / (1 - p), KernelMode.threads());
        return t;
    }

    // ---------------------------------------------------------------- in place

    /**
     * Overwrites every element of {@code t} with uniform values on [lo, hi), in logical row-major order (a weight
     * initialiser). {@code t} may be a strided view without broadcast (stride-0) dimensions.
     * Modifies: t (and bumps its {@link Tensor#version()}). Advances the counter by t.numel().
     */
    public void uniformInPlace(Tensor t, double lo, double hi) {
        uniformInPlace(t, lo, hi, KernelMode.threads());
    }

    /** {@link #uniformInPlace(Tensor, double, double)} on at most {@code threads} threads (the bits do not change). */
    void uniformInPlace(Tensor t, double lo, double hi, int threads) {
        checkUniform("uniformInPlace", lo, hi);
        checkFillable("uniformInPlace", t);
        fill(t, Kind.UNIFORM, lo, hi, threads);
        t.markModified();
    }

    /**
     * Overwrites every element of {@code t} with N(mean, std²) values, in logical row-major order.
     * {@code t} may be a strided view without broadcast dimensions. Modifies: t (and bumps its version).
     * Advances the counter by t.numel() rounded up to even.
     */
    public void normalInPlace(Tensor t, double mean, double std) {
        normalInPlace(t, mean, std, KernelMode.threads());
    }

    /** {@link #normalInPlace(Tensor, double, double)} on at most {@code threads} threads (the bits do not change). */
    void normalInPlace(Tensor t, double mean, double std, int threads) {
        checkNormal("normalInPlace", mean, std);
        checkFillable("normalInPlace", t);
        fill(t, Kind.NORMAL, mean, std, threads);
        t.markModified();
    }

    // ---------------------------------------------------------------- validation

    private static void checkUniform(String op, double lo, double hi) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi)) {
            throw new IllegalArgumentException("Rng." + op + ": lo and hi must be finite, got lo=" + lo + ", hi=" + hi);
        }
        if (lo > hi) {
            throw new IllegalArgumentException("Rng." + op + ": lo must be ≤ hi, got lo=" + lo + ", hi=" + hi);
        }
        if (!Double.isFinite(hi - lo)) {
            throw new IllegalArgumentException("Rng." + op + ": hi - lo overflows, got lo=" + lo + ", hi=" + hi);
        }
    }

    private static void checkNormal(String op, double mean, double std) {
        if (!Double.isFinite(mean)) {
            throw new IllegalArgumentException("Rng." + op + ": mean must be finite, got " + mean);
        }
        if (!(std >= 0) || Double.isInfinite(std)) {
            throw new IllegalArgumentException("Rng." + op + ": std must be finite and ≥ 0, got " + std);
        }
    }

    private static void checkFillable(String op, Tensor t) {
        for (int i = 0; i < t.shape.length; i++) {
            if (t.shape[i] > 1 && t.strides[i] == 0) {
                throw new IllegalArgumentException("Rng." + op + ": tensor of shape " + Shapes.str(t.shape)
                        + " has a broadcast (stride-0) dimension " + i + " (strides " + Shapes.str(t.strides) + ")");
            }
        }
    }

    // ---------------------------------------------------------------- fills

    private enum Kind { UNIFORM, NORMAL, BERNOULLI }

    /**
     * Fills t in logical order from counter {@code counter} on, then advances the counter.
     * UNIFORM: (a, b) = (lo, hi). NORMAL: (a, b) = (mean, std). BERNOULLI: b where u &lt; a, else 0.
     */
    private void fill(Tensor t, Kind kind, double a, double b, int threads) {
        int n = t.numel();
        long base = counter;
        counter += kind == Kind.NORMAL ? n + (n & 1) : n;
        if (n == 0) {
            return;
        }
        // Generate into a contiguous buffer (t's own storage when t is contiguous), then scatter if needed.
        Tensor dst = t.isContiguous() ? t : Tensor.zeros(t.dtype, t.shape);
        int off = dst.offset;
        int chunks = (n + CHUNK - 1) / CHUNK;
        if (n >= PARALLEL_THRESHOLD && threads > 1) {
            Parallel.forRange(chunks, threads, c -> {
                int from = c * CHUNK;
                generate(kind, a, b, base, from, Math.min(n, from + CHUNK), dst, off);
            });
        } else {
            generate(kind, a, b, base, 0, n, dst, off);
        }
        if (dst != t) {
            ElementwiseOps.copyInto(dst, t);
        }
    }

    /** Writes logical elements [from, to) of the fill into out at off + i; from is even. */
    private void generate(Kind kind, double a, double b, long base, int from, int to, Tensor out, int off) {
        float[] f = out.f;
        double[] d = out.d;
        switch (kind) {
            case UNIFORM -> {
                double width = b - a;
                for (int i = from; i < to; i++) {
                    double v = a + width * unit(base + i);
                    if (f != null) {
                        float x = (float) v;
                        f[off + i] = x >= b && a < b ? belowF((float) b, (float) a) : x;
                    } else {
                        d[off + i] = v >= b && a < b ? Math.max(a, Math.nextDown(b)) : v;
                    }
                }
            }
            case BERNOULLI -> {
                for (int i = from; i < to; i++) {
                    double v = unit(base + i) < a ? b : 0.0;
                    if (f != null) {
                        f[off + i] = (float) v;
                    } else {
                        d[off + i] = v;
                    }
                }
            }
            case NORMAL -> {
                for (int i = from; i < to; i += 2) {
                    // u1 in (0, 1] keeps the log finite; the pair uses counters base+i and base+i+1.
                    double r = StrictMath.sqrt(-2 * StrictMath.log(1 - unit(base + i)));
                    double theta = TWO_PI * unit(base + i + 1);
                    double z0 = a + b * r * StrictMath.cos(theta);
                    double z1 = a + b * r * StrictMath.sin(theta);
                    if (f != null) {
                        f[off + i] = (float) z0;
                        if (i + 1 < to) {
                            f[off + i + 1] = (float) z1;
                        }
                    } else {
                        d[off + i] = z0;
                        if (i + 1 < to) {
                            d[off + i + 1] = z1;
                        }
                    }
                }
            }
        }
    }

    /** The largest float below hi, but not below lo: keeps F32 uniform values inside [lo, hi). */
    private static float belowF(float hi, float lo) {
        return Math.max(lo, Math.nextDown(hi));
    }

    private double unit(long c) {
        return (bits(k0, k1, c) >>> 11) * UNIT;
    }


    // ---------------------------------------------------------------- the mixing function

    /** The raw 64-bit value for counter c under key (k0, k1). */
    static long bits(long k0, long k1, long c) {
        return mix(mix(k0 + (c + 1) * GAMMA) ^ k1);
    }

    /** SplitMix64 finaliser (Stafford variant 13): a bijection on 64-bit values with full avalanche. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return "Rng[key=" + Long.toHexString(k0) + ":" + Long.toHexString(k1) + ", counter=" + counter + "]";
    }
}
