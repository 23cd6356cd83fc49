package org.mofa4j.optim;

import java.util.List;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Tensor;

/**
 * SGD with momentum, as PyTorch computes it (learning rate η times the schedule's scale):
 * <pre>
 *   g ← g + λ·W                              (L2 weight decay, coupled)
 *   b ← g                 at the first step
 *   b ← μ·b + (1−τ)·g     afterwards          (τ = dampening)
 *   d = g + μ·b  (Nesterov)   or   d = b
 *   W ← W − η·d
 * </pre>
 * With μ = 0 there is no state. Otherwise the momentum buffer b is numel floats.
 */
public final class Sgd extends Optimizer<Sgd.Config> {

    /** Hyperparameters of one group. */
    public record Config(double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        public Config {
            Hyper.nonNegative("SGD", "lr", lr);
            Hyper.inRange("SGD", "momentum", momentum, 0, 1);
            Hyper.inRange("SGD", "dampening", dampening, 0, 1);
            Hyper.nonNegative("SGD", "weightDecay", weightDecay);
            if (nesterov && (momentum == 0 || dampening != 0)) {
                throw new IllegalArgumentException("SGD: Nesterov momentum needs momentum > 0 and dampening = 0, got "
                        + "momentum " + momentum + ", dampening " + dampening);
            }
        }

        /** Momentum 0.9, no dampening, no decay, no Nesterov. */
        public static Config momentum(double lr) {
            return new Config(lr, 0.9, 0, 0, false);
        }
    }

    public Sgd(List<ParamGroup<Config>> groups) {
        super("SGD", groups);
    }

    public Sgd(List<Variable> params, Config config) {
        this(List.of(new ParamGroup<>(params, config)));
    }

    @Override
    protected void checkLoadedState(Variable p, ParamState loaded) {
        requireLikeParameter(p, loaded, "momentum");
    }

    @Override
    protected void update(Variable p, Tensor grad, Config c, ParamState s) {
        Tensor w = p.value();
        double lr = c.lr() * lrScale();
        Tensor d = c.weightDecay() == 0 ? grad : grad.add(w.mul(c.weightDecay()));
        if (c.momentum() != 0) {
            Tensor b = s.get("momentum");
            if (b == null) {
                b = d.copy();
                s.put("momentum", b);
            } else {
                b.mulInPlace(c.momentum()).addScaledInPlace(1 - c.dampening(), d);
            }
            d = c.nesterov() ? d.add(b.mul(c.momentum())) : b;
        }
        s.nextStep();
        w.addScaledInPlace(-lr, d);
    }
}
