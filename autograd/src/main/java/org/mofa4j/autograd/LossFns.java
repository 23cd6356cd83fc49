package org.mofa4j.autograd;

import java.util.Arrays;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * Losses with a fused backward.
 *
 * <p><b>Cross-entropy.</b> For logits z [..., C] viewed as N rows, integer targets t [...] (N values) and
 * the set V of rows whose target is not {@code ignoreIndex}:
 * <pre>
 *   L = −(1/|V|) Σ_{i∈V} log softmax(zᵢ)[tᵢ]
 *   ∂L/∂zᵢ = g·(softmax(zᵢ) − onehot(tᵢ)) / |V|   for i ∈ V,   0 for ignored rows
 * </pre>
 * As in PyTorch's {@code cross_entropy(reduction="mean")}: when every target is ignored, |V| = 0 and L is
 * NaN (0/0), while the gradient is zero (no row contributes). Only the log-softmax [N, C] is saved.
 */
public final class LossFns {
    /** PyTorch's default {@code ignore_index}. */
    public static final int DEFAULT_IGNORE_INDEX = -100;

    private LossFns() {}

    /** Mean cross-entropy with {@link #DEFAULT_IGNORE_INDEX}. */
    public static Variable crossEntropy(Variable logits, IntTensor targets) {
        return crossEntropy(logits, targets, DEFAULT_IGNORE_INDEX);
    }

    /**
     * Mean cross-entropy of logits [..., C] against class indices [...] (the logits' shape without its last
     * axis), over the targets that are not {@code ignoreIndex}. Returns a 0-d scalar of the logits' dtype.
     *
     * @throws IllegalArgumentException if the shapes disagree, or a target is outside [0, C) and is not
     *     {@code ignoreIndex} (the message names its position and value)
     */
    public static Variable crossEntropy(Variable logits, IntTensor targets, int ignoreIndex) {
        Tensor z = logits.value();
        if (z.rank() < 1) {
            throw new IllegalArgumentException("crossEntropy: logits must have a class axis, got shape []");
        }
        int classes = z.dim(-1);
        int[] expected = Arrays.copyOf(z.shape(), z.rank() - 1);
        if (!Arrays.equals(targets.shape(), expected)) {
            throw new IllegalArgumentException("crossEntropy: targets have shape " + Shapes.str(targets.shape())
                    + " but logits " + Shapes.str(z.shape()) + " need targets of shape " + Shapes.str(expected));
        }
        int[] t = targets.data().clone(); // the caller may reuse its IntTensor before backward
        int count = 0;
        for (int i = 0; i < t.length; i++) {
            if (t[i] == ignoreIndex) {
                continue;
            }
            if (t[i] < 0 || t[i] >= classes) {
                throw new IllegalArgumentException("crossEntropy: target " + t[i] + " at position "
                        + Arrays.toString(unravel(i, expected)) + " is outside [0, " + classes
                        + ") and is not the ignore index " + ignoreIndex);
            }
            count++;
        }
        Tensor logProbs = z.reshape(-1, classes).logSoftmax(1); // [N, C], fresh
        double sum = 0;
        for (int i = 0; i < t.length; i++) {
            if (t[i] != ignoreIndex) {
                sum += logProbs.getFlat(i * classes + t[i]);
            }
        }
        Tensor loss = Tensor.scalar(z.dtype(), -sum / count); // NaN when count == 0, as in PyTorch
        int valid = count;
        return Node.op("crossEntropy", loss).inputs(logits).save(logProbs)
                .backward((ctx, g) -> {
                    Tensor grad = ctx.saved(0).exp();                 // [N, C] softmax, fresh
                    double scale = valid == 0 ? 0 : g.item() / valid;
                    Tensor rowScale = Tensor.zeros(grad.dtype(), t.length, 1); // [N, 1]: g/|V|, 0 if ignored
                    for (int i = 0; i < t.length; i++) {
                        if (t[i] != ignoreIndex) {
                            rowScale.setFlat(i, scale);
                        }
                    }
                    grad.mulInPlace(rowScale);
                    for (int i = 0; i < t.length; i++) {
                        if (t[i] != ignoreIndex) {
                            int at = i * classes + t[i];
                            grad.setFlat(at, grad.getFlat(at) - scale); // − onehot(tᵢ)·g/|V|
                        }
                    }
                    return new Tensor[] {grad.view(ctx.inputShape(0))};
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
