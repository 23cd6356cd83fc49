package org.mofa4j.tensor.kernels;

/**
 * Scalar reduction kernels over strided runs {@code x[off + i·step], i < n}, for float32 and float64 storage: the
 * general path for layouts that {@link ReductionKernels} does not cover (a reduced axis without unit stride, float64
 * tensors). Sums accumulate in double; max/min propagate NaN; argmax picks the first maximum, a NaN counting as
 * larger than everything. The same code serves both kernel modes.
 */
public final class StridedReductions {

    private StridedReductions() {
    }

    // ------------------------------------------------------------ float32 storage

    public static double sum(float[] x, int off, int n, int step) {
        double s = 0;
        for (int i = 0, p = off; i < n; i++, p += step) {
            s += x[p];
        }
        return s;
    }

    public static double sumSquaredDeviations(float[] x, int off, int n, int step, double center) {
        double s = 0;
        for (int i = 0, p = off; i < n; i++, p += step) {
            double d = x[p] - center;
            s += d * d;
        }
        return s;
    }

    public static double sumExp(float[] x, int off, int n, int step, double center) {
        double s = 0;
        for (int i = 0, p = off; i < n; i++, p += step) {
            s += Math.exp(x[p] - center);
        }
        return s;
    }

    /** n ≥ 1. */
    public static float max(float[] x, int off, int n, int step) {
        float m = x[off];
        for (int i = 1, p = off + step; i < n; i++, p += step) {
            m = Math.max(m, x[p]);
        }
        return m;
    }

    /** n ≥ 1. */
    public static float min(float[] x, int off, int n, int step) {
        float m = x[off];
        for (int i = 1, p = off + step; i < n; i++, p += step) {
            m = Math.min(m, x[p]);
        }
        return m;
    }

    /** n ≥ 1. */
    public static int argmax(float[] x, int off, int n, int step) {
        return ScalarReductions.argmaxStrided(x, off, n, step);
    }

    // ------------------------------------------------------------ float64 storage

    public static double sum(double[] x, int off, int n, int step) {
        double s = 0;
        for (int i = 0, p = off; i < n; i++, p += step) {
            s += x[p];
        }
        return s;
    }

    public static double sumSquares(double[] x, int off, int n, int step) {
        double s = 0;
        for (int i = 0, p = off; i < n; i++, p += step) {
            s += x[p] * x[p];
        }
        return s;
    }

    public static double sumSquaredDeviations(double[] x, int off, int n, int step, double center) {
        double s = 0;
        for (int i = 0, p = off; i < n; i++, p += step) {
            double d = x[p] - center;
            s += d * d;
        }
        return s;
    }

    public static double sumExp(double[] x, int off, int n, int step, double center) {
        double s = 0;
        for (int i = 0, p = off; i < n; i++, p += step) {
            s += Math.exp(x[p] - center);
        }
        return s;
    }

    /** n ≥ 1. */
    public static double max(double[] x, int off, int n, int step) {
        double m = x[off];
        for (int i = 1, p = off + step; i < n; i++, p += step) {
            m = Math.max(m, x[p]);
        }
        return m;
    }

    /** n ≥ 1. */
    public static double min(double[] x, int off, int n, int step) {
        double m = x[off];
        for (int i = 1, p = off + step; i < n; i++, p += step) {
            m = Math.min(m, x[p]);
        }
        return m;
    }

    /** n ≥ 1. */
    public static int argmax(double[] x, int off, int n, int step) {
        int best = 0;
        double bv = x[off];
        if (bv != bv) {
            return 0;
        }
        for (int i = 1, p = off + step; i < n; i++, p += step) {
            double v = x[p];
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

    /**
     * Softmax ({@code log == false}) or log-softmax of the run {@code x[xOff + i·xStep]} into
     * {@code y[yOff + i·yStep]}, i &lt; n, n ≥ 1. Modifies y.
     */
    public static void softmax(double[] x, int xOff, int xStep, double[] y, int yOff, int yStep, int n, boolean log) {
        double m = max(x, xOff, n, xStep);
        double s = sumExp(x, xOff, n, xStep, m);
        if (log) {
            double logSum = Math.log(s);
            for (int i = 0; i < n; i++) {
                y[yOff + i * yStep] = x[xOff + i * xStep] - m - logSum;
            }
        } else {
            for (int i = 0; i < n; i++) {
                y[yOff + i * yStep] = Math.exp(x[xOff + i * xStep] - m) / s;
            }
        }
    }
}
