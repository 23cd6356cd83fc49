package org.mofa4j.optim;

import java.util.List;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * Muon: momentum orthogonalised by a Newton–Schulz iteration (Keller Jordan, KellerJordan/Muon 857d1ad and the
 * modded-NanoGPT copy). For an m×n matrix W with gradient G and learning rate η (times the schedule's scale):
 * <pre>
 *   B ← β·B + (1−β)·G                       (an EMA; β = 0.95)
 *   X = (1−β)·G + β·B    (Nesterov, default)    or    X = B
 *   O = NS(X) · √max(1, m/n)
 *   W ← W·(1 − η·λ) − η·O
 * </pre>
 * NS ({@link #orthogonalize}) transposes a tall X to wide, normalises X ← X / (‖X‖_F + 1e-7) and repeats
 * {@code nsSteps} times (5 by default)
 * <pre>
 *   A = X·Xᵀ;   X ← a·X + (b·A + c·A²)·X,      (a, b, c) = (3.4445, −4.7750, 2.0315)
 * </pre>
 * Each step maps every singular value x of X to f(x) = a·x + b·x³ + c·x⁵ and keeps the singular vectors, so
 * NS(X) = U·f⁵(σ/‖X‖_F)·Vᵀ: an approximation of the polar factor U·Vᵀ. Its singular values lie in
 * [0.682, 1.135] for σ/‖X‖_F ∈ [0.05, 1] and in [0.68, 1.21] down to σ/‖X‖_F = 0.002 (f⁵ peaks at 1.2024 near
 * 0.0041); smaller ones are amplified by about a⁵ ≈ 489 but stay below 0.68, i.e. are not orthogonalised.
 *
 * <p>Precision: the reference runs NS in bfloat16, which the JVM does not have. Here it runs in the parameter's
 * dtype (float32 in training, float64 in tests), so the result follows U·f⁵(σ/‖X‖_F)·Vᵀ closely, while the
 * reference's result carries bf16 rounding (8-bit significand) from every product. Both are approximate polar
 * factors in the same band; the fp32 update is not bit-comparable to the reference's.
 *
 * <p>State per matrix: the momentum buffer B, m·n elements. Only 2-D parameters are accepted (the reference
 * flattens 4-D convolution kernels, which this library does not have); embeddings, the head, gains and biases
 * belong to AdamW: {@link #withAdamWFallback}.
 */
public final class Muon extends Optimizer<Muon.Config> {
    /** The quintic's coefficients, chosen by the reference to push small singular values up fast. */
    public static final double NS_A = 3.4445;
    public static final double NS_B = -4.7750;
    public static final double NS_C = 2.0315;
    /** Added to ‖X‖_F before normalising, so a zero momentum gives a zero update. */
    public static final double NS_EPS = 1e-7;

    /**
     * Hyperparameters of one group.
     *
     * @param momentum β of the EMA buffer
     * @param nsSteps Newton–Schulz iterations
     */
    public record Config(double lr, double momentum, boolean nesterov, int nsSteps, double weightDecay) {
        public Config {
            Hyper.nonNegative("Muon", "lr", lr);
            Hyper.inRange("Muon", "momentum", momentum, 0, 1);
            Hyper.atLeast("Muon", "nsSteps", nsSteps, 1);
            Hyper.nonNegative("Muon", "weightDecay", weightDecay);
        }

        /** The reference's defaults: lr 0.02, β = 0.95, Nesterov, 5 steps, λ = 0. */
        public static Config defaults() {
            return defaults(0.02);
        }

        public static Config defaults(double lr) {
            return new Config(lr, 0.95, true, 5, 0);
        }
    }

    /** The reference's auxiliary Adam for non-matrix parameters: lr 3e-4, β = (0.9, 0.95), ε = 1e-10, λ = 0. */
    public static AdamW.Config auxiliaryAdamW() {
        return new AdamW.Config(3e-4, 0.9, 0.95, 1e-10, 0);
    }

    public Muon(List<ParamGroup<Config>> groups) {
        super("Muon", groups);
        for (Variable p : parameters()) {
            if (p.value().rank() != 2) {
                throw new IllegalArgumentException("Muon: parameter '" + p.name() + "' has shape "
                        + Shapes.str(p.shape()) + "; Muon orthogonalises 2-D matrices only, so give it to another "
                        + "optimizer (Muon.withAdamWFallback, ParameterRouting)");
            }
        }
    }

    /** One group of 2-D parameters. */
    public Muon(List<Variable> params, Config config) {
        this(List.of(new ParamGroup<>(params, config)));
    }

    /**
     * Muon on the hidden matrices ({@link ParameterRouting#byDefault}) and AdamW on everything else; an empty side
     * is left out.
     */
    public static CompositeOptimizer withAdamWFallback(List<Variable> params, Config muon, AdamW.Config fallback) {
        return CompositeOptimizer.routed(ParameterRouting.byDefault(params), ps -> new Muon(ps, muon),
                ps -> new AdamW(ps, fallback));
    }

    /** As above, with {@link #auxiliaryAdamW()} for the fallback. */
    public static CompositeOptimizer withAdamWFallback(List<Variable> params, Config muon) {
        return withAdamWFallback(params, muon, auxiliaryAdamW());
    }

    @Override
    protected void checkLoadedState(Variable p, ParamState loaded) {
        requireLikeParameter(p, loaded, "momentum");
    }

    @Override
    protected void update(Variable p, Tensor grad, Config c, ParamState s) {
        Tensor w = p.value();
        double beta = c.momentum();
        Tensor buf = s.getOrZeros("momentum", w.dtype(), w.shape());
        buf.mulInPlace(beta).addScaledInPlace(1 - beta, grad);
        Tensor x = c.nesterov() ? grad.mul(1 - beta).addScaledInPlace(beta, buf) : buf;
        s.nextStep();
        Tensor o = orthogonalize(x, c.nsSteps());
        double lr = c.lr() * lrScale();
        if (c.weightDecay() != 0) {
            w.mulInPlace(1 - lr * c.weightDecay());
        }
        w.addScaledInPlace(-lr * shapeScale(w.dim(0), w.dim(1)), o);
    }

    /** √max(1, rows/cols): tall matrices get a larger step, so the update's RMS matches across shapes. */
    public static double shapeScale(int rows, int cols) {
        return Math.sqrt(Math.max(1.0, (double) rows / cols));
    }

    /**
     * The Newton–Schulz iteration of the class comment, in g's dtype: an approximately orthogonal matrix with
     * g's shape and singular vectors. Not modified: g. Returns a new contiguous tensor.
     */
    public static Tensor orthogonalize(Tensor g, int steps) {
        if (g.rank() != 2) {
            throw new IllegalArgumentException("Muon: Newton–Schulz needs a 2-D matrix, got shape "
                    + Shapes.str(g.shape()));
        }
        if (steps < 1) {
            throw new IllegalArgumentException("Muon: nsSteps must be ≥ 1, got " + steps);
        }
        boolean tall = g.dim(0) > g.dim(1);
        Tensor x = tall ? g.t() : g;                  // [k, l] with k ≤ l
        x = x.div(x.norm() + NS_EPS);
        for (int i = 0; i < steps; i++) {
            Tensor a = x.matmul(x.t());               // [k, k]
            Tensor b = a.mul(NS_B).addScaledInPlace(NS_C, a.matmul(a));
            x = x.mul(NS_A).addScaledInPlace(1.0, b.matmul(x)); // [k, k]·[k, l]
        }
        return tall ? x.t().contiguous() : x;
    }
}
