package org.mofa4j.autograd;

import java.util.Arrays;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * Scaled dot-product attention (Vaswani et al., "Attention Is All You Need", 2017) as one node.
 *
 * <p>For each batch and head, q [T, D], k [S, D], v [S, Dv]:
 * <pre>
 *   Z = q·kᵀ/√D + M        [T, S]   M: −∞ where j &gt; i when causal, plus the optional additive mask
 *   P = softmax(Z) by row  [T, S]
 *   O = P·v                [T, Dv]
 * backward, with G = ∂L/∂O:
 *   ∂v = Pᵀ·G              [S, Dv]
 *   ∂P = G·vᵀ              [T, S]
 *   ∂Z = P⊙(∂P − rowsum(∂P⊙P))                      (rowsum(∂P⊙P) = rowsum(G⊙O))
 *   ∂q = ∂Z·k/√D           [T, D]
 *   ∂k = ∂Zᵀ·q/√D          [S, D]
 * </pre>
 * Every step is a product or an elementwise op on [T, S], [T, D] or [S, D] tensors: O(T·S·D) work per head,
 * no [T, T, T] or [T, S, D] intermediate. Transposes are strided views read in place by the GEMM.
 *
 * <p><b>Mask.</b> Additive, as PyTorch's float {@code attn_mask}: a tensor of q's dtype that broadcasts to
 * [..., T, S] and is added to the scaled scores; use −∞ to forbid a position. {@code causal} forbids j &gt; i
 * (aligned at the top left, as PyTorch's {@code is_causal}). A row with every position forbidden has no
 * softmax and gives NaN, as in PyTorch's reference implementation.
 *
 * <p><b>Memory.</b> P [..., T, S] is saved for backward with q, k, v: B·H·T·S values per call. Saving only
 * the row log-sum-exp and recomputing P from q·kᵀ would trade that for one more [T, S] product per head.
 */
public final class AttentionFns {
    private AttentionFns() {}

    /**
     * softmax(q·kᵀ/√D + mask)·v for q [..., T, D], k [..., S, D], v [..., S, Dv] with equal leading axes
     * (typically [B, H]) → [..., T, Dv].
     *
     * @param causal forbid key positions j &gt; i for query i
     * @param mask additive mask broadcastable to [..., T, S] (not differentiated), or null
     */
    public static Variable sdpa(Variable q, Variable k, Variable v, boolean causal, Tensor mask) {
        Tensor qv = q.value();
        Tensor kv = k.value();
        Tensor vv = v.value();
        checkShapes(qv, kv, vv, mask);
        int t = qv.dim(-2);
        int s = kv.dim(-2);
        double scale = 1 / Math.sqrt(qv.dim(-1));
        Tensor scores = qv.matmul(kv.transpose(-2, -1)).mulInPlace(scale);   // [..., T, S]
        if (mask != null) {
            scores.addInPlace(mask);
        }
        if (causal) {
            scores.addInPlace(causalMask(scores, t, s));                       // [T, S] broadcast
        }
        Tensor p = scores.softmax(-1);                                          // [..., T, S]
        Tensor out = p.matmul(vv);                                              // [..., T, Dv]
        return Node.op("sdpa", out).inputs(q, k, v).save(qv, kv, vv, p)
                .backward((ctx, g) -> {
                    Tensor qs = ctx.saved(0);
                    Tensor ks = ctx.saved(1);
                    Tensor vs = ctx.saved(2);
                    Tensor ps = ctx.saved(3);
                    Tensor gv = ctx.needsGrad(2) ? ps.transpose(-2, -1).matmul(g) : null;  // [..., S, Dv]
                    if (!ctx.needsGrad(0) && !ctx.needsGrad(1)) {
                        return new Tensor[] {null, null, gv};
                    }
                    Tensor dz = g.matmul(vs.transpose(-2, -1)).mulInPlace(ps);  // ∂P⊙P  [..., T, S]
                    Tensor rowSum = dz.sum(-1, true);                            // [..., T, 1]
                    dz.subInPlace(ps.mul(rowSum));                               // ∂Z = P⊙∂P − P·rowsum
                    Tensor gq = null;
                    Tensor gk = null;
                    if (ctx.needsGrad(0)) {
                        gq = dz.matmul(ks).mulInPlace(scale);                    // [..., T, D]
                    }
                    if (ctx.needsGrad(1)) {
                        gk = dz.transpose(-2, -1).matmul(qs).mulInPlace(scale);  // [..., S, D]
                    }
                    return new Tensor[] {gq, gk, gv};
                });
    }

    /** [T, S] of 0 where j ≤ i and −∞ where j &gt; i, in the scores' dtype. */
    private static Tensor causalMask(Tensor scores, int t, int s) {
        Tensor m = Tensor.zeros(scores.dtype(), t, s);
        for (int i = 0; i < t; i++) {
            if (i + 1 < s) {
                m.narrow(0, i, 1).narrow(1, i + 1, s - i - 1).fill(Double.NEGATIVE_INFINITY);
            }
        }
        return m;
    }

    private static void checkShapes(Tensor q, Tensor k, Tensor v, Tensor mask) {
        String shapes = "q " + Shapes.str(q.shape()) + ", k " + Shapes.str(k.shape()) + ", v " + Shapes.str(v.shape());
        if (q.rank() < 2 || k.rank() != q.rank() || v.rank() != q.rank()) {
            throw new IllegalArgumentException("sdpa: q, k and v must have the same rank ≥ 2, got " + shapes);
        }
        int lead = q.rank() - 2;
        if (!Arrays.equals(Arrays.copyOf(q.shape(), lead), Arrays.copyOf(k.shape(), lead))
                || !Arrays.equals(Arrays.copyOf(q.shape(), lead), Arrays.copyOf(v.shape(), lead))) {
            throw new IllegalArgumentException("sdpa: q, k and v must have equal leading (batch, head) axes, got "
                    + shapes);
        }
        if (k.dim(-1) != q.dim(-1)) {
            throw new IllegalArgumentException("sdpa: q and k must have the same last dimension D, got " + shapes);
        }
        if (v.dim(-2) != k.dim(-2)) {
            throw new IllegalArgumentException("sdpa: k and v must have the same number of positions S, got "
                    + shapes);
        }
        if (q.dtype() != k.dtype() || q.dtype() != v.dtype()) {
            throw new IllegalArgumentException("sdpa: dtypes differ: q " + q.dtype() + ", k " + k.dtype() + ", v "
                    + v.dtype());
        }
        if (mask != null) {
            int[] scores = Arrays.copyOf(q.shape(), q.rank());
            scores[q.rank() - 1] = k.dim(-2);
            int[] joint = Shapes.broadcast("sdpa mask", mask.shape(), scores);
            if (!Arrays.equals(joint, scores) || mask.dtype() != q.dtype()) {
                throw new IllegalArgumentException("sdpa: mask " + Shapes.str(mask.shape()) + " " + mask.dtype()
                        + " must be " + q.dtype() + " and broadcast to the scores' shape " + Shapes.str(scores));
            }
        }
    }
}
