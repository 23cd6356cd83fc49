package org.mofa4j.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * MoFaSGD, momentum-factorised SGD (Mahdavinia &amp; Mahdavi, "Low-rank Momentum Factorization for Memory
 * Efficient Training", TMLR 2025, arXiv 2507.08091; spec: docs/algorithms.md §1).
 *
 * <p>Each 2-D parameter W [m, n] keeps its momentum as a rank-r SVD M = U·diag(S)·Vᵀ, r = min(rank, m, n):
 * r·(m+n+1) numbers instead of m·n. Each step, with gradient G and learning rate lr (times the schedule's
 * scale):
 * <pre>
 *   M⁺ = SVD_r(β·M + P_T(G)),  P_T(G) = UUᵀG + GVVᵀ − UUᵀGVVᵀ     (UMF, see {@link LowRankMomentum})
 *   W ← W − lr·( η₁·U⁺·diag(φ(S⁺))·V⁺ᵀ + η₂·(I − P_U)·G·(I − P_V) )
 *   φ(s) = 0 if |s| ≤ eps;  else 1 (SPECTRAL)  or  min(1/s, maxValue) (RECIPROCAL_CAPPED)
 * </pre>
 * The momentum is the sum form M = β·M + G of the reference code (no (1−β)); with the SPECTRAL step the
 * scale of M does not matter. P_U, P_V use the new factors when {@code useCurrentProjection}, else the old
 * ones. With {@code nesterov}, UMF runs a second time on the same G from the new factors and that look-ahead
 * is used for the update only; the stored state is the first result. There is no weight decay, as in both
 * reference repositories.
 *
 * <p><b>Defaults: paper vs code.</b> {@link Config#paper} follows the paper and the spec's recommendation
 * (§1.5): SPECTRAL update U·Vᵀ ("spectrally normalised updates" in the abstract), η₁ = 1, η₂ = 0, and
 * GRADIENT init. Gradient init sets U₀, V₀ to the top-r singular vectors of G₁ and S₀ = 0, then runs the
 * normal UMF, which gives exactly M₁ = SVD_r(G₁) (G₁ is counted once). The reference code instead starts from
 * the SVD of W itself (WEIGHT_SVD), whose σ(W) then dominates the momentum for tens of steps and, with the
 * 1/S step, acts as an accidental warm-up; for zero-initialised matrices it starts from an arbitrary tangent
 * space. {@link Config#reference} reproduces the reference class defaults (RECIPROCAL_CAPPED, WEIGHT_SVD,
 * η₂ = 1, eps 1e-4, cap 1e4, previous projectors). The initial top-r SVD (of G₁ or W) is EJML's exact dense
 * SVD when m·n·min(m, n) ≤ 2²⁵ and otherwise a randomised range finder (10 extra columns, 2 power iterations,
 * seeded from the parameter name, so deterministic), as the spec allows; after that there is no full-matrix
 * SVD, only two thin QRs and one 2r×2r SVD per step.
 *
 * <p><b>Memory.</b> State per parameter: U [m, r], S [r], V [n, r] in the parameter's dtype, exactly
 * r·(m+n+1)·bytes. Per step the products G·V, Gᵀ·U ([m, r], [n, r]) and the float64 QR factors
 * (m×2r, n×2r) are transient. The update is added to W in place (GEMM with accumulate) from U·diag(−lr·η₁·φ)
 * [m, r] and Vᵀ, so no m×n temporary exists; the η₂ term is applied the same way as
 * W −= c·G, W += c·U·(GᵀU)ᵀ, W += c·((I−UUᵀ)GV)·Vᵀ, reusing G·V and Gᵀ·U, with no temporary larger than
 * [max(m, n), r] (never UUᵀ or VVᵀ), and is skipped entirely when η₂ = 0.
 *
 * <p><b>Fused mode</b> ({@link #attach()}, spec §1.8): a gradient-ready hook adds G·V and Gᵀ·U of every
 * micro-batch into per-parameter accumulators ("GV" [m, r], "GtU" [n, r], in the state dict while pending)
 * and consumes G, so no m×n gradient outlives its backward node. For a dense layer's weight the m×n gradient is
 * not even formed: the products arrive from dY and X through an {@link org.mofa4j.autograd.OuterProductGradSink}
 * as dYᵀ·(X·V) and Xᵀ·(dY·U). Both products are linear in G, so summing
 * them over micro-batches is exactly gradient accumulation; C₀ = Uᵀ·(ΣG·V) is formed at {@link #step()}
 * (U does not change between micro-batches), which saves the r×r accumulator of the reference. The first step
 * under GRADIENT init has no factors yet, so the same two products are taken with Gaussian test matrices
 * instead of V and U: a single-pass sketch G₁·Ω [m, k], G₁ᵀ·Ψ [n, l] (k = r + 10, l = 2k + 1, capped by the
 * shape; Ω, Ψ regenerated from a seed, not kept), from which step() rebuilds Ĝ₁ and starts from M₁ = SVD_r(Ĝ₁)
 * (see {@link LowRankMomentum#fromSketch}; exact when rank(G₁) ≤ k, a randomised initial SVD as the spec
 * allows otherwise). So fused mode never holds an m×n gradient, not even on the first step; unfused mode
 * starts from G₁ itself. WEIGHT_SVD init happens in the first hook instead. Fused mode requires η₂ = 0 and no Nesterov (both need the full gradient at step time,
 * which never exists); {@link #attach()} refuses them rather than ignoring them as the reference does.
 * Parameters that received no gradient are skipped, as in unfused mode (the reference hook variant runs
 * UMF with zeros).
 */
public final class MoFaSgd extends Optimizer<MoFaSgd.Config> implements FusedInBackward {

    /** The weight step built from the factors. */
    public enum UpdateForm {
        /** U·Vᵀ over the singular values above eps: the paper's spectrally normalised step. */
        SPECTRAL,
        /** U·diag(min(1/s, maxValue))·Vᵀ over the singular values above eps: the reference code's default. */
        RECIPROCAL_CAPPED
    }

    /** How the factors are initialised at a parameter's first update. */
    public enum Init {
        /** U₀, V₀ = top-r singular vectors of G₁, S₀ = 0, so M₁ = SVD_r(G₁). Paper / spec recommendation. */
        GRADIENT,
        /** U, S, V = top-r SVD of W itself, so M₀ = W_r (reference code). */
        WEIGHT_SVD
    }

    /**
     * Linear β ramp of the NanoGPT reference: at the t-th update (t = 1, 2, ...)
     * β = (1−f)·betaStart + f·betaEnd with f = min((t−1)/steps, 1). It overrides {@link Config#beta()}.
     */
    public record BetaWarmup(double betaStart, double betaEnd, int steps) {
        public BetaWarmup {
            Hyper.inRange("MoFaSGD", "betaWarmup.betaStart", betaStart, 0, 1);
            Hyper.inRange("MoFaSGD", "betaWarmup.betaEnd", betaEnd, 0, 1);
            Hyper.atLeast("MoFaSGD", "betaWarmup.steps", steps, 1);
        }

        /** β for the update after {@code completedSteps} updates. */
        public double betaAt(long completedSteps) {
            double f = Math.min((double) completedSteps / steps, 1.0);
            return (1 - f) * betaStart + f * betaEnd;
        }
    }

    /**
     * Hyperparameters of one group.
     *
     * @param lr                   learning rate (≥ 0)
     * @param rank                 requested rank r (≥ 1), clipped to min(m, n) per parameter
     * @param beta                 momentum decay in [0, 1) (ignored when betaWarmup is set)
     * @param eta1                 weight of the low-rank momentum step
     * @param eta2                 weight of the normal component (I−P_U)·G·(I−P_V); 0 skips it
     * @param eps                  singular values with |s| ≤ eps are dropped from the step
     * @param maxValue             cap on 1/s for RECIPROCAL_CAPPED (&gt; 0)
     * @param updateForm           SPECTRAL or RECIPROCAL_CAPPED
     * @param init                 GRADIENT or WEIGHT_SVD
     * @param useCurrentProjection η₂ projectors from the new (look-ahead) factors instead of the old ones
     * @param nesterov             update from a second UMF on the same G (state keeps the first)
     * @param betaWarmup           optional β ramp, or null
     */
    public record Config(double lr, int rank, double beta, double eta1, double eta2, double eps, double maxValue,
            UpdateForm updateForm, Init init, boolean useCurrentProjection, boolean nesterov, BetaWarmup betaWarmup) {
        public Config {
            Hyper.nonNegative("MoFaSGD", "lr", lr);
            Hyper.atLeast("MoFaSGD", "rank", rank, 1);
            Hyper.inRange("MoFaSGD", "beta", beta, 0, 1);
            Hyper.nonNegative("MoFaSGD", "eta1", eta1);
            Hyper.nonNegative("MoFaSGD", "eta2", eta2);
            Hyper.nonNegative("MoFaSGD", "eps", eps);
            Hyper.positive("MoFaSGD", "maxValue", maxValue);
            if (updateForm == null || init == null) {
                throw new IllegalArgumentException("MoFaSGD: " + (updateForm == null ? "updateForm" : "init")
                        + " must not be null");
            }
        }

        /** Paper form: β 0.9, U·Vᵀ step, η₁ 1, η₂ 0, eps 1e-8, gradient init, current projectors. */
        public static Config paper(double lr, int rank) {
            return new Config(lr, rank, 0.9, 1.0, 0.0, 1e-8, 1e4, UpdateForm.SPECTRAL, Init.GRADIENT, true, false,
                    null);
        }

        /** The reference class defaults: β 0.9, capped 1/S step, η₁ = η₂ = 1, eps 1e-4, cap 1e4, SVD(W) init. */
        public static Config reference(double lr, int rank) {
            return new Config(lr, rank, 0.9, 1.0, 1.0, 1e-4, 1e4, UpdateForm.RECIPROCAL_CAPPED, Init.WEIGHT_SVD,
                    false, false, null);
        }

        public Config withBeta(double b) {
            return new Config(lr, rank, b, eta1, eta2, eps, maxValue, updateForm, init, useCurrentProjection,
                    nesterov, betaWarmup);
        }

        public Config withEtas(double e1, double e2) {
            return new Config(lr, rank, beta, e1, e2, eps, maxValue, updateForm, init, useCurrentProjection,
                    nesterov, betaWarmup);
        }

        public Config withStepShape(UpdateForm form, double epsilon, double cap) {
            return new Config(lr, rank, beta, eta1, eta2, epsilon, cap, form, init, useCurrentProjection, nesterov,
                    betaWarmup);
        }

        public Config withInit(Init how) {
            return new Config(lr, rank, beta, eta1, eta2, eps, maxValue, updateForm, how, useCurrentProjection,
                    nesterov, betaWarmup);
        }

        public Config withProjection(boolean current) {
            return new Config(lr, rank, beta, eta1, eta2, eps, maxValue, updateForm, init, current, nesterov,
                    betaWarmup);
        }

        public Config withNesterov(boolean on) {
            return new Config(lr, rank, beta, eta1, eta2, eps, maxValue, updateForm, init, useCurrentProjection, on,
                    betaWarmup);
        }

        public Config withBetaWarmup(BetaWarmup warmup) {
            return new Config(lr, rank, beta, eta1, eta2, eps, maxValue, updateForm, init, useCurrentProjection,
                    nesterov, warmup);
        }

        /** β for the update after {@code completedSteps} updates of a parameter. */
        public double betaAt(long completedSteps) {
            return betaWarmup == null ? beta : betaWarmup.betaAt(completedSteps);
        }

        /** φ(s): the weight of singular direction s in the step. */
        public double phi(double s) {
            if (Math.abs(s) <= eps) {
                return 0.0;
            }
            return updateForm == UpdateForm.SPECTRAL ? 1.0 : Math.min(1.0 / s, maxValue);
        }
    }

    /**
     * A read-only snapshot (copies) of one parameter's factors, for diagnostics.
     *
     * @param u [m, r], orthonormal columns
     * @param s [r], non-negative, descending
     * @param v [n, r], orthonormal columns
     */
    public record Factors(Tensor u, Tensor s, Tensor v) {
        /** The implied momentum U·diag(S)·Vᵀ [m, n] (allocates m×n; diagnostics only). */
        public Tensor momentum() {
            return u.mul(s).matmul(v.t());
        }
    }

    // State keys: the factors, and the fused accumulators while a step is pending.
    static final String U = "U";
    static final String S = "S";
    static final String V = "V";
    static final String ACC_GV = "GV";
    static final String ACC_GTU = "GtU";
    /** The single-pass sketch of G₁ of a fused first step under GRADIENT init: G·Ω [m, k] and Gᵀ·Ψ [n, l]. */
    static final String SKETCH_Y = "SketchY";
    static final String SKETCH_W = "SketchW";
    private static final Set<String> KEYS = Set.of("step", U, S, V, ACC_GV, ACC_GTU, SKETCH_Y, SKETCH_W);

    private final IdentityHashMap<Variable, Config> configOf = new IdentityHashMap<>();
    /** Parameters whose factors exist, with their state (a subset of the base class's states). */
    private final IdentityHashMap<Variable, ParamState> factored = new IdentityHashMap<>();
    /** Parameters with fused accumulators waiting for step(). */
    private final Set<Variable> pending = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean attached;

    public MoFaSgd(List<ParamGroup<Config>> groups) {
        super("MoFaSGD", groups);
        for (ParamGroup<Config> g : groups()) {
            for (Variable p : g.params()) {
                if (p.value().rank() != 2) {
                    throw new IllegalArgumentException("MoFaSGD: parameter '" + p.name() + "' has shape "
                            + Shapes.str(p.shape()) + "; only 2-D matrices have momentum factors (route it to "
                            + "AdamW, see ParameterRouting)");
                }
                configOf.put(p, g.config());
            }
        }
    }

    /** One group of parameters. */
    public MoFaSgd(List<Variable> params, Config config) {
        this(List.of(new ParamGroup<>(params, config)));
    }

    /**
     * MoFaSGD on the hidden matrices and AdamW on embeddings, the head and every non-2-D parameter, split by
     * {@link ParameterRouting#byDefault}. An empty side is left out.
     */
    public static CompositeOptimizer withAdamWFallback(List<Variable> params, Config mofa, AdamW.Config adamw) {
        return withAdamWFallback(params, mofa, adamw, ParameterRouting::isHiddenMatrix);
    }

    /**
     * As {@link #withAdamWFallback(List, Config, AdamW.Config)} with another routing policy, e.g.
     * {@link ParameterRouting#isMatrix} (embeddings and head under MoFaSGD too).
     */
    public static CompositeOptimizer withAdamWFallback(List<Variable> params, Config mofa, AdamW.Config adamw,
            java.util.function.Predicate<Variable> lowRank) {
        return CompositeOptimizer.routed(ParameterRouting.split(params, lowRank), ps -> new MoFaSgd(ps, mofa),
                ps -> new AdamW(ps, adamw));
    }

    /** The factor rank of p: min(rank, m, n). */
    public int rank(Variable p) {
        Config c = configOf(p);
        return Math.min(c.rank(), Math.min(p.value().dim(0), p.value().dim(1)));
    }

    /** Copies of p's current factors, or null before its first update. */
    public Factors factors(Variable p) {
        configOf(p);
        ParamState s = factored.get(p);
        return s == null ? null : new Factors(s.get(U).copy(), s.get(S).copy(), s.get(V).copy());
    }

    private Config configOf(Variable p) {
        Config c = configOf.get(p);
        if (c == null) {
            throw new IllegalArgumentException("MoFaSGD: '" + p.name() + "' is not a parameter of this optimizer");
        }
        return c;
    }

    // ---------------------------------------------------------------- steps

    /** Updates every parameter that has a gradient or, in fused mode, accumulated products or a sketch. */
    @Override
    public void step() {
        if (!checkBeforeStep()) {
            discardPending();
            return;
        }
        for (ParamGroup<Config> g : groups()) {
            for (Variable p : g.params()) {
                Tensor grad = p.grad();
                if (pending.contains(p)) {
                    if (grad != null) {
                        throw new IllegalStateException("MoFaSGD: parameter '" + p.name() + "' has both fused "
                                + "accumulators and a gradient in grad(); call step() before detach()");
                    }
                    ParamState s = state(p);
                    if (s.get(U) == null) {
                        firstStepFromSketch(p, g.config(), s);
                    } else {
                        momentumStep(p, g.config(), s, s.get(ACC_GV), s.get(ACC_GTU), null);
                    }
                    s.remove(ACC_GV);
                    s.remove(ACC_GTU);
                    pending.remove(p);
                } else if (grad != null) {
                    update(p, grad.contiguous(), g.config(), state(p));
                    if (attached) {
                        p.setGrad(null);
                    }
                } else {
                    continue;
                }
                p.value().markModified();
            }
        }
    }

    /**
     * The step reads the gradient, or in fused mode the accumulated G·V and Gᵀ·U: a NaN or Inf in G reaches
     * both, so checking them catches a bad micro-batch before any factor or weight changes.
     */
    @Override
    protected Map<String, Tensor> stepInputs(Variable p) {
        if (pending.contains(p)) {
            ParamState s = state(p);
            if (s.get(U) == null) {
                return Map.of("sketch G·Ω of the first gradient (fused)", s.get(SKETCH_Y),
                        "sketch Gᵀ·Ψ of the first gradient (fused)", s.get(SKETCH_W));
            }
            return Map.of("accumulated G·V (fused gradient product)", s.get(ACC_GV),
                    "accumulated Gᵀ·U (fused gradient product)", s.get(ACC_GTU));
        }
        return super.stepInputs(p);
    }

    /**
     * A skipped step (NonFiniteGradPolicy.SKIP_STEP) in fused mode drops the accumulated products and the
     * gradients kept for a first step, so the bad micro-batches do not leak into the next step. Unfused, the
     * gradients stay where they are, as for every optimizer.
     */
    private void discardPending() {
        for (Variable p : pending) {
            ParamState s = state(p);
            s.remove(ACC_GV);
            s.remove(ACC_GTU);
            s.remove(SKETCH_Y);
            s.remove(SKETCH_W);
        }
        pending.clear();
        if (attached) {
            for (Variable p : parameters()) {
                p.setGrad(null);
            }
        }
    }

    @Override
    protected void update(Variable p, Tensor grad, Config c, ParamState s) {
        if (s.get(U) == null) {
            initialise(p, c, s, c.init() == Init.GRADIENT ? grad : p.value());
        }
        Tensor a = grad.matmul(s.get(V)); // G·V [m, r]
        Tensor bt = transposeTimes(grad, s.get(U)); // Gᵀ·U [n, r]
        momentumStep(p, c, s, a, bt, grad);
    }

    /**
     * Gᵀ·U [n, r] for G [m, n], U [m, r], computed as (Uᵀ·G)ᵀ: a transposed view of an [r, n] product whose
     * wide operand G is read row by row, which the GEMM does about twice as fast as [n, m]·[m, r] on Gᵀ.
     * Every element is the same k-blocked fma chain either way (see Gemm), so the bits are the same.
     */
    static Tensor transposeTimes(Tensor grad, Tensor u) {
        return u.t().matmul(grad).t();
    }

    /**
     * UMF from A = G·V and Bt = Gᵀ·U, then the weight update. {@code grad} is null in fused mode (then
     * η₂ = 0 and no Nesterov, checked by attach()).
     */
    private void momentumStep(Variable p, Config c, ParamState s, Tensor a, Tensor bt, Tensor grad) {
        double beta = c.betaAt(s.step());
        Tensor u = s.get(U);
        Tensor v = s.get(V);
        Tensor sBefore = s.get(S);
        Inspection inspection = inspection();
        boolean due = inspection != null && inspection.due(s.step() + 1);
        Tensor weightBefore = due ? p.value().copy() : null;
        LowRankMomentum.Factors next = LowRankMomentum.umf(u, s.get(S), v, a, bt, beta, p.name());
        s.put(U, next.u());
        s.put(S, next.s());
        s.put(V, next.v());
        LowRankMomentum.Factors look = next;
        if (c.nesterov() && grad != null) {
            look = LowRankMomentum.umf(next.u(), next.s(), next.v(), grad.matmul(next.v()),
                    transposeTimes(grad, next.u()), beta, p.name());
        }
        double lr = c.lr() * lrScale();
        Tensor w = p.value();
        addLowRankStep(w, look, c, lr * c.eta1());
        if (c.eta2() != 0 && lr != 0 && grad != null) {
            if (c.useCurrentProjection()) {
                addNormalComponent(w, grad, look.u(), look.v(), grad.matmul(look.v()),
                        transposeTimes(grad, look.u()), lr * c.eta2());
            } else {
                addNormalComponent(w, grad, u, v, a, bt, lr * c.eta2());
            }
        }
        long t = s.nextStep();
        if (inspection != null) {
            inspection.onMoFaSgdStep(new Inspection.MoFaSgdStep(p.name(), t, due, beta, grad,
                    new Factors(u, sBefore, v), new Factors(next.u(), next.s(), next.v()), a, bt, weightBefore, w));
        }
    }

    /** Inspection needs the full gradient at step time, which fused mode never keeps, so the two exclude each other. */
    @Override
    public void setInspection(Inspection inspection) {
        if (inspection != null && attached) {
            throw new IllegalStateException("MoFaSGD: inspection needs the full gradient at each step, which fused "
                    + "mode consumes inside backward; detach() first (train without --fused)");
        }
        super.setInspection(inspection);
    }

    /** W −= scale·U·diag(φ(S))·Vᵀ in place, as one accumulating GEMM of [m, r]·[r, n]. Modifies: w. */
    private static void addLowRankStep(Tensor w, LowRankMomentum.Factors f, Config c, double scale) {
        int r = f.s().numel();
        double[] coef = new double[r];
        boolean any = false;
        for (int i = 0; i < r; i++) {
            coef[i] = -scale * c.phi(f.s().getFlat(i));
            any |= coef[i] != 0;
        }
        if (!any) {
            return;
        }
        Tensor scaledU = f.u().mul(Tensor.of(coef, r).to(w.dtype())); // U·diag(−scale·φ) [m, r]
        Tensor.matmulInto(scaledU, f.v().t(), w, true);
    }

    /**
     * W −= scale·(I − PuPuᵀ)·G·(I − PvPvᵀ) without m×m or n×n projectors, using
     * (I − PuPuᵀ)·G·(I − PvPvᵀ) = G − Pu·(Puᵀ·G) − ((I − PuPuᵀ)·G·Pv)·Pvᵀ. Modifies: w.
     *
     * @param gpv  G·Pv [m, r]
     * @param gtpu Gᵀ·Pu [n, r]
     */
    private static void addNormalComponent(Tensor w, Tensor grad, Tensor pu, Tensor pv, Tensor gpv, Tensor gtpu,
            double scale) {
        Tensor leftOut = gpv.sub(pu.matmul(pu.t().matmul(gpv))); // (I − PuPuᵀ)·G·Pv [m, r]
        w.addScaledInPlace(-scale, grad);
        Tensor.matmulInto(pu.mul(scale), gtpu.t(), w, true); // + scale·Pu·(Puᵀ·G)
        Tensor.matmulInto(leftOut.mul(scale), pv.t(), w, true); // + scale·leftOut·Pvᵀ
    }

    /** Factors from the top-r SVD of {@code source} (G₁ or W); S₀ = 0 for gradient init. */
    private void initialise(Variable p, Config c, ParamState s, Tensor source) {
        int r = rank(p);
        LowRankMomentum.Factors f = LowRankMomentum.topSingular(source, r, seedOf(p), p.name());
        s.put(U, f.u());
        s.put(S, c.init() == Init.GRADIENT ? Tensor.zeros(p.value().dtype(), r) : f.s());
        s.put(V, f.v());
        factored.put(p, s);
    }

    /** The seed of p's random initial SVD and sketch test matrices: from its name, so runs are reproducible. */
    private static long seedOf(Variable p) {
        return 0x4D6F4661L ^ ((long) p.name().hashCode() << 16);
    }

    /**
     * The fused first step under GRADIENT init: the factors of Ĝ₁, the matrix reconstructed from the sketch
     * (see {@link LowRankMomentum#fromSketch}), become U₀, V₀ with S₀ = 0, as {@link #initialise} does with G₁,
     * and the ordinary step follows from Ĝ₁·V₀ = U₀·diag(σ) and Ĝ₁ᵀ·U₀ = V₀·diag(σ), so M₁ = SVD_r(Ĝ₁).
     */
    private void firstStepFromSketch(Variable p, Config c, ParamState s) {
        int m = p.value().dim(0);
        LowRankMomentum.SketchSize size = sketchSize(p);
        Tensor psi = LowRankMomentum.corangeTest(seedOf(p), p.value().dtype(), m, size.l());
        LowRankMomentum.Factors g1 = LowRankMomentum.fromSketch(s.get(SKETCH_Y), s.get(SKETCH_W), psi, rank(p),
                p.name());
        s.remove(SKETCH_Y);
        s.remove(SKETCH_W);
        s.put(U, g1.u());
        s.put(S, Tensor.zeros(p.value().dtype(), rank(p)));
        s.put(V, g1.v());
        factored.put(p, s);
        momentumStep(p, c, s, g1.u().mul(g1.s()), g1.v().mul(g1.s()), null);
    }

    private LowRankMomentum.SketchSize sketchSize(Variable p) {
        return LowRankMomentum.SketchSize.of(rank(p), p.value().dim(0), p.value().dim(1));
    }

    // ---------------------------------------------------------------- fused mode

    /** Registers the accumulating hooks; refuses η₂ ≠ 0 and Nesterov, which need the full gradient. */
    @Override
    public void attach() {
        if (attached) {
            return;
        }
        if (inspection() != null) {
            throw new IllegalStateException("MoFaSGD: fused mode cannot be inspected (inspection needs the full "
                    + "gradient at each step); clear it with setInspection(null) first");
        }
        for (ParamGroup<Config> g : groups()) {
            Config c = g.config();
            if (c.eta2() != 0) {
                throw new IllegalStateException("MoFaSGD: fused mode never holds the full gradient, so the η₂ term "
                        + "cannot be applied; set eta2 = 0, got " + c.eta2());
            }
            if (c.nesterov()) {
                throw new IllegalStateException("MoFaSGD: fused mode cannot run Nesterov's second UMF (it needs "
                        + "G·V⁺ and Gᵀ·U⁺ for the new factors); set nesterov = false");
            }
        }
        for (Variable p : parameters()) {
            p.addGradReadyHook(this::accumulate);
            p.setOuterProductGradSink(this::accumulateFactored);
        }
        attached = true;
    }

    /** Removes the hooks (all gradient-ready hooks of these parameters). Pending products stay for step(). */
    @Override
    public void detach() {
        for (Variable p : parameters()) {
            p.clearGradReadyHooks();
            p.setOuterProductGradSink(null);
        }
        attached = false;
    }

    @Override
    public boolean isAttached() {
        return attached;
    }

    /**
     * Where this step's products of G go: G·right is added into {@code gRight} and Gᵀ·left into {@code gtLeft}.
     * With factors, left = U, right = V and the accumulators are G·V [m, r] and Gᵀ·U [n, r]; on a GRADIENT-init
     * first step, left = Ψ [m, l], right = Ω [n, k] and they are the sketch G·Ω [m, k] and Gᵀ·Ψ [n, l].
     */
    private record Accumulation(Tensor left, Tensor right, Tensor gRight, Tensor gtLeft) {}

    /** The hook: adds G·right and Gᵀ·left into p's accumulators and consumes G. */
    private boolean accumulate(Variable p, Tensor grad) {
        Accumulation acc = accumulation(p);
        Tensor.matmulInto(grad, acc.right(), acc.gRight(), true);       // += G·right
        Tensor.matmulInto(grad.t(), acc.left(), acc.gtLeft(), true);    // += Gᵀ·left
        return true;
    }

    /**
     * The sink of a dense layer's weight: with G = dYᵀ·X (dY [N, m], X [N, n]) it adds
     * <pre>
     *   G·V  = dYᵀ·(X·V)     [m, r]        Gᵀ·U = Xᵀ·(dY·U)     [n, r]
     * </pre>
     * (or the sketch's G·Ω and Gᵀ·Ψ the same way) so the m×n gradient is never formed: two [N, r] temporaries
     * and 4·N·r·(m + n) flops instead of the 2·N·m·n of G plus the 4·m·n·r of the products.
     */
    private boolean accumulateFactored(Variable p, Tensor dy, Tensor x) {
        Accumulation acc = accumulation(p);
        Tensor xv = x.matmul(acc.right());                              // [N, n]·[n, r] → [N, r]
        Tensor.matmulInto(dy.t(), xv, acc.gRight(), true);             // G·V += dYᵀ·(X·V)
        Tensor dyu = dy.matmul(acc.left());                             // [N, m]·[m, r] → [N, r]
        Tensor.matmulInto(x.t(), dyu, acc.gtLeft(), true);             // Gᵀ·U += Xᵀ·(dY·U)
        return true;
    }

    /**
     * p's accumulators for this step, created at zero (and p marked pending) at its first contribution. A
     * WEIGHT_SVD-init parameter gets its factors here; a GRADIENT-init parameter without factors is sketched, so
     * that no m×n gradient exists in fused mode, not even on the first step. The test matrices Ω and Ψ are
     * regenerated from the parameter's seed at each contribution instead of being kept.
     */
    private Accumulation accumulation(Variable p) {
        ParamState s = factored.get(p);
        Config c = configOf.get(p);
        int m = p.value().dim(0);
        int n = p.value().dim(1);
        DType dtype = p.value().dtype();
        if (s == null && c.init() == Init.WEIGHT_SVD) {
            s = state(p);
            initialise(p, c, s, p.value());
        }
        if (s == null) {
            ParamState st = state(p);
            LowRankMomentum.SketchSize size = sketchSize(p);
            if (st.get(SKETCH_Y) == null) {
                st.put(SKETCH_Y, Tensor.zeros(dtype, m, size.k()));
                st.put(SKETCH_W, Tensor.zeros(dtype, n, size.l()));
                pending.add(p);
            }
            return new Accumulation(LowRankMomentum.corangeTest(seedOf(p), dtype, m, size.l()),
                    LowRankMomentum.rangeTest(seedOf(p), dtype, n, size.k()), st.get(SKETCH_Y), st.get(SKETCH_W));
        }
        if (s.get(ACC_GV) == null) {
            int r = rank(p);
            s.put(ACC_GV, Tensor.zeros(dtype, m, r));
            s.put(ACC_GTU, Tensor.zeros(dtype, n, r));
            pending.add(p);
        }
        return new Accumulation(s.get(U), s.get(V), s.get(ACC_GV), s.get(ACC_GTU));
    }

    // ---------------------------------------------------------------- state dict

    /** Checks every factor's shape and dtype before anything changes, then loads. */
    @Override
    public void loadStateDict(Map<String, Tensor> state) {
        for (Variable p : parameters()) {
            checkLoadable(p, state);
        }
        super.loadStateDict(state);
        factored.clear();
        pending.clear();
        for (Variable p : parameters()) {
            if (state.containsKey(p.name() + "." + U)) {
                ParamState s = state(p);
                factored.put(p, s);
                if (s.get(ACC_GV) != null) {
                    pending.add(p);
                }
            } else if (state.containsKey(p.name() + "." + SKETCH_Y)) {
                pending.add(p);
            }
        }
    }

    private void checkLoadable(Variable p, Map<String, Tensor> state) {
        String prefix = p.name() + ".";
        for (String key : state.keySet()) {
            if (key.startsWith(prefix) && !key.substring(prefix.length()).contains(".")
                    && !KEYS.contains(key.substring(prefix.length()))) {
                throw new IllegalArgumentException("MoFaSGD: unexpected optimizer state '" + key + "'");
            }
        }
        int m = p.value().dim(0);
        int n = p.value().dim(1);
        int r = rank(p);
        boolean hasFactors = state.containsKey(prefix + U);
        boolean hasAcc = state.containsKey(prefix + ACC_GV);
        expect(state, p, prefix + U, hasFactors, m, r);
        expect(state, p, prefix + S, hasFactors, r);
        expect(state, p, prefix + V, hasFactors, n, r);
        if (hasAcc && !hasFactors) {
            throw new IllegalArgumentException("MoFaSGD: state '" + prefix + ACC_GV + "' without factors '" + prefix
                    + U + "'");
        }
        expect(state, p, prefix + ACC_GV, hasAcc, m, r);
        expect(state, p, prefix + ACC_GTU, hasAcc, n, r);
        boolean hasSketch = state.containsKey(prefix + SKETCH_Y);
        if (hasSketch && hasFactors) {
            throw new IllegalArgumentException("MoFaSGD: state '" + prefix + SKETCH_Y + "' (a first step's sketch) "
                    + "next to factors '" + prefix + U + "'");
        }
        LowRankMomentum.SketchSize size = sketchSize(p);
        expect(state, p, prefix + SKETCH_Y, hasSketch, m, size.k());
        expect(state, p, prefix + SKETCH_W, hasSketch, n, size.l());
    }

    private static void expect(Map<String, Tensor> state, Variable p, String key, boolean present, int... shape) {
        Tensor t = state.get(key);
        if (!present) {
            if (t != null) {
                throw new IllegalArgumentException("MoFaSGD: state '" + key + "' appears without its companions");
            }
            return;
        }
        if (t == null) {
            throw new IllegalArgumentException("MoFaSGD: state '" + key + "' is missing");
        }
        if (!Arrays.equals(t.shape(), shape) || t.dtype() != p.value().dtype()) {
            throw new IllegalArgumentException("MoFaSGD: state '" + key + "' is " + t.dtype() + " "
                    + Shapes.str(t.shape()) + ", expected " + p.value().dtype() + " " + Shapes.str(shape));
        }
    }
}
