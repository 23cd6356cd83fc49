package org.mofa4j.gpu.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Optimizer updates as TornadoVM kernels, the parameters updated in place on the device.
 * CPU references: {@code org.mofa4j.optim.AdamW} and {@code org.mofa4j.optim.MoFaSgd}.
 */
public final class OptimizerKernels {
    /** Layout of the AdamW hyperparameter array. */
    public static final int LR = 0, BETA1 = 1, BETA2 = 2, EPS = 3, DECAY = 4, BIAS1 = 5, BIAS2 = 6, ADAMW_HYPER = 7;

    private OptimizerKernels() {}

    /**
     * One AdamW step (Loshchilov &amp; Hutter), hyper = [lr, β₁, β₂, ε, λ, 1−β₁ᵗ, 1−β₂ᵗ]:
     * <pre>
     *   m = β₁·m + (1−β₁)·g,   v = β₂·v + (1−β₂)·g²
     *   w = w·(1 − lr·λ) − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
     * </pre>
     * Modifies w, m, v.
     */
    public static void adamW(FloatArray w, FloatArray g, FloatArray m, FloatArray v, FloatArray hyper, int n) {
        float lr = hyper.get(LR);
        float b1 = hyper.get(BETA1);
        float b2 = hyper.get(BETA2);
        float eps = hyper.get(EPS);
        float decay = hyper.get(DECAY);
        float bc1 = hyper.get(BIAS1);
        float bc2 = hyper.get(BIAS2);
        for (@Parallel int i = 0; i < n; i++) {
            float gi = g.get(i);
            float mi = b1 * m.get(i) + (1.0f - b1) * gi;
            float vi = b2 * v.get(i) + (1.0f - b2) * gi * gi;
            m.set(i, mi);
            v.set(i, vi);
            float step = (mi / bc1) / (TornadoMath.sqrt(vi / bc2) + eps);
            w.set(i, w.get(i) * (1.0f - lr * decay) - lr * step);
        }
    }

    /**
     * The MoFaSGD weight update in place: W[i, j] += Σₖ U[i, k]·coef[k]·V[j, k] for W [m, n] row-major, U [m, r],
     * V [n, r], coef [r] = −lr·η₁·φ(sₖ). One work-item per element of W ({@code @Parallel} over m·n).
     */
    public static void lowRankUpdate(FloatArray w, FloatArray u, FloatArray coef, FloatArray v, int m, int n, int r) {
        for (@Parallel int idx = 0; idx < m * n; idx++) {
            int i = idx / n;
            int j = idx - i * n;
            float s = 0.0f;
            for (int k = 0; k < r; k++) {
                s += u.get(i * r + k) * coef.get(k) * v.get(j * r + k);
            }
            w.set(idx, w.get(idx) + s);
        }
    }
}
