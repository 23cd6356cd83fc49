package org.mofa4j.gpu.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Per-row kernels of the training step, one work-item per row ({@code @Parallel} over rows, a sequential loop over
 * the row's columns): softmax with cross-entropy, and LayerNorm. x is row-major [rows, cols]. CPU references:
 * {@code Tensor.softmax}, {@code autograd}'s fused cross-entropy and LayerNorm, float64 loops in the tests.
 */
public final class RowwiseKernels {
    private RowwiseKernels() {}

    /**
     * probs[r, :] = softmax(x[r, :]) and loss[r] = −log probs[r, target[r]] = log Σⱼ e^{x[r,j] − max} + max − x[r, t],
     * computed with the max subtracted (no overflow).
     */
    public static void softmaxCrossEntropy(FloatArray x, IntArray target, FloatArray probs, FloatArray loss, int rows,
            int cols) {
        for (@Parallel int r = 0; r < rows; r++) {
            int base = r * cols;
            float max = x.get(base);
            for (int j = 1; j < cols; j++) {
                max = TornadoMath.max(max, x.get(base + j));
            }
            float sum = 0.0f;
            for (int j = 0; j < cols; j++) {
                float e = TornadoMath.exp(x.get(base + j) - max);
                probs.set(base + j, e);
                sum += e;
            }
            float inv = 1.0f / sum;
            for (int j = 0; j < cols; j++) {
                probs.set(base + j, probs.get(base + j) * inv);
            }
            loss.set(r, TornadoMath.log(sum) + max - x.get(base + target.get(r)));
        }
    }

    /** y[r, j] = (x[r, j] − μᵣ)/√(σᵣ² + eps)·gamma[j] + beta[j], μ and σ² the row's mean and biased variance. */
    public static void layerNorm(FloatArray x, FloatArray gamma, FloatArray beta, FloatArray y, int rows, int cols,
            float eps) {
        for (@Parallel int r = 0; r < rows; r++) {
            int base = r * cols;
            float mean = 0.0f;
            for (int j = 0; j < cols; j++) {
                mean += x.get(base + j);
            }
            mean = mean / cols;
            float var = 0.0f;
            for (int j = 0; j < cols; j++) {
                float d = x.get(base + j) - mean;
                var += d * d;
            }
            var = var / cols;
            float inv = 1.0f / TornadoMath.sqrt(var + eps);
            for (int j = 0; j < cols; j++) {
                y.set(base + j, (x.get(base + j) - mean) * inv * gamma.get(j) + beta.get(j));
            }
        }
    }
}
