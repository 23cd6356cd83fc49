package org.mofa4j.autograd;

import java.util.Arrays;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * Differentiable matrix products: {@link #matmul} and the dense layer {@link #linear}.
 *
 * <pre>
 *   matmul  C = A·B        A [..., m, k], B [..., k, n] → C [..., m, n]     (batch axes broadcast)
 *           ∂A = g·Bᵀ  summed over the batch axes A was broadcast along (sumTo)
 *           ∂B = Aᵀ·g  summed likewise
 *   linear  y = x·Wᵀ + b   x [..., in], W [out, in], b [out] → y [..., out]
 *           with x, g flattened to X [N, in], G [N, out] (N = product of the leading axes):
 *           ∂x = G·W,  ∂W = Gᵀ·X  (one [out, N]·[N, in] product),  ∂b = Σₙ G
 * </pre>
 * Transposes are strided views that the GEMM reads in place; nothing is transposed by copying. A 1-D operand
 * of {@code matmul} is promoted as in NumPy (a row vector on the left, a column on the right) and its gradient
 * is reshaped back.
 */
public final class MatmulFns {
    private MatmulFns() {}

    /**
     * A·B for A [..., m, k] and B [..., k, n] (batch axes broadcast; 1-D operands promoted) → [..., m, n].
     * Saves A and B (no copies).
     */
    public static Variable matmul(Variable a, Variable b) {
        Tensor out = a.value().matmul(b.value()); // validates dtypes, ranks and inner dimensions
        return Node.op("matmul", out).inputs(a, b).save(a.value(), b.value())
                .backward((ctx, g) -> {
                    Tensor a2 = ctx.saved(0).rank() == 1 ? ctx.saved(0).unsqueeze(0) : ctx.saved(0); // [..., m, k]
                    Tensor b2 = ctx.saved(1).rank() == 1 ? ctx.saved(1).unsqueeze(1) : ctx.saved(1); // [..., k, n]
                    Tensor g2 = g.reshape(productShape(a2, b2));                                     // [batch, m, n]
                    Tensor ga = ctx.needsGrad(0) ? gradLeft(g2, a2, b2).reshape(ctx.inputShape(0)) : null;
                    Tensor gb = ctx.needsGrad(1) ? gradRight(g2, a2, b2).reshape(ctx.inputShape(1)) : null;
                    return new Tensor[] {ga, gb};
                });
    }

    /** ∂A = g·Bᵀ reduced to A's shape. [batch, m, n]·[..., n, k] → [batch, m, k] → sumTo A. */
    private static Tensor gradLeft(Tensor g, Tensor a, Tensor b) {
        return g.matmul(b.transpose(-2, -1)).sumTo(a.shape());
    }

    /** ∂B = Aᵀ·g reduced to B's shape. */
    private static Tensor gradRight(Tensor g, Tensor a, Tensor b) {
        int k = a.dim(-1);
        int n = b.dim(-1);
        if (b.rank() == 2 && a.rank() > 2) {
            // B is shared by every batch: Σ_batch Aᵢᵀ·gᵢ = Xᵀ·G with the batch folded into the rows, one
            // GEMM [k, N]·[N, n] instead of a [batch, k, n] intermediate. reshape is a view unless A is strided.
            return a.reshape(-1, k).transpose(0, 1).matmul(g.reshape(-1, n));
        }
        return a.transpose(-2, -1).matmul(g).sumTo(b.shape());
    }

    /** [broadcast batch, m, n] for a [..., m, k] and b [..., k, n] (both rank ≥ 2, already validated). */
    private static int[] productShape(Tensor a, Tensor b) {
        int[] batchA = Arrays.copyOf(a.shape(), a.rank() - 2);
        int[] batchB = Arrays.copyOf(b.shape(), b.rank() - 2);
        int[] batch = Shapes.broadcast("matmul", batchA, batchB);
        int[] out = Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = a.dim(-2);
        out[batch.length + 1] = b.dim(-1);
        return out;
    }

    /** y = x·Wᵀ, without bias. See {@link #linear(Variable, Variable, Variable)}. */
    public static Variable linear(Variable x, Variable weight) {
        return linear(x, weight, null);
    }

    /**
     * y = x·Wᵀ + b: x [..., in], W [out, in] (PyTorch layout), b [out] or null → y [..., out].
     * Saves x (viewed as [N, in]) and W. ∂x = g·W, ∂W = Gᵀ·X over all leading axes at once, ∂b = Σ g.
 * ∂W is first offered in factored form to W's {@link OuterProductGradSink}, if it has one.
     */
    public static Variable linear(Variable x, Variable weight, Variable bias) {
        Tensor xv = x.value();
        Tensor w = weight.value();
        checkLinear(xv, w, bias == null ? null : bias.value());
        int in = w.dim(1);
        int outFeatures = w.dim(0);
        Tensor x2 = xv.reshape(-1, in);                     // [N, in], a view when x's layout allows
        Tensor y2 = x2.matmul(w.transpose(0, 1));            // [N, out]
        if (bias != null) {
            y2.addInPlace(bias.value());                     // y2 is fresh: adding in place saves a temporary
        }
        int[] yShape = xv.shape();
        yShape[yShape.length - 1] = outFeatures;
        Tensor y = y2.view(yShape);
        Variable[] inputs = bias == null ? new Variable[] {x, weight} : new Variable[] {x, weight, bias};
        return Node.op("linear", y).inputs(inputs).save(x2, w)
                .backward((ctx, g) -> {
                    Tensor xs = ctx.saved(0);                     // [N, in]
                    Tensor ws = ctx.saved(1);                     // [out, in]
                    Tensor g2 = g.reshape(-1, outFeatures);       // [N, out]
                    Tensor[] grads = new Tensor[inputs.length];
                    if (ctx.needsGrad(0)) {
                        grads[0] = g2.matmul(ws).reshape(ctx.inputShape(0));  // [N, out]·[out, in]
                    }
                    if (ctx.needsGrad(1)) {
                        OuterProductGradSink sink = weight.outerProductGradSink();
                        if (sink == null || !sink.accept(weight, g2, xs)) {   // ∂W = g2ᵀ·xs, maybe never formed
                            grads[1] = g2.transpose(0, 1).matmul(xs);         // [out, N]·[N, in]
                        }
                    }
                    if (inputs.length == 3 && ctx.needsGrad(2)) {
                        grads[2] = g2.sum(0, false);                          // [out]
                    }
                    return grads;
                });
    }

    private static void checkLinear(Tensor x, Tensor w, Tensor b) {
        if (w.rank() != 2) {
            throw new IllegalArgumentException("linear: weight must be [out, in], got " + Shapes.str(w.shape()));
        }
        if (x.rank() < 1 || x.dim(-1) != w.dim(1)) {
            throw new IllegalArgumentException("linear: x is " + Shapes.str(x.shape()) + " but weight is "
                    + Shapes.str(w.shape()) + "; x's last dimension must equal weight's in = " + w.dim(1));
        }
        if (b != null && (b.rank() != 1 || b.dim(0) != w.dim(0))) {
            throw new IllegalArgumentException("linear: bias is " + Shapes.str(b.shape()) + ", expected ["
                    + w.dim(0) + "] for weight " + Shapes.str(w.shape()));
        }
        if (x.dtype() != w.dtype() || (b != null && b.dtype() != w.dtype())) {
            throw new IllegalArgumentException("linear: dtypes differ: x " + x.dtype() + ", weight " + w.dtype()
                    + (b == null ? "" : ", bias " + b.dtype()));
        }
    }
}
