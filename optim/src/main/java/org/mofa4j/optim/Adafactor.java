package org.mofa4j.optim;

import java.util.List;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Tensor;

/**
 * Adafactor (Shazeer &amp; Stern, "Adafactor: Adaptive Learning Rates with Sublinear Memory Cost", ICML 2018),
 * with the options and semantics of the HF/fairseq implementation. For step t = 1, 2, ... of each parameter:
 * <pre>
 *   β₂,t = 1 − t^c                                   (c = decayRate = −0.8: β₂,1 = 0, β₂,2 ≈ 0.4257, ...)
 *   ρ_t  = min(1e-2, 1/√t)          relativeStep      (min(1e-6·t, 1/√t) with warmupInit)
 *   ρ_t  = lr                        otherwise
 *   α_t  = ρ_t · max(ε₂, RMS(θ_{t−1}))  scaleParameter   (α_t = ρ_t otherwise), times the schedule's scale
 *   second moment (factored R, C for rank ≥ 2; full v for rank &lt; 2) with Q = G² + ε₁, then
 *   U = G / √V̂,  Û = U / max(1, RMS(U)/d)
 *   θ ← θ·(1 − α_t·λ) − α_t·Û                          (β₁ = 0)
 *   M ← β₁·M + (1−β₁)·α_t·Û,  θ ← θ·(1 − α_t·λ) − M     (β₁ &gt; 0; the momentum holds the scaled step, as in HF)
 * </pre>
 * The factored estimate and update are {@link FactoredSecondMoment}'s, shared with {@link AdaLomo}: AdaLomo's
 * per-parameter step equals this one with β₁ = 0, scaleParameter on, relativeStep off, ε = (1e-30, 1e-3), d = 1
 * and c = −0.8 ({@link Config#adaLomoEquivalent}).
 *
 * <p>State per parameter: R and C (m + n elements) for a tensor of rank ≥ 2 seen as [shape[0], rest], or v (numel)
 * for a vector or scalar; plus M (numel) when β₁ &gt; 0. All in the parameter's dtype. The step counter t is per
 * parameter, as in HF.
 */
public final class Adafactor extends Optimizer<Adafactor.Config> {

    /**
     * Hyperparameters of one group.
     *
     * @param lr             the external step size ρ (with relativeStep off); must be 0 with relativeStep on
     * @param relativeStep   ρ_t = min(1e-2, 1/√t) instead of lr (the paper's schedule)
     * @param warmupInit     ρ_t = min(1e-6·t, 1/√t); needs relativeStep
     * @param scaleParameter multiply ρ_t by max(ε₂, RMS(θ))
     * @param beta1          first-moment decay in [0, 1); 0 keeps no first moment
     * @param decayRate      c in β₂,t = 1 − t^c, finite and &lt; 0
     * @param eps1           ε₁ &gt; 0, added to G²
     * @param eps2           ε₂ ≥ 0, the floor of RMS(θ) in the parameter scale
     * @param clipThreshold  d &gt; 0 of the update clipping Û = U / max(1, RMS(U)/d)
     * @param weightDecay    λ ≥ 0, applied as θ·(1 − α_t·λ)
     */
    public record Config(double lr, boolean relativeStep, boolean warmupInit, boolean scaleParameter, double beta1,
            double decayRate, double eps1, double eps2, double clipThreshold, double weightDecay) {
        public Config {
            Hyper.nonNegative("Adafactor", "lr", lr);
            if (relativeStep && lr != 0) {
                throw new IllegalArgumentException("Adafactor: lr must be 0 when relativeStep is on (the step size is "
                        + "then min(1e-2, 1/√t)), got lr " + lr + "; turn relativeStep off to use an external lr");
            }
            if (!relativeStep && lr == 0) {
                throw new IllegalArgumentException("Adafactor: lr must be > 0 when relativeStep is off, got 0");
            }
            if (warmupInit && !relativeStep) {
                throw new IllegalArgumentException("Adafactor: warmupInit needs relativeStep (it changes the relative "
                        + "step to min(1e-6·t, 1/√t))");
            }
            Hyper.inRange("Adafactor", "beta1", beta1, 0, 1);
            if (!(decayRate < 0) || Double.isInfinite(decayRate)) {
                throw new IllegalArgumentException("Adafactor: decayRate must be finite and < 0 so that β₂,t = "
                        + "1 − t^decayRate rises from 0 towards 1, got " + decayRate);
            }
            Hyper.positive("Adafactor", "eps1", eps1);
            Hyper.nonNegative("Adafactor", "eps2", eps2);
            Hyper.positive("Adafactor", "clipThreshold", clipThreshold);
            Hyper.nonNegative("Adafactor", "weightDecay", weightDecay);
        }

        /** The paper's and HF's defaults: relative step, parameter scaling, no β₁, ε = (1e-30, 1e-3), d = 1. */
        public static Config defaults() {
            return new Config(0, true, false, true, 0, -0.8, 1e-30, 1e-3, 1.0, 0);
        }

        /** An external learning rate without parameter scaling (HF's recommended "lr=1e-3" setting). */
        public static Config externalLr(double lr) {
            return new Config(lr, false, false, false, 0, -0.8, 1e-30, 1e-3, 1.0, 0);
        }

        /** The settings under which one Adafactor step equals one AdaLomo step (algorithms.md §2.3). */
        public static Config adaLomoEquivalent(double lr, double weightDecay) {
            return new Config(lr, false, false, true, 0, -0.8, 1e-30, 1e-3, 1.0, weightDecay);
        }
    }

    public Adafactor(List<ParamGroup<Config>> groups) {
        super("Adafactor", groups);
        for (Variable p : parameters()) {
            if (!p.value().isContiguous()) {
                throw new IllegalArgumentException("Adafactor: parameter '" + p.name() + "' is not contiguous");
            }
        }
    }

    /** One group of parameters. */
    public Adafactor(List<Variable> params, Config config) {
        this(List.of(new ParamGroup<>(params, config)));
    }

    @Override
    protected void checkLoadedState(Variable p, ParamState loaded) {
        int[] mn = FactoredSecondMoment.factoredShape(p.shape());
        if (mn != null) {
            requireShape(p, loaded, FactoredSecondMoment.ROW, mn[0]);
            requireShape(p, loaded, FactoredSecondMoment.COL, mn[1]);
        }
        requireLikeParameter(p, loaded, FactoredSecondMoment.FULL);
        requireLikeParameter(p, loaded, FactoredSecondMoment.MOMENTUM);
    }

    /** β₂,t = 1 − t^c. */
    static double beta2(long t, double decayRate) {
        return 1 - Math.pow(t, decayRate);
    }

    /** The relative step ρ_t, or lr when relativeStep is off. */
    static double relativeStep(Config c, long t) {
        if (!c.relativeStep()) {
            return c.lr();
        }
        double minStep = c.warmupInit() ? 1e-6 * t : 1e-2;
        return Math.min(minStep, 1 / Math.sqrt(t));
    }

    @Override
    protected void update(Variable p, Tensor grad, Config c, ParamState s) {
        Tensor w = p.value();
        long t = s.nextStep();
        double scale = c.scaleParameter() ? Math.max(c.eps2(), FactoredSecondMoment.rms(w)) : 1;
        double alpha = relativeStep(c, t) * scale * lrScale();
        FactoredSecondMoment.update(w, FactoredSecondMoment.Grad.plain(grad), s, new FactoredSecondMoment.StepScalars(
                beta2(t, c.decayRate()), c.eps1(), c.clipThreshold(), alpha, c.weightDecay(), c.beta1()));
    }
}
