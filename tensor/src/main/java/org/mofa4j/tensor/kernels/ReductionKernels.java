package org.mofa4j.tensor.kernels;

/**
 * fp32 reduction and softmax kernels over contiguous memory, in two twins: {@link ScalarReductions} (plain loops,
 * sums accumulated in double) and {@link VectorReductions} (Vector API, sums accumulated in float lanes).
 * {@code org.mofa4j.tensor.ReduceOps} maps any strided reduction onto these two layouts:
 * <ul>
 *   <li><b>runs</b>: {@code x[off .. off+n)}, one contiguous stretch of the reduced elements (row sums, softmax over
 *       the last axis);</li>
 *   <li><b>columns</b>: a {@code rows × width} block whose element {@code (r, c)} is at
 *       {@code x[base + rowOffsets[r] + c]}, reduced over r, giving {@code width} results written to
 *       {@code out[outOff .. outOff+width)} (bias gradients: [B·T, C] → [C]).</li>
 * </ul>
 *
 * <p>Semantics shared by both twins: max/min propagate NaN (like {@link Math#max}); argmax returns the first index
 * of the maximum, a NaN counting as larger than everything; sums over an empty run are 0. Column kernels need
 * {@code rows ≥ 1}. A column kernel's result for column c depends only on column c's values, never on
 * {@code width} or on where c falls in the block, so callers may split columns between threads freely.
 *
 * <p>Twins agree to rounding, not bitwise: the scalar twin sums in double and uses {@link Math#exp}; the vector
 * twin sums in float lanes (blocked, see {@link VectorReductions}) and uses its own polynomial exp, which gives
 * the same bits in the interpreter and in compiled code.
 *
 * <p>Modified: only {@code y} (softmax) or {@code out} (column kernels, which may use it for running totals, so
 * {@code center} must not overlap it). {@code y} must not overlap {@code x}.
 */
public interface ReductionKernels {

    /** The twin {@link KernelMode#current()} selects. */
    static ReductionKernels current() {
        return forMode(KernelMode.current());
    }

    /** The twin for {@code mode}; VECTOR must be available ({@link KernelMode#vectorAvailable()}). */
    static ReductionKernels forMode(KernelMode.Mode mode) {
        return mode == KernelMode.Mode.VECTOR ? VectorReductions.INSTANCE : ScalarReductions.INSTANCE;
    }

    // ------------------------------------------------------------ runs: x[off .. off+n)

    /** Σ x. */
    double sum(float[] x, int off, int n);

    /** Σ x², accumulated in double by both twins so that squares of large values cannot overflow. */
    double sumSquares(float[] x, int off, int n);

    /** Σ (x − center)². */
    double sumSquaredDeviations(float[] x, int off, int n, double center);

    /** Σ exp(x − center); center is normally the run's max, so every term is in [0, 1]. */
    double sumExp(float[] x, int off, int n, float center);

    /** The largest element (NaN if any is NaN); n ≥ 1. */
    float max(float[] x, int off, int n);

    /** The smallest element (NaN if any is NaN); n ≥ 1. */
    float min(float[] x, int off, int n);

    /** Index in [0, n) of the first maximum, or of the first NaN if there is one; n ≥ 1. */
    int argmax(float[] x, int off, int n);

    /** y = exp(x − max) / Σ exp(x − max) over the run; n ≥ 1. Modifies y[yOff .. yOff+n). */
    void softmax(float[] x, int xOff, float[] y, int yOff, int n);

    /** y = (x − max) − log Σ exp(x − max) over the run; n ≥ 1. Modifies y[yOff .. yOff+n). */
    void logSoftmax(float[] x, int xOff, float[] y, int yOff, int n);

    // ------------------------------------------------------------ columns: (r, c) at x[base + rowOffsets[r] + c]

    /** out[c] = Σ_r x(r, c). */
    void sumColumns(float[] x, int base, int[] rowOffsets, int rows, float[] out, int outOff, int width);

    /** out[c] = max_r x(r, c). */
    void maxColumns(float[] x, int base, int[] rowOffsets, int rows, float[] out, int outOff, int width);

    /** out[c] = min_r x(r, c). */
    void minColumns(float[] x, int base, int[] rowOffsets, int rows, float[] out, int outOff, int width);

    /** out[c] = Σ_r (x(r, c) − center[centerOff + c])². */
    void sumSquaredDeviationsColumns(float[] x, int base, int[] rowOffsets, int rows,
                                     float[] center, int centerOff, float[] out, int outOff, int width);

    /** out[c] = Σ_r exp(x(r, c) − center[centerOff + c]). */
    void sumExpColumns(float[] x, int base, int[] rowOffsets, int rows,
                       float[] center, int centerOff, float[] out, int outOff, int width);
}
