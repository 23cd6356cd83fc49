package org.mofa4j.tensor.kernels;

import java.util.BitSet;
import java.util.Objects;

/**
 * General matrix multiply on strided views: {@code C[m×n] = A[m×k]·B[k×n]} or {@code C += A·B}.
 *
 * <p>Every operand is a view {@code (array, offset, rowStride, colStride)}: element {@code (i, j)} of A is
 * {@code a[aOff + i*aRs + j*aCs]}, and likewise for B and C. A transpose is the same array with the strides
 * swapped; a sub-matrix is an offset plus the parent's strides. Callers never copy.
 *
 * <p><b>Arithmetic (fp32, both implementations).</b> The k-sum is cut into blocks of {@link #KC} and each block is
 * a chain of fused multiply-adds starting from zero; blocks are added to C in order:
 * <pre>
 *   for each block [p0, p1) of [0, k), in order:
 *       s     = 0;  for p in p0..p1-1:  s = fma(A[i,p], B[p,j], s)      // Math.fma: one rounding
 *       C[i,j] = (p0 == 0 &amp;&amp; !accumulate) ? s : C[i,j] + s
 * </pre>
 * and {@code k = 0} sets C to 0 (or leaves it when accumulating). {@link ScalarGemm} and {@link VectorGemm}
 * both compute exactly this, so their results are bit-identical to each other and for every thread count.
 * Against the exact product the error is bounded by about {@code (k + 1)·2⁻²⁴·Σₚ|A[i,p]·B[p,j]|}.
 *
 * <p>Implementation: {@link KernelMode#current()} picks {@link VectorGemm} (packed, register-tiled, cache-blocked,
 * multithreaded; small problems go to the scalar loops, which are faster there) or {@link ScalarGemm}.
 * {@code dgemm} is the float64 path for gradient checks and oracles; it is always scalar.
 *
 * <p>Modified: C only. A and B are not modified. C must not share elements with A or B (rejected), and the
 * elements C's view addresses must be distinct (not checked: a zero stride in C gives an unspecified result).
 */
public final class Gemm {

    /** Length of the k-blocks of the arithmetic above. Part of the result's bit pattern: do not tune per machine. */
    public static final int KC = 256;

    private Gemm() {
    }

    /** {@code C (+)= A·B} in fp32 with {@link KernelMode#threads()} threads. See the class comment. */
    public static void sgemm(int m, int n, int k,
                             float[] a, int aOff, int aRs, int aCs,
                             float[] b, int bOff, int bRs, int bCs,
                             float[] c, int cOff, int cRs, int cCs,
                             boolean accumulate) {
        sgemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, cCs, accumulate, KernelMode.threads());
    }

    /**
     * {@code C (+)= A·B} in fp32. See the class comment for views and arithmetic.
     *
     * @param m          rows of A and C, {@code >= 0}
     * @param n          columns of B and C, {@code >= 0}
     * @param k          columns of A, rows of B, {@code >= 0}
     * @param accumulate {@code false}: C = A·B (C's old values are ignored); {@code true}: C = C + A·B
     * @param threads    maximum threads, {@code >= 1}; the result does not depend on it
     * @throws IllegalArgumentException for negative sizes, {@code threads < 1}, a view that leaves its array,
     *                                  or C sharing elements with A or B
     */
    public static void sgemm(int m, int n, int k,
                             float[] a, int aOff, int aRs, int aCs,
                             float[] b, int bOff, int bRs, int bCs,
                             float[] c, int cOff, int cRs, int cCs,
                             boolean accumulate, int threads) {
        Objects.requireNonNull(a, "sgemm: a is null");
        Objects.requireNonNull(b, "sgemm: b is null");
        Objects.requireNonNull(c, "sgemm: c is null");
        validate("sgemm", m, n, k, threads, a.length, aOff, aRs, aCs, b.length, bOff, bRs, bCs,
                c.length, cOff, cRs, cCs);
        if (a == c) {
            rejectOverlap("sgemm", "a", m, k, aOff, aRs, aCs, m, n, cOff, cRs, cCs);
        }
        if (b == c) {
            rejectOverlap("sgemm", "b", k, n, bOff, bRs, bCs, m, n, cOff, cRs, cCs);
        }
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (!accumulate) {
                ScalarGemm.fill(m, n, c, cOff, cRs, cCs, 0f);
            }
            return;
        }
        if (KernelMode.current() == KernelMode.Mode.VECTOR) {
            VectorGemm.sgemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, cCs, accumulate, threads);
        } else {
            ScalarGemm.sgemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, cCs, accumulate, threads);
        }
    }

    /** {@code C (+)= A·B} in float64, single-threaded. Same views and checks as {@code sgemm}. */
    public static void dgemm(int m, int n, int k,
                             double[] a, int aOff, int aRs, int aCs,
                             double[] b, int bOff, int bRs, int bCs,
                             double[] c, int cOff, int cRs, int cCs,
                             boolean accumulate) {
        dgemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, cCs, accumulate, 1);
    }

    /** {@code C (+)= A·B} in float64 (scalar, the same blocked fma arithmetic as fp32). Same views and checks. */
    public static void dgemm(int m, int n, int k,
                             double[] a, int aOff, int aRs, int aCs,
                             double[] b, int bOff, int bRs, int bCs,
                             double[] c, int cOff, int cRs, int cCs,
                             boolean accumulate, int threads) {
        Objects.requireNonNull(a, "dgemm: a is null");
        Objects.requireNonNull(b, "dgemm: b is null");
        Objects.requireNonNull(c, "dgemm: c is null");
        validate("dgemm", m, n, k, threads, a.length, aOff, aRs, aCs, b.length, bOff, bRs, bCs,
                c.length, cOff, cRs, cCs);
        if (a == c) {
            rejectOverlap("dgemm", "a", m, k, aOff, aRs, aCs, m, n, cOff, cRs, cCs);
        }
        if (b == c) {
            rejectOverlap("dgemm", "b", k, n, bOff, bRs, bCs, m, n, cOff, cRs, cCs);
        }
        if (m == 0 || n == 0) {
            return;
        }
        ScalarGemm.dgemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, cCs, accumulate, threads);
    }

    /**
     * Runs small and medium multiplies (plain, transposed, strided, accumulating; 1 and N threads) until the JIT has
     * compiled the kernels, then returns. Call it at start-up, before timed or latency-sensitive work: the C2
     * compiles of the micro-kernels finish a few hundred ms after they first run, and Vector API code first reached
     * through one long call can stay in slow on-stack-replacement code. In vector mode it repeats until a
     * 192×160·256 multiply, with A row-major and with A transposed, runs at ≥ 20 GFLOP/s on one thread (compiled
     * kernels reach ~100 here, uncompiled ones under 10), for at most 3 s. Typically 0.2–1 s.
     */
    public static void warmUp() {
        long deadline = System.nanoTime() + 3_000_000_000L;
        int[][] shapes = {{8, 8, 8}, {37, 53, 29}, {96, 64, 300}, {130, 100, 140}, {192, 160, 256}};
        java.util.Random rnd = new java.util.Random(1);
        for (int round = 0; ; round++) {
            double slowest = Double.MAX_VALUE;                   // GFLOP/s of the slower probe, largest shape
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2];
                float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
                for (int i = 0; i < a.length; i++) a[i] = rnd.nextFloat() - 0.5f;
                for (int i = 0; i < b.length; i++) b[i] = rnd.nextFloat() - 0.5f;
                int reps = Math.max(2, (int) Math.min(40, 4_000_000L / ((long) m * n * k)));
                for (int r = 0; r < reps; r++) {
                    int threads = (r & 1) == 0 ? 1 : KernelMode.threads();
                    long t0 = System.nanoTime();
                    sgemm(m, n, k, a, 0, k, 1, b, 0, n, 1, c, 0, n, 1, false, threads);          // A·B
                    long t1 = System.nanoTime();
                    sgemm(m, n, k, a, 0, 1, m, b, 0, n, 1, c, 0, n, 1, true, threads);           // Aᵀ-stored A
                    long t2 = System.nanoTime();
                    sgemm(m, n, k, a, 0, k, 1, b, 0, 1, k, c, 0, 1, m, (r & 2) != 0, threads);   // Bᵀ-stored B, Cᵀ
                    if (threads == 1) {
                        slowest = 2.0 * m * n * k / Math.max(t1 - t0, t2 - t1);
                    }
                }
            }
            if (KernelMode.current() != KernelMode.Mode.VECTOR || slowest >= 20 || System.nanoTime() > deadline) {
                return;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- argument checks

    static void validate(String op, int m, int n, int k, int threads,
                         int aLen, int aOff, int aRs, int aCs,
                         int bLen, int bOff, int bRs, int bCs,
                         int cLen, int cOff, int cRs, int cCs) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException(op + ": sizes must be >= 0, got m=" + m + ", n=" + n + ", k=" + k);
        }
        if (threads < 1) {
            throw new IllegalArgumentException(op + ": threads must be >= 1, got " + threads
                    + " (m=" + m + ", n=" + n + ", k=" + k + ")");
        }
        checkView(op, "a", m, k, aLen, aOff, aRs, aCs);
        checkView(op, "b", k, n, bLen, bOff, bRs, bCs);
        checkView(op, "c", m, n, cLen, cOff, cRs, cCs);
    }

    /** Checks that every element a {@code rows×cols} view addresses lies inside an array of length {@code len}. */
    private static void checkView(String op, String name, int rows, int cols, int len, int off, int rs, int cs) {
        if (rows == 0 || cols == 0) {
            return;
        }
        long lo = first(rows, cols, off, rs, cs);
        long hi = last(rows, cols, off, rs, cs);
        if (lo < 0 || hi >= len) {
            throw new IllegalArgumentException(op + ": " + name + " is [" + rows + ", " + cols + "] at offset " + off
                    + " with strides (" + rs + ", " + cs + "), addressing elements " + lo + ".." + hi
                    + ", but its array has length " + len);
        }
    }

    private static long first(int rows, int cols, int off, int rs, int cs) {
        return off + Math.min(0L, (long) (rows - 1) * rs) + Math.min(0L, (long) (cols - 1) * cs);
    }

    private static long last(int rows, int cols, int off, int rs, int cs) {
        return off + Math.max(0L, (long) (rows - 1) * rs) + Math.max(0L, (long) (cols - 1) * cs);
    }

    /** Rejects C sharing an element with input X (same array). Exact, but only runs when the ranges intersect. */
    private static void rejectOverlap(String op, String name, int xr, int xc, int xOff, int xRs, int xCs,
                                      int m, int n, int cOff, int cRs, int cCs) {
        if (xr == 0 || xc == 0 || m == 0 || n == 0) {
            return;
        }
        long lo = Math.max(first(xr, xc, xOff, xRs, xCs), first(m, n, cOff, cRs, cCs));
        long hi = Math.min(last(xr, xc, xOff, xRs, xCs), last(m, n, cOff, cRs, cCs));
        if (lo > hi) {
            return;
        }
        BitSet inC = new BitSet();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                long e = cOff + (long) i * cRs + (long) j * cCs;
                if (e >= lo && e <= hi) {
                    inC.set((int) (e - lo));
                }
            }
        }
        for (int i = 0; i < xr; i++) {
            for (int j = 0; j < xc; j++) {
                long e = xOff + (long) i * xRs + (long) j * xCs;
                if (e >= lo && e <= hi && inC.get((int) (e - lo))) {
                    throw new IllegalArgumentException(op + ": c [" + m + ", " + n + "] shares element " + e
                            + " with " + name + " [" + xr + ", " + xc + "]; the output must not alias an input");
                }
            }
        }
    }
}
