package org.mofa4j.autograd;

import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * Differentiable shape ops. Forwards are views of the input (no copy) except where the tensor layer has
 * to copy ({@link #reshape} of a non-viewable layout, {@link #contiguous}, {@link #flatten}).
 *
 * <p>Every op here moves elements without changing them, so each input element reaches the output at most
 * once (expand: several times) with weight 1, and the backward is the adjoint placement of g:
 * <pre>
 *   reshape, view, flatten, squeeze   ∂x = g reshaped to x's shape
 *   transpose, permute                ∂x = g with the inverse permutation
 *   unsqueeze                         ∂x = g squeezed at the new axis
 *   narrow, slice, select             ∂x = zeros of x's shape with g written into the same view
 *   expand                            ∂x = g summed over the broadcast axes (sumTo)
 *   contiguous                        ∂x = g
 * </pre>
 * Backward results are views of g where possible (reshape copies only when g's strides forbid a view).
 */
public final class ShapeFns {
    private ShapeFns() {}

    // ---------------------------------------------------------------- reshapes

    /** Same elements, new shape (one dimension may be -1). [S] → [newShape]. ∂x = g.reshape(S). */
    public static Variable reshape(Variable x, int... newShape) {
        return Node.op("reshape", x.value().reshape(newShape)).inputs(x)
                .backward((ctx, g) -> new Tensor[] {g.reshape(ctx.inputShape(0))});
    }

    /** Like {@link #reshape} but the forward never copies (throws when x's strides forbid a view). */
    public static Variable view(Variable x, int... newShape) {
        // g may come with any strides (e.g. an expanded gradient), so the backward reshapes rather than views
        return Node.op("view", x.value().view(newShape)).inputs(x)
                .backward((ctx, g) -> new Tensor[] {g.reshape(ctx.inputShape(0))});
    }

    /** [S] → [numel]. ∂x = g.reshape(S). */
    public static Variable flatten(Variable x) {
        return Node.op("flatten", x.value().flatten()).inputs(x)
                .backward((ctx, g) -> new Tensor[] {g.reshape(ctx.inputShape(0))});
    }

    /** Removes every size-1 axis. ∂x = g.reshape(S). */
    public static Variable squeeze(Variable x) {
        return Node.op("squeeze", x.value().squeeze()).inputs(x)
                .backward((ctx, g) -> new Tensor[] {g.reshape(ctx.inputShape(0))});
    }

    /** Removes {@code axis}, which must have size 1. ∂x = g.unsqueeze(axis). */
    public static Variable squeeze(Variable x, int axis) {
        Tensor out = x.value().squeeze(axis);
        int a = Shapes.axis("squeeze", axis, x.value().rank());
        return Node.op("squeeze", out).inputs(x).backward((ctx, g) -> new Tensor[] {g.unsqueeze(a)});
    }

    /** Inserts a size-1 axis at {@code axis} (in [-rank-1, rank]). ∂x = g.squeeze(axis). */
    public static Variable unsqueeze(Variable x, int axis) {
        Tensor out = x.value().unsqueeze(axis);
        int a = Shapes.axis("unsqueeze", axis, x.value().rank() + 1);
        return Node.op("unsqueeze", out).inputs(x).backward((ctx, g) -> new Tensor[] {g.squeeze(a)});
    }

    /** x itself when contiguous, else a contiguous copy. ∂x = g. */
    public static Variable contiguous(Variable x) {
        return Node.op("contiguous", x.value().contiguous()).inputs(x).backward((ctx, g) -> new Tensor[] {g});
    }

    // ---------------------------------------------------------------- axis orders

    /** Swaps two axes. ∂x = g.transpose(axis0, axis1) (a transposition is its own inverse). */
    public static Variable transpose(Variable x, int axis0, int axis1) {
        return Node.op("transpose", x.value().transpose(axis0, axis1)).inputs(x)
                .backward((ctx, g) -> new Tensor[] {g.transpose(axis0, axis1)});
    }

    /** Swaps the last two axes (rank ≥ 2): [.., m, n] → [.., n, m]. */
    public static Variable t(Variable x) {
        return Node.op("t", x.value().t()).inputs(x).backward((ctx, g) -> new Tensor[] {g.t()});
    }

    /** Output axis i is input axis perm[i]. ∂x = g.permute(perm⁻¹), perm⁻¹[perm[i]] = i. */
    public static Variable permute(Variable x, int... perm) {
        Tensor out = x.value().permute(perm); // validates perm
        int[] inverse = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inverse[Shapes.axis("permute", perm[i], perm.length)] = i;
        }
        return Node.op("permute", out).inputs(x).backward((ctx, g) -> new Tensor[] {g.permute(inverse)});
    }

    // ---------------------------------------------------------------- sub-views

    /** Elements start ≤ i &lt; start+length along {@code axis}. ∂x = zeros(S) with g in that range. */
    public static Variable narrow(Variable x, int axis, int start, int length) {
        return Node.op("narrow", x.value().narrow(axis, start, length)).inputs(x)
                .backward((ctx, g) -> {
                    Tensor dx = Tensor.zeros(g.dtype(), ctx.inputShape(0));
                    dx.narrow(axis, start, length).copyFrom(g);
                    return new Tensor[] {dx};
                });
    }

    /**
     * Elements start, start+step, ... below end along {@code axis} (Python slice semantics, step ≥ 1).
     * ∂x = zeros(S) with g at those positions, 0 between them.
     */
    public static Variable slice(Variable x, int axis, int start, int end, int step) {
        return Node.op("slice", x.value().slice(axis, start, end, step)).inputs(x)
                .backward((ctx, g) -> {
                    Tensor dx = Tensor.zeros(g.dtype(), ctx.inputShape(0));
                    dx.slice(axis, start, end, step).copyFrom(g);
                    return new Tensor[] {dx};
                });
    }

    /** Position {@code index} along {@code axis}, removing the axis. ∂x = zeros(S) with g at that position. */
    public static Variable select(Variable x, int axis, int index) {
        return Node.op("select", x.value().select(axis, index)).inputs(x)
                .backward((ctx, g) -> {
                    Tensor dx = Tensor.zeros(g.dtype(), ctx.inputShape(0));
                    dx.select(axis, index).copyFrom(g);
                    return new Tensor[] {dx};
                });
    }

    // ---------------------------------------------------------------- broadcasting

    /**
     * Broadcasts size-1 axes (and new leading ones) to {@code target}; -1 keeps a size. Stride 0, no copy.
     * Each input element feeds every output element it was broadcast to, so ∂x = g.sumTo(S).
     */
    public static Variable expand(Variable x, int... target) {
        return Node.op("expand", x.value().expand(target)).inputs(x)
                .backward((ctx, g) -> new Tensor[] {g.sumTo(ctx.inputShape(0))});
    }
}
