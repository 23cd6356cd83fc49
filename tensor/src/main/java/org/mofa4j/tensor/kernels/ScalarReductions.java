package org.mofa4j.tensor.kernels;

/**
 * The scalar twin of {@link ReductionKernels}: plain loops, the reference the vector twin is tested against.
 * Every sum accumulates in double and exp is {@link Math#exp} in double, so for runs and columns of fewer than
 * about 10⁸ elements the results are the correctly rounded float of a double-precision computation.
 */
public final class ScalarReductions implements ReductionKernels {

    /** The only instance. */
    public static final ScalarReductions INSTANCE = new ScalarReductions();

    /** Columns per double accumulator tile in the column kernels. */
    private static final int TILE = 256;

    private ScalarReductions() {
    }

    // ------------------------------------------------------------ runs

    @Override
    public double sum(float[] x, int off, int n) {
        double s = 0;
        for (int i = off; i < off + n; i++) {
            s += x[i];
        }
        return s;
    }

    @Override
    public double sumSquares(float[] x, int off, int n) {
        double s = 0;
        for (int i = off; i < off + n; i++) {
            double v = x[i];
            s += v * v;
        }
        return s;
    }

    @Override
    public double sumSquaredDeviations(float[] x, int off, int n, double center) {
        double s = 0;
        for (int i = off; i < off + n; i++) {
            double d = x[i] - center;
            s += d * d;
        }
        return s;
    }

    @Override
    public double sumExp(float[] x, int off, int n, float center) {
        double s = 0;
        for (int i = off; i < off + n; i++) {
            s += Math.exp((double) x[i] - center);
        }
        return s;
    }

    @Override
    public float max(float[] x, int off, int n) {
        float m = x[off];
        for (int i = off + 1; i < off + n; i++) {
            m = Math.max(m, x[i]);
        }
        return m;
    }

    @Override
    public float min(float[] x, int off, int n) {
        float m = x[off];
        for (int i = off + 1; i < off + n; i++) {
            m = Math.min(m, x[i]);
        }
        return m;
    }

    @Override
    public int argmax(float[] x, int off, int n) {
        return argmaxStrided(x, off, n, 1);
    }

    /** First maximum of x[off + i·step], i < n; the first NaN wins. Shared with {@link VectorReductions}' tails. */
    static int argmaxStrided(float[] x, int off, int n, int step) {
        int best = 0;
        float bv = x[off];
        if (bv != bv) {
            return 0;
        }
        for (int i = 1, p = off + step; i < n; i++, p += step) {
            float v = x[p];
            if (v != v) {
                return i;
            }
            if (v > bv) {
                bv = v;
                best = i;
            }
        }
        return best;
    }

    @Override
    public void softmax(float[] x, int xOff, float[] y, int yOff, int n) {
        float m = max(x, xOff, n);
        double s = 0;
        for (int i = 0; i < n; i++) {
            double e = Math.exp((double) x[xOff + i] - m);
            y[yOff + i] = (float) e;
            s += e;
        }
        double inv = 1.0 / s;
        for (int i = 0; i < n; i++) { // scaling the stored float: two roundings (≤ 1 ulp) instead of a second exp
            y[yOff + i] = (float) (y[yOff + i] * inv);
        }
    }

    @Override
    public void logSoftmax(float[] x, int xOff, float[] y, int yOff, int n) {
        float m = max(x, xOff, n);
        double logSum = Math.log(sumExp(x, xOff, n, m));
        for (int i = 0; i < n; i++) {
            y[yOff + i] = (float) ((double) x[xOff + i] - m - logSum);
        }
    }

    // ------------------------------------------------------------ columns

    @Override
    public void sumColumns(float[] x, int base, int[] rowOffsets, int rows, float[] out, int outOff, int width) {
        double[] acc = new double[Math.min(width, TILE)];
        for (int c0 = 0; c0 < width; c0 += TILE) {
            int w = Math.min(TILE, width - c0);
            java.util.Arrays.fill(acc, 0.0);
            for (int r = 0; r < rows; r++) {
                int p = base + rowOffsets[r] + c0;
                for (int j = 0; j < w; j++) {
                    acc[j] += x[p + j];
                }
            }
            for (int j = 0; j < w; j++) {
                out[outOff + c0 + j] = (float) acc[j];
            }
        }
    }

    @Override
    public void maxColumns(float[] x, int base, int[] rowOffsets, int rows, float[] out, int outOff, int width) {
        System.arraycopy(x, base + rowOffsets[0], out, outOff, width);
        for (int r = 1; r < rows; r++) {
            int p = base + rowOffsets[r];
            for (int j = 0; j < width; j++) {
                out[outOff + j] = Math.max(out[outOff + j], x[p + j]);
            }
        }
    }

    @Override
    public void minColumns(float[] x, int base, int[] rowOffsets, int rows, float[] out, int outOff, int width) {
        System.arraycopy(x, base + rowOffsets[0], out, outOff, width);
        for (int r = 1; r < rows; r++) {
            int p = base + rowOffsets[r];
            for (int j = 0; j < width; j++) {
                out[outOff + j] = Math.min(out[outOff + j], x[p + j]);
            }
        }
    }

    @Override
    public void sumSquaredDeviationsColumns(float[] x, int base, int[] rowOffsets, int rows,
                                            float[] center, int centerOff, float[] out, int outOff, int width) {
        double[] acc = new double[Math.min(width, TILE)];
        for (int c0 = 0; c0 < width; c0 += TILE) {
            int w = Math.min(TILE, width - c0);
            java.util.Arrays.fill(acc, 0.0);
            for (int r = 0; r < rows; r++) {
                int p = base + rowOffsets[r] + c0;
                for (int j = 0; j < w; j++) {
                    double d = (double) x[p + j] - center[centerOff + c0 + j];
                    acc[j] += d * d;
                }
            }
            for (int j = 0; j < w; j++) { // written after every read of this tile's centers (they may alias out)
                out[outOff + c0 + j] = (float) acc[j];
            }
        }
    }

    @Override
    public void sumExpColumns(float[] x, int base, int[] rowOffsets, int rows,
                              float[] center, int centerOff, float[] out, int outOff, int width) {
        double[] acc = new double[Math.min(width, TILE)];
        for (int c0 = 0; c0 < width; c0 += TILE) {
            int w = Math.min(TILE, width - c0);
            java.util.Arrays.fill(acc, 0.0);
            for (int r = 0; r < rows; r++) {
                int p = base + rowOffsets[r] + c0;
                for (int j = 0; j < w; j++) {
                    acc[j] += Math.exp((double) x[p + j] - center[centerOff + c0 + j]);
                }
            }
            for (int j = 0; j < w; j++) {
                out[outOff + c0 + j] = (float) acc[j];
            }
        }
    }
}
