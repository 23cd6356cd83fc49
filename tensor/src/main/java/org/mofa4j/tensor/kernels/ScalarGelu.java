package org.mofa4j.tensor.kernels;

/**
 * GELU with the tanh approximation (GPT-2's; PyTorch {@code approximate="tanh"}), forward and backward in one pass
 * each. Scalar reference twin of {@link VectorGelu}; any strides. Internal.
 *
 * <pre>
 *   u = √(2/π)(x + 0.044715x³),  t = tanh u
 *   y  = ½x(1 + t)
 *   dx = g·(½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²))
 * </pre>
 * The backward recomputes t from x (one tanh per element) rather than saving it, so the autograd node keeps only
 * its input. Both dtypes compute in double; f32 rounds once at the end.
 */
public final class ScalarGelu {
    static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    static final double CUBIC = 0.044715;

    private ScalarGelu() {}

    /** ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
    public static double forward(double x) {
        double t = Math.tanh(SQRT_2_OVER_PI * x * (1 + CUBIC * x * x));
        return 0.5 * x * (1 + t);
    }

    /** dy/dx at x. */
    public static double derivative(double x) {
        double x2 = x * x;
        double t = Math.tanh(SQRT_2_OVER_PI * x * (1 + CUBIC * x2));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * CUBIC * x2);
    }

    /** o = gelu(x) over a run. Modifies: o. */
    public static void forward(int n, float[] o, int oOff, int oStep, float[] x, int xOff, int xStep) {
        for (int i = 0; i < n; i++, oOff += oStep, xOff += xStep) {
            o[oOff] = (float) forward(x[xOff]);
        }
    }

    public static void forward(int n, double[] o, int oOff, int oStep, double[] x, int xOff, int xStep) {
        for (int i = 0; i < n; i++, oOff += oStep, xOff += xStep) {
            o[oOff] = forward(x[xOff]);
        }
    }

    /** o = g·gelu'(x) over a run. Modifies: o. */
    public static void backward(int n, float[] o, int oOff, int oStep, float[] x, int xOff, int xStep,
                                float[] g, int gOff, int gStep) {
        for (int i = 0; i < n; i++, oOff += oStep, xOff += xStep, gOff += gStep) {
            o[oOff] = (float) (g[gOff] * derivative(x[xOff]));
        }
    }

    public static void backward(int n, double[] o, int oOff, int oStep, double[] x, int xOff, int xStep,
                                double[] g, int gOff, int gStep) {
        for (int i = 0; i < n; i++, oOff += oStep, xOff += xStep, gOff += gStep) {
            o[oOff] = g[gOff] * derivative(x[xOff]);
        }
    }
}
