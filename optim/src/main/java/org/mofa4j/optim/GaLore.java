package org.mofa4j.optim;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * GaLore with Adam in the projected space (Zhao et al., "GaLore: Memory-Efficient LLM Training by Gradient
 * Low-Rank Projection", ICML 2024), following the reference {@code GaLoreAdamW} (jiaweizzhao/GaLore 2cc66f8,
 * which derives from Hugging Face's AdamW). For an m×n matrix W with gradient G, learning rate η (times the
 * schedule's scale), k the number of earlier updates of W, and t = k + 1:
 * <pre>
 *   if k mod T = 0:  P ← top-r singular vectors of G        (calls 1, T+1, 2T+1, ...; see {@link GaLoreProjector})
 *   R = project_P(G)                                         (r = min(rank, m, n))
 *   M ← β₁·M + (1−β₁)·R
 *   V ← β₂·V + (1−β₂)·R²
 *   CODE  (default):  N = M / (√V + ε),                   s = η·√(1−β₂ᵗ) / (1−β₁ᵗ)
 *   PAPER (Alg. 2):   N = (M/(1−β₁ᵗ)) / (√(V/(1−β₂ᵗ)) + ε),  s = η
 *   W ← W − s·α·back_P(N)
 *   W ← W − η·λ·W                                            (weight decay after the update, as the code does)
 * </pre>
 * Quirks kept from the reference: the projector comes from the current gradient, not the weights; the moments
 * M and V are <em>not</em> re-projected when P changes (GaLore issue #54; {@link Config#reprojectMoments} turns
 * re-projection on as an option, off by default); ε is added to √V before bias
 * correction, which equals the PAPER form with ε replaced by ε/√(1−β₂ᵗ) (a larger ε in early steps).
 * The PAPER variants follow Algorithm 2 of the paper as we read it; the spec (docs/algorithms.md §3.2, §8) marks
 * the paper's exact ε placement as unverified, so the code's behaviour is the default everywhere.
 *
 * <p>Which side is projected ({@link ProjectionType}), with the reference's default {@code STD}: an m×n matrix
 * with m ≥ n keeps the right vectors (R is m×r), a wide one the left vectors (R is r×n), so the projector is
 * r·min(m, n) and each moment r·max(m, n). The paper's Algorithm 2 writes the wide case with a left projector
 * "as m ≤ n", which differs from the code only for square matrices ({@link ProjectionType#PAPER}).
 *
 * <p>State per matrix, exactly: the projector (U_r and/or V_rᵀ) plus M and V, all in the parameter's dtype;
 * for STD r·min(m, n) + 2r·max(m, n) elements. The SVD runs in float64 (EJML) where the reference uses float32.
 *
 * <p>Only 2-D parameters are accepted. Embeddings, heads, norms and biases belong to another optimizer:
 * {@link #withAdamWFallback} builds the usual pair. (The reference applies GaLore to every linear weight whose
 * module name contains "attn" or "mlp"; {@link ParameterRouting#byDefault} takes every hidden matrix.)
 */
public final class GaLore extends Optimizer<GaLore.Config> {

    /** Which singular vectors to keep, by shape. The names follow the reference's {@code proj_type}. */
    public enum ProjectionType {
        /** Right when m ≥ n, else left: the reference default, and the smallest state. */
        STD,
        /** Left when m ≥ n, else right. */
        REVERSE_STD,
        /** Always left: R = U_rᵀ·G. */
        LEFT,
        /** Always right: R = G·V_r. */
        RIGHT,
        /** Both sides: R = U_rᵀ·G·V_r is r×r. */
        FULL,
        /** Left when m ≤ n, else right: the paper's Algorithm 2. Same as STD except for square matrices. */
        PAPER;

        /** The side used for an m×n matrix. */
        public GaLoreProjector.Side side(int m, int n) {
            return switch (this) {
                case STD -> m >= n ? GaLoreProjector.Side.RIGHT : GaLoreProjector.Side.LEFT;
                case REVERSE_STD -> m >= n ? GaLoreProjector.Side.LEFT : GaLoreProjector.Side.RIGHT;
                case LEFT -> GaLoreProjector.Side.LEFT;
                case RIGHT -> GaLoreProjector.Side.RIGHT;
                case FULL -> GaLoreProjector.Side.TWO_SIDED;
                case PAPER -> m <= n ? GaLoreProjector.Side.LEFT : GaLoreProjector.Side.RIGHT;
            };
        }
    }

    /** Where ε enters the projected Adam step (see the class comment). */
    public enum EpsilonPlacement {
        /** ε on √V before bias correction, bias correction folded into the step size: the reference code. */
        CODE,
        /** ε after bias-correcting both moments: the paper's Algorithm 2 (and PyTorch's AdamW). */
        PAPER
    }

    /**
     * Hyperparameters of one group.
     *
     * @param rank r, clipped to min(m, n) per matrix
     * @param updateProjGap T, steps between projector refreshes
     * @param scale α, multiplies the back-projected update
     * @param reprojectMoments at a projector refresh, carry M and V into the new subspace (see the class comment);
     *                         false (the default) is the reference's behaviour
     */
    public record Config(double lr, double beta1, double beta2, double eps, double weightDecay, int rank,
            int updateProjGap, double scale, ProjectionType projection, EpsilonPlacement epsilonPlacement,
            boolean reprojectMoments) {
        public Config {
            Hyper.nonNegative("GaLore", "lr", lr);
            Hyper.inRange("GaLore", "beta1", beta1, 0, 1);
            Hyper.inRange("GaLore", "beta2", beta2, 0, 1);
            Hyper.positive("GaLore", "eps", eps);
            Hyper.nonNegative("GaLore", "weightDecay", weightDecay);
            Hyper.atLeast("GaLore", "rank", rank, 1);
            Hyper.atLeast("GaLore", "updateProjGap", updateProjGap, 1);
            Hyper.positive("GaLore", "scale", scale);
            if (projection == null || epsilonPlacement == null) {
                throw new IllegalArgumentException("GaLore: projection and epsilonPlacement must not be null, got "
                        + projection + " and " + epsilonPlacement);
            }
        }

        /** As the canonical constructor, without moment re-projection (the reference's behaviour). */
        public Config(double lr, double beta1, double beta2, double eps, double weightDecay, int rank,
                int updateProjGap, double scale, ProjectionType projection, EpsilonPlacement epsilonPlacement) {
            this(lr, beta1, beta2, eps, weightDecay, rank, updateProjGap, scale, projection, epsilonPlacement, false);
        }

        /** Moment re-projection at projector refreshes on or off (off is the reference's behaviour). */
        public Config withReprojectMoments(boolean on) {
            return new Config(lr, beta1, beta2, eps, weightDecay, rank, updateProjGap, scale, projection,
                    epsilonPlacement, on);
        }

        /**
         * The README's recipe (also the C4 scripts'): T = 200, α = 0.25, STD, with Hugging Face AdamW's
         * β = (0.9, 0.999), ε = 1e-6, λ = 0, ε placed as in the code. The training script's own argparse
         * defaults are T = 50, α = 1.
         */
        public static Config defaults(double lr, int rank) {
            return new Config(lr, 0.9, 0.999, 1e-6, 0, rank, 200, 0.25, ProjectionType.STD, EpsilonPlacement.CODE);
        }

        public Config withRank(int r) {
            return new Config(lr, beta1, beta2, eps, weightDecay, r, updateProjGap, scale, projection,
                    epsilonPlacement, reprojectMoments);
        }

        public Config withUpdateProjGap(int t) {
            return new Config(lr, beta1, beta2, eps, weightDecay, rank, t, scale,
                    projection, epsilonPlacement, reprojectMoments);
        }

        public Config withScale(double alpha) {
            return new Config(lr, beta1, beta2, eps, weightDecay, rank, updateProjGap, alpha, projection,
                    epsilonPlacement, reprojectMoments);
        }

        public Config withWeightDecay(double lambda) {
            return new Config(lr, beta1, beta2, eps, lambda, rank, updateProjGap, scale,
                    projection, epsilonPlacement, reprojectMoments);
        }

        public Config withProjection(ProjectionType type) {
            return new Config(lr, beta1, beta2, eps, weightDecay, rank, updateProjGap, scale,
                    type, epsilonPlacement, reprojectMoments);
        }

        public Config withEpsilonPlacement(EpsilonPlacement placement) {
            return new Config(lr, beta1, beta2, eps, weightDecay, rank, updateProjGap, scale,
                    projection, placement, reprojectMoments);
        }

        /**
         * The AdamW settings the reference uses for the parameters GaLore does not project (the same optimizer
         * without a projector). Our {@link AdamW} is PyTorch's form: decay before the step and ε after bias
         * correction, a difference of order ε and lr·λ·|update|.
         */
        public AdamW.Config fallbackAdamW() {
            return new AdamW.Config(lr, beta1, beta2, eps, weightDecay);
        }
    }

    /** State keys; the projector keys hold GaLoreProjector's U_r and V_rᵀ. */
    static final String U = "U";
    static final String VT = "Vt";
    static final String M = "m";
    static final String V = "v";

    private final IdentityHashMap<Variable, long[]> refreshes = new IdentityHashMap<>();

    public GaLore(List<ParamGroup<Config>> groups) {
        super("GaLore", groups);
        for (Variable p : parameters()) {
            if (p.value().rank() != 2) {
                throw new IllegalArgumentException("GaLore: parameter '" + p.name() + "' has shape "
                        + Shapes.str(p.shape()) + "; GaLore projects 2-D matrices only, so give it to another "
                        + "optimizer (GaLore.withAdamWFallback, ParameterRouting)");
            }
            refreshes.put(p, new long[1]);
        }
    }

    /** One group of 2-D parameters. */
    public GaLore(List<Variable> params, Config config) {
        this(List.of(new ParamGroup<>(params, config)));
    }

    /**
     * GaLore on the hidden matrices ({@link ParameterRouting#byDefault}) and AdamW on everything else; an empty
     * side is left out.
     * Not modified: params.
     */
    public static CompositeOptimizer withAdamWFallback(List<Variable> params, Config galore, AdamW.Config fallback) {
        return CompositeOptimizer.routed(ParameterRouting.byDefault(params), ps -> new GaLore(ps, galore),
                ps -> new AdamW(ps, fallback));
    }

    /** As above, with the fallback using GaLore's own lr, betas, ε and λ, as the reference does. */
    public static CompositeOptimizer withAdamWFallback(List<Variable> params, Config galore) {
        return withAdamWFallback(params, galore, galore.fallbackAdamW());
    }

    /** The projector must fit the parameter's m and n, and the moments the projected shape R. */
    @Override
    protected void checkLoadedState(Variable p, ParamState loaded) {
        int m = p.value().dim(0);
        int n = p.value().dim(1);
        int r = Math.min(configOf(p).rank(), Math.min(m, n));
        requireShape(p, loaded, U, m, r);
        requireShape(p, loaded, VT, r, n);
        int[] projected = switch (configOf(p).projection().side(m, n)) {
            case LEFT -> new int[] {r, n};
            case RIGHT -> new int[] {m, r};
            case TWO_SIDED -> new int[] {r, r};
        };
        requireShape(p, loaded, M, projected);
        requireShape(p, loaded, V, projected);
    }

    @Override
    protected void update(Variable p, Tensor grad, Config c, ParamState s) {
        Tensor w = p.value();
        int m = w.dim(0);
        int n = w.dim(1);
        GaLoreProjector.Side side = c.projection().side(m, n);
        GaLoreProjector proj = stored(side, s);
        Inspection inspection = inspection();
        boolean due = inspection != null && inspection.due(s.step() + 1);
        Tensor weightBefore = due ? w.copy() : null;
        GaLoreProjector previous = null;
        boolean refreshed = false;
        if (proj == null || s.step() % c.updateProjGap() == 0) {
            GaLoreProjector old = proj;
            previous = old;
            refreshed = true;
            proj = GaLoreProjector.fromGradient(grad, side, c.rank());
            if (c.reprojectMoments() && old != null) {
                reprojectMoments(s, old, proj);
            }
            // put() on an existing key keeps its place, so state-dict key order is stable across refreshes.
            if (proj.u != null) {
                s.put(U, proj.u);
            } else {
                s.remove(U);
            }
            if (proj.vt != null) {
                s.put(VT, proj.vt);
            } else {
                s.remove(VT);
            }
            refreshes.get(p)[0]++;
        }
        Tensor r = proj.project(grad); // [m, r], [r, n] or [r, r]
        long t = s.nextStep();
        Tensor mom = s.getOrZeros(M, w.dtype(), r.shape());
        Tensor sq = s.getOrZeros(V, w.dtype(), r.shape());
        mom.mulInPlace(c.beta1()).addScaledInPlace(1 - c.beta1(), r);
        sq.mulInPlace(c.beta2()).addScaledInPlace(1 - c.beta2(), r.square());

        double lr = c.lr() * lrScale();
        double bc1 = 1 - Math.pow(c.beta1(), t);
        double bc2 = 1 - Math.pow(c.beta2(), t);
        Tensor normalized;
        double stepSize;
        if (c.epsilonPlacement() == EpsilonPlacement.CODE) {
            normalized = mom.div(sq.sqrt().add(c.eps()));
            stepSize = lr * Math.sqrt(bc2) / bc1;
        } else {
            normalized = mom.div(bc1).div(sq.div(bc2).sqrt().add(c.eps()));
            stepSize = lr;
        }
        proj.addProjectBack(normalized, -stepSize * c.scale(), w); // W += −s·α·back(N)
        if (c.weightDecay() > 0) {
            w.mulInPlace(1 - lr * c.weightDecay());
        }
        if (inspection != null && (due || refreshed)) {
            inspection.onGaLoreStep(new Inspection.GaLoreStep(p.name(), t, due, grad, refreshed, previous, proj, r,
                    weightBefore, w));
        }
    }

    /**
     * Carries the moments from the old projector's coordinates into the new one's (Config.reprojectMoments).
     * With the change-of-basis matrices Cl = U_newᵀ·U_old [r, r] (left side) and Cr = V_oldᵀ·V_new [r, r]
     * (right side; identity for a side that is not projected):
     * <pre>
     *   M ← Cl·M·Cr                   (exact: the same full-space momentum, expressed in the new basis, then
     *                                  cut to the new subspace)
     *   V ← (Cl∘Cl)·V·(Cr∘Cr)         (∘ elementwise: the variance of a rotated coordinate if the old ones were
     *                                  uncorrelated; keeps V ≥ 0, which projecting V like M would not)
     * </pre>
     * The step counter and so the bias correction continue unchanged. The reference does neither (GaLore issue
     * #54): it keeps M and V as they are and reads them in the new basis.
     * Modifies: the state's M and V (replaced). Not modified: the projectors.
     */
    private static void reprojectMoments(ParamState s, GaLoreProjector old, GaLoreProjector fresh) {
        Tensor mom = s.get(M);
        Tensor sq = s.get(V);
        if (mom == null || sq == null) {
            return;
        }
        Tensor cl = old.u == null ? null : fresh.u.t().matmul(old.u);     // [r, r]
        Tensor cr = old.vt == null ? null : old.vt.matmul(fresh.vt.t());  // [r, r]
        Tensor m2 = mom;
        Tensor v2 = sq;
        if (cl != null) {
            m2 = cl.matmul(m2);
            v2 = cl.square().matmul(v2);
        }
        if (cr != null) {
            m2 = m2.matmul(cr);
            v2 = v2.matmul(cr.square());
        }
        s.put(M, m2.contiguous());
        s.put(V, v2.contiguous());
    }

    /** The projector held in s for this side, or null before the first step (or after loading a state without one). */
    private static GaLoreProjector stored(GaLoreProjector.Side side, ParamState s) {
        Tensor u = s.get(U);
        Tensor vt = s.get(VT);
        boolean complete = switch (side) {
            case LEFT -> u != null;
            case RIGHT -> vt != null;
            case TWO_SIDED -> u != null && vt != null;
        };
        return complete ? new GaLoreProjector(side, side == GaLoreProjector.Side.RIGHT ? null : u,
                side == GaLoreProjector.Side.LEFT ? null : vt) : null;
    }

    /** A snapshot of p's current projector (copies), or null before p's first update. */
    public GaLoreProjector projector(Variable p) {
        Config c = configOf(p);
        Map<String, Tensor> dict = stateDict();
        ParamState view = new ParamState();
        for (String key : new String[] {U, VT}) {
            Tensor t = dict.get(p.name() + "." + key);
            if (t != null) {
                view.put(key, t.copy());
            }
        }
        return stored(c.projection().side(p.value().dim(0), p.value().dim(1)), view);
    }

    /** How many times this optimizer instance computed p's projector (an SVD each); not part of the state dict. */
    public long projectorRefreshes(Variable p) {
        configOf(p);
        return refreshes.get(p)[0];
    }

    /** Projector refreshes over all parameters since this instance was created. */
    public long projectorRefreshes() {
        long total = 0;
        for (long[] count : refreshes.values()) {
            total += count[0];
        }
        return total;
    }

    private Config configOf(Variable p) {
        for (ParamGroup<Config> g : groups()) {
            for (Variable q : g.params()) {
                if (q == p) {
                    return g.config();
                }
            }
        }
        throw new IllegalArgumentException("GaLore: parameter '" + p.name() + "' is not updated by this optimizer");
    }
}
