package org.mofa4j.optim;

import java.util.List;
import java.util.Map;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Tensor;

/**
 * AdaLomo (Lv et al., "AdaLomo: Low-memory Optimization with Adaptive Learning Rate", 2023): LOMO's
 * update-in-backward with Adafactor's factored second moment and grouped update normalisation, following the
 * reference code (OpenLMLab/LOMO {@code adalomo.py}). With a global step counter t (the first update has t = 1)
 * and learning rate η times the schedule's scale, per parameter θ (m×n, or a vector):
 * <pre>
 *   g ← clamp(g, −v, v), g ← g·clip_coef         optional, as in {@link Lomo}
 *   β₂,t = 1 − t^c  (c = decayRate = −0.8)         or a constant β₂ ({@link Beta2Rule#CONSTANT}, the paper's form)
 *   Q = g² + ε₁;  R ← β₂R + (1−β₂)·rowmean(Q);  C ← β₂C + (1−β₂)·colmean(Q);  V̂ = (R / mean R)·Cᵀ
 *                   (vectors: v ← β₂v + (1−β₂)·Q, V̂ = v)
 *   u = g / √V̂,   û = u / max(1, RMS(u)/d)         grouped normalisation, RMS over the whole tensor, d = 1
 *   α = η · max(ε₂, RMS(θ))                         RMS of θ before this step's decay and update
 *   θ ← θ·(1 − α·λ) − α·û                           the decay uses the scaled α, unlike AdamW's η·λ
 * </pre>
 * The per-parameter step is {@link FactoredSecondMoment}'s, shared with {@link Adafactor}: one AdaLomo step equals
 * one Adafactor step with {@link Adafactor.Config#adaLomoEquivalent}. What differs is only when it runs (inside
 * backward), the global step counter, and the clipping options.
 *
 * <p><b>Paper vs code.</b> The paper's Algorithm 1 uses a constant β, row/column sums without ε₁, and writes
 * u = g / v. The sums give exactly the same V̂ as the code's means (the normalisation by ΣR cancels the factors n
 * and m), the missing square root is a typo (Adafactor's √ is meant), and ε₁ only guards zero gradients, so the
 * one real difference is β₂: {@link Beta2Rule#SCHEDULE} (1 − t^c, the code's, with no bias to correct since
 * β₂,1 = 0) is the default because it is what the published results were trained with and because a constant β
 * starting from zero state under-estimates V̂ in the first steps; {@link Beta2Rule#CONSTANT} gives the paper's
 * form. Weight decay and clipping (absent in the paper) default to off, which matches both.
 *
 * <p><b>Step counter.</b> The reference increments t before each fused backward, so its first update has t = 1.
 * Here t is advanced just before a step's first parameter update (fused), or at the start of {@link #step()}
 * (unfused): the same values. The state dict stores each parameter's last update step as {@code <name>.step};
 * loading restores t as their maximum. Unlike the reference, R, C and v are in the state dict.
 *
 * <p>State: m + n elements per matrix, numel per vector, in the parameter's dtype; nothing else. Fused use,
 * gradient accumulation, clipping: see {@link FusedUpdateOptimizer}.
 */
public final class AdaLomo extends FusedUpdateOptimizer<AdaLomo.Config> {

    /** How β₂ is chosen each step. */
    public enum Beta2Rule {
        /** β₂,t = 1 − t^decayRate (reference code; default). */
        SCHEDULE,
        /** β₂ = beta2 at every step (paper, Algorithm 1). */
        CONSTANT
    }

    /**
     * Hyperparameters of one group.
     *
     * @param lr            η ≥ 0 (reference default 1e-3; its recipes use 5e-4 for instruction tuning, 1e-3 for
     *                      further pre-training)
     * @param weightDecay   λ ≥ 0, applied as θ·(1 − α·λ) with the scaled α
     * @param beta2Rule     {@link Beta2Rule#SCHEDULE} (default) or {@link Beta2Rule#CONSTANT}
     * @param decayRate     c &lt; 0 in β₂,t = 1 − t^c (used by SCHEDULE)
     * @param beta2         the constant β₂ in [0, 1) (used by CONSTANT)
     * @param eps1          ε₁ &gt; 0 added to g²
     * @param eps2          ε₂ ≥ 0, the floor of RMS(θ)
     * @param clipThreshold d &gt; 0 of the grouped normalisation
     */
    public record Config(double lr, double weightDecay, Beta2Rule beta2Rule, double decayRate, double beta2,
            double eps1, double eps2, double clipThreshold) {
        public Config {
            Hyper.nonNegative("AdaLomo", "lr", lr);
            Hyper.nonNegative("AdaLomo", "weightDecay", weightDecay);
            if (beta2Rule == null) {
                throw new IllegalArgumentException("AdaLomo: beta2Rule is null; use SCHEDULE or CONSTANT");
            }
            if (!(decayRate < 0) || Double.isInfinite(decayRate)) {
                throw new IllegalArgumentException("AdaLomo: decayRate must be finite and < 0 so that β₂,t = "
                        + "1 − t^decayRate rises from 0 towards 1, got " + decayRate);
            }
            Hyper.inRange("AdaLomo", "beta2", beta2, 0, 1);
            Hyper.positive("AdaLomo", "eps1", eps1);
            Hyper.nonNegative("AdaLomo", "eps2", eps2);
            Hyper.positive("AdaLomo", "clipThreshold", clipThreshold);
        }

        /** The reference's defaults at this learning rate: β₂ schedule c = −0.8, ε = (1e-30, 1e-3), d = 1, λ = 0. */
        public static Config defaults(double lr) {
            return new Config(lr, 0, Beta2Rule.SCHEDULE, -0.8, 0.999, 1e-30, 1e-3, 1.0);
        }

        /** The paper's Algorithm 1 form: a constant β₂, otherwise the defaults. */
        public static Config paperConstantBeta2(double lr, double beta2) {
            return new Config(lr, 0, Beta2Rule.CONSTANT, -0.8, beta2, 1e-30, 1e-3, 1.0);
        }

        /** This config with weight decay λ. */
        public Config withWeightDecay(double lambda) {
            return new Config(lr, lambda, beta2Rule, decayRate, beta2, eps1, eps2, clipThreshold);
        }

        /** β₂ at global step t ≥ 1. */
        public double beta2At(long t) {
            return beta2Rule == Beta2Rule.CONSTANT ? beta2 : Adafactor.beta2(t, decayRate);
        }
    }

    /** Global step counter: the t of the last (or current) step; 0 before the first. */
    private long globalStep;

    public AdaLomo(List<ParamGroup<Config>> groups, Clipping clipping) {
        super("AdaLomo", groups, clipping);
    }

    /** One group, no clipping (the reference's default, and its README's advice for AdaLomo). */
    public AdaLomo(List<Variable> params, Config config) {
        this(List.of(new ParamGroup<>(params, config)), Clipping.NONE);
    }

    /** One group with clipping. */
    public AdaLomo(List<Variable> params, Config config, Clipping clipping) {
        this(List.of(new ParamGroup<>(params, config)), clipping);
    }

    /** The global step t: 0 before the first update, then the t of the latest step. */
    public long globalStep() {
        return globalStep;
    }

    @Override
    protected void beginStep() {
        globalStep++;
    }

    @Override
    protected void update(Variable p, Tensor grad, Config c, ParamState s) {
        long t = globalStep;
        while (s.step() < t) {
            s.nextStep();   // the state's step records the global t of this parameter's last update
        }
        Tensor w = p.value();
        double alpha = c.lr() * lrScale() * Math.max(c.eps2(), FactoredSecondMoment.rms(w));
        Inspection inspection = inspection();
        boolean due = inspection != null && w.rank() == 2 && inspection.due(t);
        Tensor weightBefore = due ? w.copy() : null;
        double rmsRaw = FactoredSecondMoment.update(w, clippedGrad(grad), s, new FactoredSecondMoment.StepScalars(
                c.beta2At(t), c.eps1(), c.clipThreshold(), alpha, c.weightDecay(), 0));
        if (due) {
            inspection.onAdaLomoStep(new Inspection.AdaLomoStep(p.name(), t, grad, rmsRaw,
                    rmsRaw / Math.max(1, rmsRaw / c.clipThreshold()), alpha, weightBefore, w));
        }
    }

    /** Restores the state and the global step t (the largest {@code <name>.step} in the dict). */
    @Override
    public void loadStateDict(Map<String, Tensor> state) {
        super.loadStateDict(state);
        long t = 0;
        for (Variable p : parameters()) {
            Tensor step = state.get(p.name() + ".step");
            if (step != null) {
                t = Math.max(t, (long) step.item());
            }
        }
        globalStep = t;
    }
}
