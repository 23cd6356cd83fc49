package org.mofa4j.gpu.tornado.resident;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * LayerNorm over the last axis on the device, forward (saving the row mean and 1/σ) and backward, one work-item per
 * row for the row-wise parts and per column for γ/β gradients. γ and β live in the flat parameter array at
 * {@code wOff}, {@code bOff}. Equations as {@code autograd.NormFns.layerNorm}:
 * <pre>
 *   μ = mean(x), r = 1/√(var(x) + eps), x̂ = (x − μ)·r, y = x̂·γ + β
 *   ĝ = dy·γ,  dx = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))·r,  dγ = Σ_rows dy·x̂,  dβ = Σ_rows dy
 * </pre>
 */
public final class NormKernels {
    private NormKernels() {}

    /** y = LayerNorm(x) for x, y [rows, c]; mean, rstd [rows] saved for backward. */
    public static void forward(FloatArray x, FloatArray p, int wOff, int bOff, FloatArray y, FloatArray mean,
            FloatArray rstd, int rows, int c, float eps) {
        for (@Parallel int r = 0; r < rows; r++) {
            int base = r * c;
            float mu = 0.0f;
            for (int j = 0; j < c; j++) {
                mu += x.get(base + j);
            }
            mu = mu / c;
            float var = 0.0f;
            for (int j = 0; j < c; j++) {
                float d = x.get(base + j) - mu;
                var += d * d;
            }
            var = var / c;
            float rs = 1.0f / TornadoMath.sqrt(var + eps);
            mean.set(r, mu);
            rstd.set(r, rs);
            for (int j = 0; j < c; j++) {
                y.set(base + j, (x.get(base + j) - mu) * rs * p.get(wOff + j) + p.get(bOff + j));
            }
        }
    }

    /**
     * out = residual + dx: the input gradient of LayerNorm added to the gradient that reaches x around the block
     * (the residual path). dy, x, residual, out [rows, c]; out must not be dy, x or residual. Modifies out.
     */
    public static void backwardInput(FloatArray dy, FloatArray x, FloatArray mean, FloatArray rstd, FloatArray p,
            int wOff, FloatArray residual, FloatArray out, int rows, int c) {
        for (@Parallel int r = 0; r < rows; r++) {
            int base = r * c;
            float mu = mean.get(r);
            float rs = rstd.get(r);
            float meanG = 0.0f;
            float meanGX = 0.0f;
            for (int j = 0; j < c; j++) {
                float gh = dy.get(base + j) * p.get(wOff + j);
                meanG += gh;
                meanGX += gh * ((x.get(base + j) - mu) * rs);
            }
            meanG = meanG / c;
            meanGX = meanGX / c;
            for (int j = 0; j < c; j++) {
                float gh = dy.get(base + j) * p.get(wOff + j);
                float xhat = (x.get(base + j) - mu) * rs;
                out.set(base + j, residual.get(base + j) + (gh - meanG - xhat * meanGX) * rs);
            }
        }
    }

    /** dγ[j] = Σ_r dy[r, j]·x̂[r, j] and dβ[j] = Σ_r dy[r, j], written (not added) at wOff, bOff of g. */
    public static void backwardParams(FloatArray dy, FloatArray x, FloatArray mean, FloatArray rstd, FloatArray g,
            int wOff, int bOff, int rows, int c) {
        for (@Parallel int j = 0; j < c; j++) {
            float dw = 0.0f;
            float db = 0.0f;
            for (int r = 0; r < rows; r++) {
                float d = dy.get(r * c + j);
                dw += d * ((x.get(r * c + j) - mean.get(r)) * rstd.get(r));
                db += d;
            }
            g.set(wOff + j, dw);
            g.set(bOff + j, db);
        }
    }
}
