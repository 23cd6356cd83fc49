package org.mofa4j.optim;

import java.util.List;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Tensor;

/**
 * LOMO, LOw-Memory Optimization (Lv et al., "Full Parameter Fine-tuning for Large Language Models with Limited
 * Resources", 2023): plain SGD fused into backward, so that neither optimizer state nor a full set of gradients
 * is ever held. Per parameter, when its gradient is final (learning rate η times the schedule's scale):
 * <pre>
 *   g ← clamp(g, −v, v)                      if clipping.maxValue = v &gt; 0
 *   g ← g · min(1, c / (‖g‖_global + 1e-6))   if clipping.maxNorm = c &gt; 0 (two backward passes, see below)
 *   θ ← θ·(1 − η·λ) − η·g
 * </pre>
 * No state: 0 bytes per parameter.
 *
 * <p>Fused use: {@code lomo.attach()} once, then per step {@code lomo.backward(loss)}, which runs the norm pass
 * first when global-norm clipping is on (roughly doubling the backward time, as in the reference). See
 * {@link FusedUpdateOptimizer} for the step protocol, why gradient accumulation is refused, and how this port
 * differs from the reference's "one hook late" scan (it updates each parameter in its own hook). Unattached,
 * {@code step()} applies the same update from stored gradients.
 */
public final class Lomo extends FusedUpdateOptimizer<Lomo.Config> {

    /**
     * Hyperparameters of one group.
     *
     * @param lr          η ≥ 0 (the reference's class default is 1e-3; its 7B recipe uses 0.03 with clipping 1.0)
     * @param weightDecay λ ≥ 0, applied as θ·(1 − η·λ)
     */
    public record Config(double lr, double weightDecay) {
        public Config {
            Hyper.nonNegative("LOMO", "lr", lr);
            Hyper.nonNegative("LOMO", "weightDecay", weightDecay);
        }
    }

    public Lomo(List<ParamGroup<Config>> groups, Clipping clipping) {
        super("LOMO", groups, clipping);
    }

    /** One group, no clipping. */
    public Lomo(List<Variable> params, Config config) {
        this(List.of(new ParamGroup<>(params, config)), Clipping.NONE);
    }

    /** One group with clipping. */
    public Lomo(List<Variable> params, Config config, Clipping clipping) {
        this(List.of(new ParamGroup<>(params, config)), clipping);
    }

    @Override
    protected void update(Variable p, Tensor grad, Config c, ParamState s) {
        s.nextStep();
        double lr = c.lr() * lrScale();
        double decay = 1 - lr * c.weightDecay();
        FactoredSecondMoment.Flat w = new FactoredSecondMoment.Flat(p.value());
        FactoredSecondMoment.GradFlat g = new FactoredSecondMoment.GradFlat(clippedGrad(grad));
        for (int i = 0, n = grad.numel(); i < n; i++) {
            w.set(i, w.get(i) * decay - lr * g.get(i));
        }
    }
}
