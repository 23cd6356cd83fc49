package org.mofa4j.autograd;

import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * Differentiable joining, splitting and indexing. Each op's forward and backward sit together.
 * <pre>
 *   concat       y = [x₀ | x₁ | ..] along axis        ∂xₖ = g.narrow(axis, offsetₖ, nₖ)   (views of g)
 *   stack        y[.., k, ..] = xₖ                     ∂xₖ = g.select(axis, k)            (views of g)
 *   split        yₖ = x.narrow(axis, offsetₖ, nₖ)       one narrow node per piece; the engine sums them
 *   gather       y[i][j] = x[index[i][j]][j]  (axis 0)  ∂x = zeros(S).scatterAdd(axis, index, g)
 *   indexSelect  y[i][..] = x[index[i]][..]   (axis 0)  ∂x = zeros(S).indexAdd(axis, index, g)
 * </pre>
 * An index used twice sends the sum of both gradients to the same element (scatterAdd and indexAdd
 * accumulate duplicates in row-major order of the index, so the result is deterministic). Index tensors
 * are copied at record time: an {@link IntTensor} has no version counter, so a later write to it could
 * otherwise silently change the gradient.
 */
public final class IndexFns {
    private IndexFns() {}

    /**
     * Joins {@code parts} along an existing axis: [.., nₖ, ..] → [.., Σ nₖ, ..]. ∂xₖ = g.narrow(axis, offsetₖ, nₖ).
     */
    public static Variable concat(int axis, Variable... parts) {
        Tensor[] values = values(parts);
        Tensor out = Tensor.concat(axis, values); // validates shapes and dtypes
        int a = Shapes.axis("concat", axis, out.rank());
        int[] sizes = new int[parts.length];
        for (int k = 0; k < parts.length; k++) {
            sizes[k] = values[k].dim(a);
        }
        return Node.op("concat", out).inputs(parts)
                .backward((ctx, g) -> {
                    Tensor[] grads = new Tensor[sizes.length];
                    for (int k = 0, start = 0; k < sizes.length; start += sizes[k], k++) {
                        grads[k] = ctx.needsGrad(k) ? g.narrow(a, start, sizes[k]) : null;
                    }
                    return grads;
                });
    }

    /**
     * Joins equally shaped {@code parts} along a new axis in [-rank-1, rank]: k × [S] → [.., k, ..].
     * ∂xₖ = g.select(axis, k).
     */
    public static Variable stack(int axis, Variable... parts) {
        Tensor out = Tensor.stack(axis, values(parts)); // validates shapes and dtypes
        int a = Shapes.axis("stack", axis, out.rank());
        return Node.op("stack", out).inputs(parts)
                .backward((ctx, g) -> {
                    Tensor[] grads = new Tensor[parts.length];
                    for (int k = 0; k < grads.length; k++) {
                        grads[k] = ctx.needsGrad(k) ? g.select(a, k) : null;
                    }
                    return grads;
                });
    }

    /**
     * Consecutive pieces of {@code x} along {@code axis} with the given sizes (which must sum to the axis size).
     * Each piece is its own {@link ShapeFns#narrow} node, so an unused piece costs nothing in backward.
     */
    public static Variable[] split(Variable x, int axis, int... sizes) {
        Tensor[] views = x.value().split(axis, sizes); // validates sizes
        int a = Shapes.axis("split", axis, x.value().rank());
        Variable[] pieces = new Variable[views.length];
        for (int k = 0, start = 0; k < views.length; start += sizes[k], k++) {
            pieces[k] = ShapeFns.narrow(x, a, start, sizes[k]);
        }
        return pieces;
    }

    /**
     * y = x gathered along {@code axis} at {@code index} (same rank as x; off the axis no larger than x):
     * y[i][j] = x[index[i][j]][j] for axis 0. y has index's shape. ∂x = zeros(S).scatterAdd(axis, index, g).
     */
    public static Variable gather(Variable x, int axis, IntTensor index) {
        Tensor out = x.value().gather(axis, index); // validates index shape and values
        IntTensor idx = IntTensor.of(index.data(), index.shape());
        return Node.op("gather", out).inputs(x)
                .backward((ctx, g) -> new Tensor[] {
                    Tensor.zeros(g.dtype(), ctx.inputShape(0)).scatterAddInPlace(axis, idx, g)});
    }

    /**
     * Whole slices of x along {@code axis} at the 1-D {@code index}: [.., n, ..] → [.., index.numel(), ..]
     * (an embedding lookup for axis 0). ∂x = zeros(S).indexAdd(axis, index, g).
     */
    public static Variable indexSelect(Variable x, int axis, IntTensor index) {
        Tensor out = x.value().indexSelect(axis, index); // validates index shape and values
        IntTensor idx = IntTensor.of(index.data(), index.shape());
        return Node.op("indexSelect", out).inputs(x)
                .backward((ctx, g) -> new Tensor[] {
                    Tensor.zeros(g.dtype(), ctx.inputShape(0)).indexAddInPlace(axis, idx, g)});
    }

    private static Tensor[] values(Variable[] parts) {
        Tensor[] values = new Tensor[parts.length];
        for (int k = 0; k < parts.length; k++) {
            values[k] = parts[k] == null ? null : parts[k].value(); // the tensor op names a null part
        }
        return values;
    }
}
