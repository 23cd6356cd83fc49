package org.mofa4j.tensor.kernels;

/**
 * Plain-Java twin of {@link VectorGemm}: the reference for tests and the fallback when the Vector API is missing.
 * Also the float64 path ({@code dgemm}).
 *
 * <p>Computes exactly the arithmetic in {@link Gemm}'s class comment: for each k-block of {@link Gemm#KC} and
 * each row i, a row of partial sums {@code s[0..n)} is built with {@code s[j] = fma(A[i,p], B[p,j], s[j])} for p
 * in block order, then stored into (first block, not accumulating) or added to row i of C. Blocks of
 * {@value #ROWS_PER_TASK} rows run in parallel; each element's sum is always formed by one thread in one order,
 * so results do not depend on the thread count. Simple loops, no register tiling: a few GFLOP/s.
 *
 * <p>Callers ({@link Gemm}) have validated the views; here {@code m, n, k > 0} except where noted.
 */
final class ScalarGemm {

    /** Rows per parallel task. */
    private static final int ROWS_PER_TASK = 16;
    /** Below about this many flops per extra thread, threading costs more than it saves. */
    private static final long MIN_FLOPS_PER_THREAD = 1L << 21;

    private static final ThreadLocal<float[]> ROW_F = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<double[]> ROW_D = ThreadLocal.withInitial(() -> new double[0]);

    private ScalarGemm() {
    }

    /** C (+)= A·B in fp32. A: [m, k], B: [k, n], C: [m, n]; m, n, k may be 0. */
    static void sgemm(int m, int n, int k,
                      float[] a, int aOff, int aRs, int aCs,
                      float[] b, int bOff, int bRs, int bCs,
                      float[] c, int cOff, int cRs, int cCs,
                      boolean accumulate, int threads) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (!accumulate) {
                fill(m, n, c, cOff, cRs, cCs, 0f);
            }
            return;
        }
        int tasks = (m + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
        int t = usefulThreads(threads, m, n, k);
        Parallel.forRange(tasks, t, task -> {
            int i0 = task * ROWS_PER_TASK;
            rowsF(i0, Math.min(m, i0 + ROWS_PER_TASK), n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs,
                    c, cOff, cRs, cCs, accumulate);
        });
    }

    /** Rows [i0, i1) of C (+)= A·B, on the calling thread. */
    static void rowsF(int i0, int i1, int n, int k,
                      float[] a, int aOff, int aRs, int aCs,
                      float[] b, int bOff, int bRs, int bCs,
                      float[] c, int cOff, int cRs, int cCs,
                      boolean accumulate) {
        float[] s = ROW_F.get();
        if (s.length < n) {
            s = new float[n];
            ROW_F.set(s);
        }
        // k-blocks outside the rows: the block B[p0:p1, :] is reused by every row of the task while cached.
        for (int p0 = 0; p0 < k; p0 += Gemm.KC) {
            int p1 = Math.min(k, p0 + Gemm.KC);
            boolean overwrite = p0 == 0 && !accumulate;
            for (int i = i0; i < i1; i++) {
                int aRow = aOff + i * aRs;                   // A[i, 0]
                java.util.Arrays.fill(s, 0, n, 0f);          // s: [n], row i's partial sums over this k-block
                for (int p = p0; p < p1; p++) {
                    float aip = a[aRow + p * aCs];
                    int bRow = bOff + p * bRs;               // B[p, 0]
                    if (bCs == 1) {
                        for (int j = 0; j < n; j++) {
                            s[j] = Math.fma(aip, b[bRow + j], s[j]);
                        }
                    } else {
                        for (int j = 0; j < n; j++) {
                            s[j] = Math.fma(aip, b[bRow + j * bCs], s[j]);
                        }
                    }
                }
                int cRow = cOff + i * cRs;                   // C[i, 0]
                if (overwrite) {
                    for (int j = 0; j < n; j++) {
                        c[cRow + j * cCs] = s[j];
                    }
                } else {
                    for (int j = 0; j < n; j++) {
                        c[cRow + j * cCs] += s[j];
                    }
                }
            }
        }
    }

    /** C (+)= A·B in float64: the same blocked fma arithmetic as {@link #sgemm}, on doubles. m, n > 0; k may be 0. */
    static void dgemm(int m, int n, int k,
                      double[] a, int aOff, int aRs, int aCs,
                      double[] b, int bOff, int bRs, int bCs,
                      double[] c, int cOff, int cRs, int cCs,
                      boolean accumulate, int threads) {
        int tasks = (m + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
        Parallel.forRange(tasks, usefulThreads(threads, m, n, k), task -> {
            int i0 = task * ROWS_PER_TASK;
            int i1 = Math.min(m, i0 + ROWS_PER_TASK);
            double[] s = ROW_D.get();
            if (s.length < n) {
                s = new double[n];
                ROW_D.set(s);
            }
            for (int i = i0; i < i1; i++) {
                int aRow = aOff + i * aRs;
                int cRow = cOff + i * cRs;
                if (k == 0 && !accumulate) {
                    for (int j = 0; j < n; j++) {
                        c[cRow + j * cCs] = 0.0;
                    }
                }
                for (int p0 = 0; p0 < k; p0 += Gemm.KC) {
                    int p1 = Math.min(k, p0 + Gemm.KC);
                    java.util.Arrays.fill(s, 0, n, 0.0);
                    for (int p = p0; p < p1; p++) {
                        double aip = a[aRow + p * aCs];
                        int bRow = bOff + p * bRs;
                        for (int j = 0; j < n; j++) {
                            s[j] = Math.fma(aip, b[bRow + j * bCs], s[j]);
                        }
                    }
                    boolean overwrite = p0 == 0 && !accumulate;
                    for (int j = 0; j < n; j++) {
                        c[cRow + j * cCs] = overwrite ? s[j] : c[cRow + j * cCs] + s[j];
                    }
                }
            }
        });
    }

    /** Sets every element of the [m, n] view C to {@code value}. */
    static void fill(int m, int n, float[] c, int cOff, int cRs, int cCs, float value) {
        for (int i = 0; i < m; i++) {
            int cRow = cOff + i * cRs;
            for (int j = 0; j < n; j++) {
                c[cRow + j * cCs] = value;
            }
        }
    }

    /** Threads worth using for an m×n×k multiply: at most {@code threads}, at least 1. */
    static int usefulThreads(int threads, int m, int n, int k) {
        long flops = 2L * m * n * k;
        return (int) Math.max(1, Math.min(threads, flops / MIN_FLOPS_PER_THREAD));
    }
}
