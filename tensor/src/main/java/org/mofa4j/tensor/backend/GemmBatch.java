package org.mofa4j.tensor.backend;

/**
 * A batch of fp32 products {@code C_b (+)= A_b·B_b}, b = 0..batches-1, each A_b [m, k], B_b [k, n], C_b [m, n],
 * given as strided views of three host arrays: element (i, j) of A_b is {@code a[aOff[b] + i·aRs + j·aCs]}.
 * A transpose is the same array with the strides swapped, so A·B, A·Bᵀ and Aᵀ·B are all one call.
 *
 * @param accumulate false: C_b = A_b·B_b; true: C_b += A_b·B_b
 */
public record GemmBatch(int batches, int m, int n, int k,
                        float[] a, int[] aOff, int aRs, int aCs,
                        float[] b, int[] bOff, int bRs, int bCs,
                        float[] c, int[] cOff, int cRs, int cCs,
                        boolean accumulate) {

    public GemmBatch {
        if (batches < 0 || m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("GemmBatch: sizes must be >= 0, got batches=" + batches + ", m=" + m
                    + ", n=" + n + ", k=" + k);
        }
        if (aOff.length != batches || bOff.length != batches || cOff.length != batches) {
            throw new IllegalArgumentException("GemmBatch: need one offset per batch (" + batches + "), got "
                    + aOff.length + ", " + bOff.length + ", " + cOff.length);
        }
    }

    /** Multiply-adds of the whole batch. */
    public long macs() {
        return (long) batches * m * n * k;
    }

    /** {@code [batches × m×k · k×n]}, for logs and errors. */
    public String shape() {
        return "[" + batches + " × " + m + "×" + k + " · " + k + "×" + n + (accumulate ? ", accumulate]" : "]");
    }
}
