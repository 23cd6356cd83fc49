package org.mofa4j.autograd;

import java.util.Arrays;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * Embedding lookup: rows of a table picked by integer ids.
 *
 * <pre>
 *   y[p, :] = W[ids[p], :]                 W [V, C], ids [...] → y [..., C]
 *   ∂W[v, :] = Σ_{p : ids[p] = v} g[p, :]  (scatter-add; a repeated id sums its rows' gradients)
 * </pre>
 * Saves only a copy of the ids, never the table or the output.
 */
public final class EmbeddingFns {
    private EmbeddingFns() {}

    /**
     * The rows of {@code weight} [V, C] at {@code ids} [...] → [..., C] (ids of shape [] give [C]).
     *
     * @throws IllegalArgumentException if weight is not 2-D or an id is outside [0, V) (naming its position)
     */
    public static Variable embedding(Variable weight, IntTensor ids) {
        Tensor w = weight.value();
        if (w.rank() != 2) {
            throw new IllegalArgumentException("embedding: weight must be [V, C], got " + Shapes.str(w.shape()));
        }
        int vocab = w.dim(0);
        int channels = w.dim(1);
        int[] flat = ids.data().clone(); // the caller may reuse its IntTensor before backward
        for (int p = 0; p < flat.length; p++) {
            if (flat[p] < 0 || flat[p] >= vocab) {
                throw new IllegalArgumentException("embedding: id " + flat[p] + " at position "
                        + Arrays.toString(unravel(p, ids.shape())) + " is outside [0, " + vocab
                        + ") for a table of shape " + Shapes.str(w.shape()));
            }
        }
        IntTensor index = IntTensor.wrap(flat, flat.length);
        int[] outShape = Arrays.copyOf(ids.shape(), ids.rank() + 1);
        outShape[ids.rank()] = channels;
        Tensor y = w.indexSelect(0, index).view(outShape);          // [n, C] → [..., C]
        return Node.op("embedding", y).inputs(weight)
                .backward((ctx, g) -> {
                    Tensor gw = Tensor.zeros(g.dtype(), vocab, channels);   // [V, C]
                    return new Tensor[] {gw.indexAddInPlace(0, index, g.reshape(flat.length, channels))};
                });
    }

    private static int[] unravel(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int a = shape.length - 1; a >= 0; a--) {
            idx[a] = flat % shape[a];
            flat /= shape[a];
        }
        return idx;
    }
}
