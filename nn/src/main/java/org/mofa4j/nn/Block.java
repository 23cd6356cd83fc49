package org.mofa4j.nn;

import org.mofa4j.autograd.AnomalyMode;
import org.mofa4j.autograd.ElementwiseFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Rng;

/** A pre-LayerNorm transformer block: x + attn(ln1(x)), then + mlp(ln2(·)). Shapes [B, T, C] throughout. */
public final class Block extends Module {
    private final LayerNorm ln1;
    private final CausalSelfAttention attn;
    private final LayerNorm ln2;
    private final Mlp mlp;

    public Block(GptConfig cfg, double std, double projStd, Rng init, Rng dropoutRng) {
        this.ln1 = addChild("ln1", new LayerNorm(cfg.width()));
        this.attn = addChild("attn",
                new CausalSelfAttention(cfg.width(), cfg.heads(), std, projStd, cfg.dropout(), init, dropoutRng));
        this.ln2 = addChild("ln2", new LayerNorm(cfg.width()));
        this.mlp = addChild("mlp", new Mlp(cfg.width(), std, projStd, cfg.dropout(), init, dropoutRng));
    }

    public Variable forward(Variable x) {
        Variable h;
        try (AnomalyMode.Scope _ = AnomalyMode.layer("attn")) { // names the layer in anomaly-mode errors
            h = ElementwiseFns.add(x, attn.forward(ln1.forward(x)));
        }
        try (AnomalyMode.Scope _ = AnomalyMode.layer("mlp")) {
            return ElementwiseFns.add(h, mlp.forward(ln2.forward(h)));
        }
    }

    public CausalSelfAttention attention() {
        return attn;
    }

    public Mlp mlp() {
        return mlp;
    }
}
