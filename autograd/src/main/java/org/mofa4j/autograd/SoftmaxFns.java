package org.mofa4j.autograd;

import org.mofa4j.tensor.Tensor;

/**
 * Softmax and log-softmax along one axis, each one node with a hand-written backward (rather than the
 * exp / max / sum / div graph, which keeps four intermediates alive).
 *
 * <pre>
 *   softmax     y = exp(x − max x) / Σ exp(x − max x)      ∂x = y ⊙ (g − Σ g⊙y)
 *   logSoftmax  y = x − logsumexp x                        ∂x = g − exp(y) ⊙ Σ g
 * </pre>
 * Sums run along the axis and broadcast back. Both save only their output (same shape as x). A row that is
 * all −∞, or holds +∞ or NaN, gives NaN (see {@code Tensor.softmax}).
 */
public final class SoftmaxFns {
    private SoftmaxFns() {}

    /** exp x / Σ exp x along {@code axis} (negative counts from the end); shape unchanged. Saves y. */
    public static Variable softmax(Variable x, int axis) {
        Tensor y = x.value().softmax(axis);
        return Node.op("softmax", y).inputs(x).save(y)
                .backward((ctx, g) -> {
                    Tensor ys = ctx.saved(0);
                    Tensor gy = g.mul(ys);                                   // [S] g⊙y, fresh
                    Tensor rowSum = gy.sum(axis, true);                      // [S with 1 on axis]
                    return new Tensor[] {gy.subInPlace(ys.mul(rowSum))};      // y⊙g − y·Σ g⊙y
                });
    }

    /** x − logsumexp x along {@code axis}; shape unchanged. Saves y. */
    public static Variable logSoftmax(Variable x, int axis) {
        Tensor y = x.value().logSoftmax(axis);
        return Node.op("logSoftmax", y).inputs(x).save(y)
                .backward((ctx, g) -> {
                    Tensor p = ctx.saved(0).exp();                           // [S] softmax, fresh
                    Tensor rowSum = g.sum(axis, true);                       // [S with 1 on axis]
                    return new Tensor[] {g.sub(p.mulInPlace(rowSum))};              // g − p·Σ g
                });
    }
}
