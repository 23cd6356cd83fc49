package org.mofa4j.autograd;

import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * Inverted dropout (Srivastava et al., 2014): in training each element is zeroed with probability p and the
 * survivors are scaled by 1/(1 − p), so E[y] = x and evaluation needs no rescaling.
 *
 * <pre>
 *   m = rng.dropoutMask(p, shape)  (each element 0 or 1/(1 − p)),  y = x⊙m,  ∂x = g⊙m
 * </pre>
 * The mask is drawn from the caller's {@link Rng}, so a fixed seed gives the same mask on every run and
 * thread count. Saves the mask (same shape as x).
 */
public final class DropoutFns {
    private DropoutFns() {}

    /**
     * x with each element dropped with probability p. Returns x itself (no node, no random draws) when not
     * training or when p = 0; otherwise draws x.numel() values from {@code rng}.
     *
     * @throws IllegalArgumentException if p is not in [0, 1)
     */
    public static Variable dropout(Variable x, double p, boolean training, Rng rng) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
        }
        if (!training || p == 0) {
            return x;
        }
        if (rng == null) {
            throw new IllegalArgumentException("dropout: training with p = " + p + " needs an Rng, got null");
        }
        Tensor xv = x.value();
        Tensor mask = rng.dropoutMask(p, xv.shape());                     // F32: 0 or (float) 1/(1 − p)
        if (xv.dtype() == DType.F64) {
            mask = mask.to(DType.F64).gt(0).mulInPlace(1 / (1 - p));      // the exact scale, not its float
        }
        Tensor y = xv.mul(mask);
        return Node.op("dropout", y).inputs(x).save(mask)
                .backward((ctx, g) -> new Tensor[] {g.mul(ctx.saved(0))});
    }
}
