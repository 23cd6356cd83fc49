package org.mofa4j.optim;

import java.util.List;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Tensor;

/**
 * AdamW (Loshchilov &amp; Hutter, "Decoupled Weight Decay Regularization", ICLR 2019), as PyTorch computes it.
 * For step t = 1, 2, ... with learning rate η (times the schedule's scale):
 * <pre>
 *   W ← W − η·λ·W                                  (decoupled weight decay)
 *   m ← β₁·m + (1−β₁)·g
 *   v ← β₂·v + (1−β₂)·g²
 *   W ← W − η · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε)
 * </pre>
 * State per parameter: m and v, 2·numel floats.
 */
public final class AdamW extends Optimizer<AdamW.Config> {

    /** Hyperparameters of one group. */
    public record Config(double lr, double beta1, double beta2, double eps, double weightDecay) {
        public Config {
            Hyper.nonNegative("AdamW", "lr", lr);
            Hyper.inRange("AdamW", "beta1", beta1, 0, 1);
            Hyper.inRange("AdamW", "beta2", beta2, 0, 1);
            Hyper.positive("AdamW", "eps", eps);
            Hyper.nonNegative("AdamW", "weightDecay", weightDecay);
        }

        /** PyTorch's defaults: β = (0.9, 0.999), ε = 1e-8, λ = 0.01. */
        public static Config defaults(double lr) {
            return new Config(lr, 0.9, 0.999, 1e-8, 0.01);
        }
    }

    public AdamW(List<ParamGroup<Config>> groups) {
        super("AdamW", groups);
    }

    /** One group of parameters. */
    public AdamW(List<Variable> params, Config config) {
        this(List.of(new ParamGroup<>(params, config)));
    }

    @Override
    protected void checkLoadedState(Variable p, ParamState loaded) {
        requireLikeParameter(p, loaded, "m");
        requireLikeParameter(p, loaded, "v");
    }

    @Override
    protected void update(Variable p, Tensor grad, Config c, ParamState s) {
        Tensor w = p.value();
        long t = s.nextStep();
        Tensor m = s.getOrZeros("m", w.dtype(), w.shape());
        Tensor v = s.getOrZeros("v", w.dtype(), w.shape());
        double lr = c.lr() * lrScale();
        double bc1 = 1 - Math.pow(c.beta1(), t);
        double bc2 = 1 - Math.pow(c.beta2(), t);
        if (w.dtype() == DType.F32) {
            updateF32(w.data(), w.offset(), grad.data(), grad.offset(), m.data(), v.data(), w.numel(), lr, c, bc1, bc2);
        } else {
            updateF64(w.dataF64(), w.offset(), grad.dataF64(), grad.offset(), m.dataF64(), v.dataF64(), w.numel(), lr,
                    c, bc1, bc2);
        }
    }

    // A flat loop C2 vectorises; every element follows the equations in the class comment.
    private static void updateF32(float[] w, int wo, float[] g, int go, float[] m, float[] v, int n, double lr,
            Config c, double bc1, double bc2) {
        float decay = (float) (1 - lr * c.weightDecay());
        float b1 = (float) c.beta1();
        float b2 = (float) c.beta2();
        float a1 = (float) (1 - c.beta1());
        float a2 = (float) (1 - c.beta2());
        float stepSize = (float) (lr / bc1);
        float invSqrtBc2 = (float) (1 / Math.sqrt(bc2));
        float eps = (float) c.eps();
        for (int i = 0; i < n; i++) {
            float gi = g[go + i];
            float mi = b1 * m[i] + a1 * gi;
            float vi = b2 * v[i] + a2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            w[wo + i] = w[wo + i] * decay - stepSize * mi / ((float) Math.sqrt(vi) * invSqrtBc2 + eps);
        }
    }

    private static void updateF64(double[] w, int wo, double[] g, int go, double[] m, double[] v, int n, double lr,
            Config c, double bc1, double bc2) {
        for (int i = 0; i < n; i++) {
            double gi = g[go + i];
            m[i] = c.beta1() * m[i] + (1 - c.beta1()) * gi;
            v[i] = c.beta2() * v[i] + (1 - c.beta2()) * gi * gi;
            w[wo + i] = w[wo + i] * (1 - lr * c.weightDecay())
                    - lr * (m[i] / bc1) / (Math.sqrt(v[i] / bc2) + c.eps());
        }
    }
}
