package org.mofa4j.nn;

import java.util.ArrayList;
import java.util.List;
import org.mofa4j.autograd.AnomalyMode;
import org.mofa4j.autograd.ElementwiseFns;
import org.mofa4j.autograd.LossFns;
import org.mofa4j.autograd.MatmulFns;
import org.mofa4j.autograd.ShapeFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Shapes;

/**
 * A GPT-2-style decoder (Radford et al., 2019) with pre-LN blocks and a head tied to the token embedding.
 * <pre>
 *   ids [B, T] → wte(ids) + wpe(0..T−1) [B, T, C] → dropout → blocks → ln_f → ·wteᵀ → logits [B, T, V]
 * </pre>
 * Initialisation follows GPT-2: every weight N(0, 0.02), biases 0, LayerNorm γ = 1, β = 0, and the two
 * residual projections of each block (attn.proj, mlp.proj) N(0, 0.02/√(2·layers)).
 *
 * <p>Parameter names: {@code wte.weight}, {@code wpe.weight}, {@code blocks.N.ln1.weight|bias},
 * {@code blocks.N.attn.qkv.weight|bias}, {@code blocks.N.attn.proj.weight|bias},
 * {@code blocks.N.ln2.weight|bias}, {@code blocks.N.mlp.fc.weight|bias}, {@code blocks.N.mlp.proj.weight|bias},
 * {@code ln_f.weight|bias}. The output head is {@code wte.weight} itself, so it is not listed twice.
 */
public final class Gpt extends Module {
    private static final double STD = 0.02;
    private final GptConfig config;
    private final Embedding wte;
    private final Embedding wpe;
    private final Dropout dropout;
    private final List<Block> blocks = new ArrayList<>();
    private final LayerNorm lnF;
    private final Rng dropoutRng;

    /**
     * @param seed seeds the initial weights; dropout masks come from a separate stream of the same seed,
     *     whose state {@link #dropoutRng()} exposes for checkpoints
     */
    public Gpt(GptConfig config, long seed) {
        this.config = config;
        Rng init = new Rng(seed);
        this.dropoutRng = new Rng(seed).fork(1);
        double projStd = STD / Math.sqrt(2.0 * config.layers());
        this.wte = addChild("wte", new Embedding(config.vocab(), config.width(), STD, init));
        this.wpe = addChild("wpe", new Embedding(config.context(), config.width(), STD, init));
        this.dropout = addChild("dropout", new Dropout(config.dropout(), dropoutRng));
        for (int i = 0; i < config.layers(); i++) {
            blocks.add(addChild("blocks." + i, new Block(config, STD, projStd, init, dropoutRng)));
        }
        this.lnF = addChild("ln_f", new LayerNorm(config.width()));
        assignFullNames();
    }

    public GptConfig config() {
        return config;
    }

    /** The generator of dropout masks (its state goes into checkpoints for exact resume). */
    public Rng dropoutRng() {
        return dropoutRng;
    }

    /** Replaces the dropout generator's state (when resuming). */
    public void restoreDropoutState(long[] state) {
        dropoutRng.setState(state);
    }

    /** ids [B, T] with T ≤ context, values in [0, vocab) → logits [B, T, V]. */
    public Variable forward(IntTensor ids) {
        if (ids.rank() != 2) {
            throw new IllegalArgumentException("Gpt.forward: ids must be [B, T], got shape " + Shapes.str(ids.shape()));
        }
        int t = ids.dim(1);
        if (t > config.context()) {
            throw new IllegalArgumentException("Gpt.forward: sequence length " + t + " exceeds the context "
                    + config.context());
        }
        int[] positions = new int[t];
        for (int i = 0; i < t; i++) {
            positions[i] = i;
        }
        // layer scopes name the layer in anomaly-mode errors; they are shared no-ops when anomaly mode is off
        Variable x;
        try (AnomalyMode.Scope _ = AnomalyMode.layer("embeddings")) {
            Variable tok = wte.forward(ids);                              // [B, T, C]
            Variable pos = wpe.forward(IntTensor.wrap(positions, t));     // [T, C]
            x = dropout.forward(ElementwiseFns.add(tok, pos));
        }
        for (int i = 0; i < blocks.size(); i++) {
            try (AnomalyMode.Scope _ = AnomalyMode.layer("blocks." + i)) {
                x = blocks.get(i).forward(x);
            }
        }
        try (AnomalyMode.Scope _ = AnomalyMode.layer("ln_f")) {
            x = lnF.forward(x);
        }
        try (AnomalyMode.Scope _ = AnomalyMode.layer("head")) {
            return MatmulFns.linear(x, wte.weight());                     // [B, T, V]
        }
    }

    /** Mean cross-entropy of next-token prediction: logits(ids) against targets [B, T]. */
    public Variable loss(IntTensor ids, IntTensor targets) {
        Variable logits = forward(ids);
        int v = config.vocab();
        return LossFns.crossEntropy(ShapeFns.reshape(logits, -1, v), targets.reshape(-1));
    }

    public List<Block> blocks() {
        return blocks;
    }

    public Embedding tokenEmbedding() {
        return wte;
    }
}
