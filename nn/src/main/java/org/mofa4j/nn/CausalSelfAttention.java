package org.mofa4j.nn;

import org.mofa4j.autograd.AttentionFns;
import org.mofa4j.autograd.ShapeFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Rng;

/**
 * Multi-head causal self-attention.
 * <pre>
 *   x [B, T, C] → qkv = x·W_qkvᵀ + b [B, T, 3C] → q, k, v [B, H, T, D]  (views, D = C/H)
 *   o = softmax(q·kᵀ/√D + causal mask)·v [B, H, T, D] → [B, T, C] → proj → dropout
 * </pre>
 */
public final class CausalSelfAttention extends Module {
    private final int heads;
    private final Linear qkv;
    private final Linear proj;
    private final Dropout dropout;

    public CausalSelfAttention(int width, int heads, double std, double projStd, double dropoutP, Rng init,
            Rng dropoutRng) {
        if (width % heads != 0) {
            throw new IllegalArgumentException("CausalSelfAttention: heads (" + heads + ") must divide the width ("
                    + width + ")");
        }
        this.heads = heads;
        this.qkv = addChild("qkv", new Linear(width, 3 * width, true, std, init));
        this.proj = addChild("proj", new Linear(width, width, true, projStd, init));
        this.dropout = new Dropout(dropoutP, dropoutRng);
        addChild("dropout", dropout);
    }

    /** x [B, T, C] → [B, T, C]. */
    public Variable forward(Variable x) {
        int[] s = x.shape();
        int b = s[0];
        int t = s[1];
        int c = s[2];
        int d = c / heads;
        Variable qkvOut = qkv.forward(x);                                   // [B, T, 3C]
        Variable q = headsView(ShapeFns.narrow(qkvOut, 2, 0, c), b, t, d);  // [B, H, T, D]
        Variable k = headsView(ShapeFns.narrow(qkvOut, 2, c, c), b, t, d);
        Variable v = headsView(ShapeFns.narrow(qkvOut, 2, 2 * c, c), b, t, d);
        Variable o = AttentionFns.sdpa(q, k, v, true, null);                // [B, H, T, D]
        Variable merged = ShapeFns.reshape(ShapeFns.transpose(o, 1, 2), b, t, c); // [B, T, C]
        return dropout.forward(proj.forward(merged));
    }

    /** [B, T, C'] slice → [B, H, T, D] view. */
    private Variable headsView(Variable part, int b, int t, int d) {
        return ShapeFns.transpose(ShapeFns.view(part, b, t, heads, d), 1, 2);
    }
}
