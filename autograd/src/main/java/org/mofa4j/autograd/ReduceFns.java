package org.mofa4j.autograd;

import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * Differentiable reductions. Each op's forward and backward sit together.
 *
 * <p>Axes may be negative; an empty {@code axes} array means every axis. For x of shape S reduced over the
 * axes R (N = Π_{a∈R} S[a] elements per output) to y, with the output gradient g:
 * <pre>
 *   sum        y = Σ x                            ∂x = g
 *   mean       y = Σ x / N                        ∂x = g / N
 *   max, min   y = max x (min x)                  ∂x = g·[x = y] / #{x = y}      (ties share equally)
 *   var        y = Σ (x − x̄)² / (N − c)           ∂x = g·2(x − x̄) / (N − c)
 *   logsumexp  y = log Σ exp x                    ∂x = g·exp(x − y)             (= g·softmax over R)
 * </pre>
 * where g is broadcast back over R: a reduced gradient of shape S-without-R (or S with 1 on R when
 * {@code keepDim}) gets a size-1 axis re-inserted at each reduced position (a view), then is expanded
 * (stride 0, no copy) to S. The x̄ term of var carries no gradient of its own because Σ (x − x̄) = 0.
 *
 * <p>Softmax and log-softmax along one axis live in {@link SoftmaxFns}.
 *
 * <p>max and min follow PyTorch's {@code amax}/{@code amin}: the gradient is split equally among every
 * element that attains the extremum, so the rule stays symmetric under permutations of x. A reduced group
 * holding a NaN has a NaN output and NaN gradients throughout (as in PyTorch), so the NaN is not hidden.
 */
public final class ReduceFns {
    private ReduceFns() {}

    // ---------------------------------------------------------------- sum, mean

    /** Σ x over every axis → shape []. */
    public static Variable sum(Variable x) {
        return sum(x, new int[0], false);
    }

    /** Σ x over {@code axes}. [S] → [S without axes] (or 1 on them with keepDim). ∂x = g broadcast back. */
    public static Variable sum(Variable x, int[] axes, boolean keepDim) {
        boolean[] mask = Shapes.axesMask("sum", axes, x.value().rank());
        return Node.op("sum", x.value().sum(axes, keepDim)).inputs(x)
                .backward((ctx, g) -> new Tensor[] {broadcastBack(g, mask, keepDim, ctx.inputShape(0))});
    }

    /** Mean over every axis → shape []. */
    public static Variable mean(Variable x) {
        return mean(x, new int[0], false);
    }

    /** Σ x / N over {@code axes}. ∂x = g / N broadcast back. */
    public static Variable mean(Variable x, int[] axes, boolean keepDim) {
        int[] shape = x.value().shape();
        boolean[] mask = Shapes.axesMask("mean", axes, shape.length);
        double n = count(shape, mask);
        return Node.op("mean", x.value().mean(axes, keepDim)).inputs(x)
                .backward((ctx, g) -> new Tensor[] {broadcastBack(g.div(n), mask, keepDim, ctx.inputShape(0))});
    }

    // ---------------------------------------------------------------- max, min

    /** Maximum over every axis → shape []; ties share the gradient equally. */
    public static Variable max(Variable x) {
        return max(x, new int[0], false);
    }

    /** Maximum over {@code axes}. ∂x = g·[x = max] / #{x = max}: ties share the gradient equally (amax). */
    public static Variable max(Variable x, int[] axes, boolean keepDim) {
        return extremum("max", x, axes, keepDim, x.value().max(axes, keepDim));
    }

    /** Minimum over every axis → shape []; ties share the gradient equally. */
    public static Variable min(Variable x) {
        return min(x, new int[0], false);
    }

    /** Minimum over {@code axes}. ∂x = g·[x = min] / #{x = min}: ties share the gradient equally (amin). */
    public static Variable min(Variable x, int[] axes, boolean keepDim) {
        return extremum("min", x, axes, keepDim, x.value().min(axes, keepDim));
    }

    private static Variable extremum(String name, Variable x, int[] axes, boolean keepDim, Tensor out) {
        boolean[] mask = Shapes.axesMask(name, axes, x.value().rank());
        return Node.op(name, out).inputs(x).save(x.value(), out)
                .backward((ctx, g) -> {
                    Tensor xv = ctx.saved(0);
                    Tensor hits = xv.eq(unsqueezeReduced(ctx.saved(1), mask, keepDim)); // [S], 1 where x = y
                    Tensor ties = hits.sum(allAxes(mask), true);                         // [S with 1 on R]
                    Tensor share = unsqueezeReduced(g, mask, keepDim).div(ties);         // [S with 1 on R]
                    return new Tensor[] {hits.mul(share)};
                });
    }

    // ---------------------------------------------------------------- var

    /** Population variance (correction 0) over every axis → shape []. */
    public static Variable var(Variable x) {
        return var(x, new int[0], false, 0);
    }

    /**
     * Σ (x − x̄)² / (N − correction) over {@code axes}; correction 1 is the unbiased estimator.
     * ∂x = g·2(x − x̄) / (N − correction).
     */
    public static Variable var(Variable x, int[] axes, boolean keepDim, int correction) {
        int[] shape = x.value().shape();
        boolean[] mask = Shapes.axesMask("var", axes, shape.length);
        double denominator = Math.max(0, count(shape, mask) - correction);
        return Node.op("var", x.value().var(axes, keepDim, correction)).inputs(x).save(x.value())
                .backward((ctx, g) -> {
                    Tensor xv = ctx.saved(0);
                    Tensor centred = xv.sub(xv.mean(allAxes(mask), true));               // [S]
                    Tensor scale = unsqueezeReduced(g, mask, keepDim).mul(2 / denominator); // [S with 1 on R]
                    return new Tensor[] {centred.mul(scale)};
                });
    }

    // ---------------------------------------------------------------- logsumexp

    /** log Σ exp x over every axis → shape []. */
    public static Variable logsumexp(Variable x) {
        return logsumexp(x, new int[0], false);
    }

    /** log Σ exp x over {@code axes}, computed stably. ∂x = g·exp(x − y), the softmax over the axes. */
    public static Variable logsumexp(Variable x, int[] axes, boolean keepDim) {
        boolean[] mask = Shapes.axesMask("logsumexp", axes, x.value().rank());
        Tensor out = x.value().logsumexp(axes, keepDim);
        return Node.op("logsumexp", out).inputs(x).save(x.value(), out)
                .backward((ctx, g) -> {
                    Tensor weights = ctx.saved(0).sub(unsqueezeReduced(ctx.saved(1), mask, keepDim)).exp(); // [S]
                    return new Tensor[] {weights.mul(unsqueezeReduced(g, mask, keepDim))};
                });
    }

    // ---------------------------------------------------------------- broadcasting a reduced gradient back

    /** g of the reduced shape → a view of shape {@code inputShape} (size-1 axes re-inserted, then expanded). */
    static Tensor broadcastBack(Tensor g, boolean[] mask, boolean keepDim, int[] inputShape) {
        return unsqueezeReduced(g, mask, keepDim).expand(inputShape);
    }

    /** Re-inserts a size-1 axis at every reduced position (a view); a no-op when keepDim kept them. */
    static Tensor unsqueezeReduced(Tensor t, boolean[] mask, boolean keepDim) {
        if (keepDim) {
            return t;
        }
        Tensor r = t;
        for (int a = 0; a < mask.length; a++) {
            if (mask[a]) {
                r = r.unsqueeze(a); // ascending order: earlier insertions put later axes at their input index
            }
        }
        return r;
    }

    /** The reduced axes as an explicit list (never empty unless the tensor has rank 0). */
    private static int[] allAxes(boolean[] mask) {
        int n = 0;
        for (boolean m : mask) {
            n += m ? 1 : 0;
        }
        int[] axes = new int[n];
        for (int a = 0, j = 0; a < mask.length; a++) {
            if (mask[a]) {
                axes[j++] = a;
            }
        }
        return axes;
    }

    private static double count(int[] shape, boolean[] mask) {
        double n = 1;
        for (int a = 0; a < shape.length; a++) {
            n *= mask[a] ? shape[a] : 1;
        }
        return n;
    }
}
