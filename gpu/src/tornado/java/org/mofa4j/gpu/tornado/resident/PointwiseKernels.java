package org.mofa4j.gpu.tornado.resident;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * The elementwise glue of a GPT block on the device: biases, residual adds, GELU (tanh form) and the bias
 * gradients. Activations are row-major [rows, cols] with {@code total} = rows·cols; biases live in the flat
 * parameter array at {@code bOff}. CPU references: {@code MatmulFns.linear} (x·Wᵀ then + b),
 * {@code ElementwiseFns.add}, {@code tensor.kernels.ScalarGelu}.
 */
public final class PointwiseKernels {
    /** √(2/π) of the tanh GELU. */
    static final float SQRT_2_OVER_PI = 0.7978845608028654f;
    /** The cubic coefficient of the tanh GELU. */
    static final float CUBIC = 0.044715f;

    private PointwiseKernels() {}

    /** y[r, j] += b[j]. Modifies y. */
    public static void addBias(FloatArray y, FloatArray p, int bOff, int cols, int total) {
        for (@Parallel int i = 0; i < total; i++) {
            int j = i - (i / cols) * cols;
            y.set(i, y.get(i) + p.get(bOff + j));
        }
    }

    /** out[r, j] = residual[r, j] + (y[r, j] + b[j]): a projection's bias and the block's residual add. */
    public static void addBiasResidual(FloatArray y, FloatArray p, int bOff, FloatArray residual, FloatArray out,
            int cols, int total) {
        for (@Parallel int i = 0; i < total; i++) {
            int j = i - (i / cols) * cols;
            out.set(i, residual.get(i) + (y.get(i) + p.get(bOff + j)));
        }
    }

    /**
     * pre[r, j] += b[j], then act = ½·pre·(1 + tanh(√(2/π)(pre + 0.044715·pre³))). pre keeps the pre-activation
     * for backward. Modifies pre and act.
     */
    public static void addBiasGelu(FloatArray pre, FloatArray p, int bOff, FloatArray act, int cols, int total) {
        for (@Parallel int i = 0; i < total; i++) {
            int j = i - (i / cols) * cols;
            float x = pre.get(i) + p.get(bOff + j);
            pre.set(i, x);
            float th = TornadoMath.tanh(SQRT_2_OVER_PI * x * (1.0f + CUBIC * x * x));
            act.set(i, 0.5f * x * (1.0f + th));
        }
    }

    /** d[i] = d[i]·gelu'(pre[i]) in place: the gradient of the activation becomes that of the pre-activation. */
    public static void geluBackward(FloatArray d, FloatArray pre, int total) {
        for (@Parallel int i = 0; i < total; i++) {
            float x = pre.get(i);
            float x2 = x * x;
            float th = TornadoMath.tanh(SQRT_2_OVER_PI * x * (1.0f + CUBIC * x2));
            float deriv = 0.5f * (1.0f + th)
                    + 0.5f * x * (1.0f - th * th) * SQRT_2_OVER_PI * (1.0f + 3.0f * CUBIC * x2);
            d.set(i, d.get(i) * deriv);
        }
    }

    /** g[gOff + j] = Σ_r dy[r, j]: a bias gradient (written, not added). One work-item per column. */
    public static void columnSum(FloatArray dy, FloatArray g, int gOff, int rows, int cols) {
        for (@Parallel int j = 0; j < cols; j++) {
            float s = 0.0f;
            for (int r = 0; r < rows; r++) {
                s += dy.get(r * cols + j);
            }
            g.set(gOff + j, s);
        }
    }
}
