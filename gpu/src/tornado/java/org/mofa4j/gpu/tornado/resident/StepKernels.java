package org.mofa4j.gpu.tornado.resident;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The end of a resident training step on the device: the loss gradient, the mean loss, the global gradient norm
 * (two phases: {@link #sumSquaresPartial} then {@link #finish}, no cross-work-group ordering needed), clipping and
 * AdamW. Layout of {@code hyper} (uploaded every step, {@link #HYPER_HEAD} + {@link #GROUP_HYPER}·groups floats):
 * [clip max norm (0 = off)], then per AdamW group [1 − η·λ, β₁, β₂, 1 − β₁, 1 − β₂, η/(1 − β₁ᵗ), 1/√(1 − β₂ᵗ), ε]
 * (η = lr·schedule scale, computed on the host in double and rounded once, exactly as {@code optim.AdamW} does).
 * {@code state} (device only): [clip coefficient, unused].
 * {@code result} (downloaded every step): [mean loss, gradient norm].
 */
public final class StepKernels {
    /** Floats of hyper before the groups. */
    public static final int HYPER_HEAD = 1;
    /** Floats of hyper per AdamW group. */
    public static final int GROUP_HYPER = 8;
    /** Work-items of the first phase of the gradient norm. */
    public static final int NORM_PARTS = 1024;

    private StepKernels() {}

    /**
     * probs [rows, cols] becomes dlogits = (probs − onehot(target))/rows in place: the gradient of the mean
     * cross-entropy. Modifies probs.
     */
    public static void crossEntropyBackward(FloatArray probs, IntArray target, int cols, float invRows, int total) {
        for (@Parallel int i = 0; i < total; i++) {
            int r = i / cols;
            int j = i - r * cols;
            float y = j == target.get(r) ? 1.0f : 0.0f;
            probs.set(i, (probs.get(i) - y) * invRows);
        }
    }

    /** partial[k] = Σ g[i]² over i ≡ k (mod parts), i &lt; n. */
    public static void sumSquaresPartial(FloatArray g, FloatArray partial, int n, int parts) {
        for (@Parallel int k = 0; k < parts; k++) {
            float s = 0.0f;
            for (int i = k; i < n; i += parts) {
                float x = g.get(i);
                s += x * x;
            }
            partial.set(k, s);
        }
    }

    /**
     * One work-item ({@code one} = 1): mean loss, ‖g‖ = √(Σ partial) and the clip coefficient
     * min(1, maxNorm/(‖g‖ + 1e-6)) as {@code GradClipping.clipGlobalNorm}. Modifies result and state. Whether the
     * loss and the norm are finite is decided on the host (TornadoVM builds OpenCL kernels with
     * {@code -cl-fast-relaxed-math}, under which a device-side NaN test may be folded away).
     */
    public static void finish(FloatArray rowLoss, FloatArray partial, FloatArray hyper, FloatArray result,
            FloatArray state, int rows, int parts, int one) {
        for (@Parallel int z = 0; z < one; z++) {
            float loss = 0.0f;
            for (int r = 0; r < rows; r++) {
                loss += rowLoss.get(r);
            }
            loss = loss / rows;
            float sq = 0.0f;
            for (int k = 0; k < parts; k++) {
                sq += partial.get(k);
            }
            float norm = TornadoMath.sqrt(sq);
            float maxNorm = hyper.get(0);
            float coef = 1.0f;
            if (maxNorm > 0.0f) {
                float c = maxNorm / (norm + 1.0e-6f);
                if (c < 1.0f) {
                    coef = c;
                }
            }
            result.set(0, loss);
            result.set(1, norm);
            state.set(0, coef);
            state.set(1, 1.0f);
        }
    }

    /**
     * AdamW on the parameters [off, off + n) of one group, in place (the host runs it only after a finite loss and
     * norm). The gradient is scaled by the clip coefficient first. Same float operations as
     * {@code optim.AdamW}:
     * <pre>
     *   m = β₁·m + (1−β₁)·g,  v = β₂·v + (1−β₂)·g·g,  w = w·(1 − η·λ) − (η/(1−β₁ᵗ))·m / (√v·(1/√(1−β₂ᵗ)) + ε)
     * </pre>
     * Modifies p, m, v.
     */
    public static void adamW(FloatArray p, FloatArray g, FloatArray m, FloatArray v, FloatArray hyper,
            FloatArray state, int hOff, int off, int n) {
        float coef = state.get(0);
        float decay = hyper.get(hOff);
        float b1 = hyper.get(hOff + 1);
        float b2 = hyper.get(hOff + 2);
        float a1 = hyper.get(hOff + 3);
        float a2 = hyper.get(hOff + 4);
        float stepSize = hyper.get(hOff + 5);
        float invSqrtBc2 = hyper.get(hOff + 6);
        float eps = hyper.get(hOff + 7);
        for (@Parallel int i = 0; i < n; i++) {
            int at = off + i;
            float gi = g.get(at);
            if (coef < 1.0f) {
                gi = gi * coef;
            }
            float mi = b1 * m.get(at) + a1 * gi;
            float vi = b2 * v.get(at) + a2 * gi * gi;
            m.set(at, mi);
            v.set(at, vi);
            p.set(at, p.get(at) * decay - stepSize * mi / (TornadoMath.sqrt(vi) * invSqrtBc2 + eps));
        }
    }
}
