package org.mofa4j.nn.sample;

import java.util.Arrays;
import java.util.Map;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * Incremental inference for a {@link Gpt}: the prompt runs once ({@link #prefill}), then each new token costs one
 * position ({@link #next}), attending to the keys and values kept in a {@link KvCache} instead of recomputing
 * the prefix. Per token the attention work is O(T·C) and the dense layers O(C²), against O(T²·C + T·C²) for a
 * full forward over the window.
 *
 * <p>The computation is {@link Gpt#forward}'s, written with plain tensor ops (no autograd node is ever built),
 * for a chunk of T new positions [s₀, s₀ + T) after S₀ = s₀ cached ones, S = s₀ + T:
 * <pre>
 *   x = wte[ids] + wpe[s₀ .. s₀+T−1]                                   [T, C]
 *   per block:  h = LN₁(x)                   LN(x) = (x − μ)/√(σ² + 1e−5)·γ + β over C
 *               q, k, v = h·W_qkvᵀ + b       split into [H, T, D], D = C/H; k, v → cache positions [s₀, S)
 *               o = softmax(q·K[:S]ᵀ/√D + M)·V[:S]                     [H, T, D],  M: −∞ where j &gt; s₀ + i
 *               x = x + o·W_projᵀ + b        (o merged to [T, C])
 *               x = x + GELU_tanh(LN₂(x)·W_fcᵀ + b)·W_projᵀ + b
 *   logits = LN_f(x[T−1])·wteᵀ                                          [V]   (the tied head)
 * </pre>
 * Dropout is absent (inference). The ops and their order are the forward's (LayerNorm with the population
 * variance, tanh GELU, scale 1/√D, additive −∞ mask), and Gemm fixes each element's summation order whatever the
 * shape, so in practice the logits are bit-identical to {@link Gpt#forward}'s (masked keys add exact zeros); the
 * tests still allow 1e-5 relative.
 *
 * <p><b>Weights.</b> The decoder reads the model's parameters once, by name, from {@link Gpt#stateDict()} and
 * keeps those live tensors: no copy is made, and in-place updates (an optimizer step, {@code loadStateDict})
 * are seen by the next call. Keys and values already cached were computed with the old weights, so call
 * {@link #prefill} again after changing weights. A model with LoRA adapters is refused (at construction and at
 * each {@link #prefill}) until {@code Lora.merge} folds them into the weights.
 *
 * <p><b>Full context.</b> Positions are learned embeddings for [0, context), so the sequence cannot simply grow
 * past the context. With {@link OnFullContext#SLIDE}, {@link #next} on a full cache keeps the last
 * {@code slideKeep} tokens, appends the new one and prefills that window again at positions 0, 1, ...; with the
 * default {@code slideKeep = context − 1} the logits are exactly those of a full forward over the last
 * {@code context} tokens (the sliding window of nanoGPT's sampler), at the cost of one prefill per token once the
 * window is full. A smaller {@code slideKeep} re-prefills only every {@code context − slideKeep} tokens, at the
 * price of a shorter, growing window after each slide (different logits). A prompt longer than the context is
 * cut to its last {@code context} tokens. With {@link OnFullContext#THROW} both throw instead.
 *
 * <p>One decoder holds one sequence; it is not thread-safe.
 */
public final class GptDecoder {
    /** What happens when the sequence would grow past the context length. */
    public enum OnFullContext {
        /** Keep the most recent tokens and prefill them again (see the class comment). */
        SLIDE,
        /** Throw an {@link IllegalStateException} (or, for a long prompt, an {@link IllegalArgumentException}). */
        THROW
    }

    private static final double LN_EPS = 1e-5;      // LayerNorm's
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double GELU_CUBIC = 0.044715;

    private final GptConfig config;
    private final OnFullContext onFull;
    private final int slideKeep;
    private final Tensor wte;                       // [V, C], also the head
    private final Tensor wpe;                       // [context, C]
    private final LayerWeights[] layers;
    private final Tensor lnFWeight;
    private final Tensor lnFBias;
    private final KvCache cache;
    private final int[] tokens;                     // the ids at cache positions [0, cache.length())
    private final Gpt model;                        // only to notice LoRA adapters enabled later

    /** A decoder that slides exactly (keeps context − 1 tokens) when the context is full. */
    public GptDecoder(Gpt model) {
        this(model, OnFullContext.SLIDE, model.config().context() - 1);
    }

    /**
     * @param onFull    what {@link #next} does on a full cache and {@link #prefill} with a long prompt
     * @param slideKeep tokens kept when sliding, in [0, context − 1]; context − 1 reproduces the full forward
     *                  over the last window exactly (checked even under THROW, where it is unused)
     */
    public GptDecoder(Gpt model, OnFullContext onFull, int slideKeep) {
        this.config = model.config();
        if (onFull == null) {
            throw new IllegalArgumentException("GptDecoder: onFull must be SLIDE or THROW, got null");
        }
        if (slideKeep < 0 || slideKeep > config.context() - 1) {
            throw new IllegalArgumentException("GptDecoder: slideKeep must be in [0, " + (config.context() - 1)
                    + "] for context " + config.context() + ", got " + slideKeep);
        }
        this.onFull = onFull;
        this.slideKeep = slideKeep;
        this.model = model;
        Map<String, Tensor> state = model.stateDict();
        rejectAdapters(state);
        int c = config.width();
        this.wte = param(state, "wte.weight", config.vocab(), c);
        this.wpe = param(state, "wpe.weight", config.context(), c);
        this.layers = new LayerWeights[config.layers()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = new LayerWeights(state, "blocks." + l + ".", c);
        }
        this.lnFWeight = param(state, "ln_f.weight", c);
        this.lnFBias = param(state, "ln_f.bias", c);
        this.cache = new KvCache(config.layers(), config.heads(), config.context(), config.headWidth(), wte.dtype());
        this.tokens = new int[config.context()];
    }

    public GptConfig config() {
        return config;
    }

    /** Positions currently cached (≤ context). */
    public int length() {
        return cache.length();
    }

    /** The token ids at the cached positions, oldest first (a copy). */
    public int[] tokens() {
        return Arrays.copyOf(tokens, cache.length());
    }

    /** The cache, for inspection; {@link #prefill} and {@link #next} are the only writers it should have. */
    public KvCache cache() {
        return cache;
    }

    /**
     * Starts a new sequence: forgets the cache, runs the prompt and returns the logits after its last token.
     *
     * @param prompt ids in [0, vocab), at least one; under SLIDE only the last {@code context} are used
     * @return logits [V], a fresh tensor
     */
    public Tensor prefill(int[] prompt) {
        if (prompt == null || prompt.length == 0) {
            throw new IllegalArgumentException("GptDecoder.prefill: the prompt is empty; give at least one token");
        }
        checkIds("prefill", prompt);
        rejectAdapters(model.stateDict());
        int context = config.context();
        if (prompt.length > context && onFull == OnFullContext.THROW) {
            throw new IllegalArgumentException("GptDecoder.prefill: the prompt has " + prompt.length
                    + " tokens, more than the context " + context + " (this decoder was built with THROW)");
        }
        int[] window = prompt.length > context ? Arrays.copyOfRange(prompt, prompt.length - context, prompt.length)
                : prompt.clone();
        cache.clear();
        return run(window, 0);
    }

    /**
     * Appends one token and returns the logits after it. On an empty cache this is {@code prefill({token})}; on a
     * full one it follows the {@link OnFullContext} policy.
     *
     * @return logits [V], a fresh tensor
     */
    public Tensor next(int token) {
        checkIds("next", new int[] {token});
        int length = cache.length();
        if (length < config.context()) {
            return run(new int[] {token}, length);
        }
        if (onFull == OnFullContext.THROW) {
            throw new IllegalStateException("GptDecoder.next: the sequence already fills the context of "
                    + config.context() + " positions and this decoder was built with THROW; prefill a shorter"
                    + " sequence or build it with SLIDE");
        }
        int[] window = Arrays.copyOfRange(tokens, length - slideKeep, length + 1);
        window[slideKeep] = token;
        cache.clear();
        return run(window, 0);
    }

    /** Forgets the sequence. */
    public void reset() {
        cache.clear();
    }

    /** Runs ids at positions [start, start + T), appending their keys and values; logits of the last one [V]. */
    private Tensor run(int[] ids, int start) {
        int t = ids.length;
        int s = start + t;
        int c = config.width();
        System.arraycopy(ids, 0, tokens, start, t);
        Tensor x = wte.indexSelect(0, IntTensor.wrap(ids.clone(), t)).addInPlace(wpe.narrow(0, start, t)); // [T, C]
        Tensor mask = t > 1 ? causalMask(t, start) : null;     // one new position sees every cached one
        double scale = 1 / Math.sqrt(config.headWidth());
        for (int l = 0; l < layers.length; l++) {
            LayerWeights w = layers[l];
            Tensor qkv = linear(layerNorm(x, w.ln1Weight, w.ln1Bias), w.qkvWeight, w.qkvBias);   // [T, 3C]
            Tensor q = headsView(qkv.narrow(1, 0, c), t);                                        // [H, T, D]
            cache.write(l, start, headsView(qkv.narrow(1, c, c), t), headsView(qkv.narrow(1, 2 * c, c), t));
            Tensor keys = cache.keys(l, s);                                                      // [H, S, D]
            Tensor values = cache.values(l, s);                                                  // [H, S, D]
            Tensor scores = q.matmul(keys.transpose(1, 2)).mulInPlace(scale);                   // [H, T, S]
            if (mask != null) {
                scores.addInPlace(mask);
            }
            Tensor o = scores.softmax(-1).matmul(values);                                        // [H, T, D]
            Tensor merged = o.transpose(0, 1).reshape(t, c);                                     // [T, C]
            x.addInPlace(linear(merged, w.attnProjWeight, w.attnProjBias));
            Tensor hidden = gelu(linear(layerNorm(x, w.ln2Weight, w.ln2Bias), w.fcWeight, w.fcBias)); // [T, 4C]
            x.addInPlace(linear(hidden, w.mlpProjWeight, w.mlpProjBias));
        }
        cache.advance(s);
        Tensor last = layerNorm(x.narrow(0, t - 1, 1), lnFWeight, lnFBias);                      // [1, C]
        return last.matmul(wte.transpose(0, 1)).reshape(config.vocab());                          // [V]
    }

    /** [T, C] slice (row stride 3C) → [H, T, D] view. */
    private Tensor headsView(Tensor part, int t) {
        return part.view(t, config.heads(), config.headWidth()).transpose(0, 1);
    }

    /** [T, S] additive mask: 0 where key j ≤ start + i, −∞ after (query i sits at position start + i). */
    private Tensor causalMask(int t, int start) {
        int s = start + t;
        Tensor m = Tensor.zeros(wte.dtype(), t, s);
        for (int i = 0; i < t - 1; i++) {
            int firstHidden = start + i + 1;
            m.narrow(0, i, 1).narrow(1, firstHidden, s - firstHidden).fill(Double.NEGATIVE_INFINITY);
        }
        return m;
    }

    /** x·Wᵀ + b for x [N, in], W [out, in] → [N, out] (MatmulFns.linear's order of operations). */
    private static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return x.matmul(weight.transpose(0, 1)).addInPlace(bias);
    }

    /** LayerNorm over the last axis with the population variance, as NormFns.layerNorm. */
    private static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias) {
        Tensor mean = x.mean(-1, true);                                                  // [N, 1]
        Tensor rstd = x.var(new int[] {-1}, true, 0).addInPlace(LN_EPS).rsqrt();          // [N, 1]
        return x.sub(mean).mulInPlace(rstd).mulInPlace(weight).addInPlace(bias);
    }

    /** ½x(1 + tanh(√(2/π)·x·(1 + 0.044715x²))), as ActivationFns' TANH GELU. */
    private static Tensor gelu(Tensor x) {
        Tensor t = x.square().mulInPlace(GELU_CUBIC).addInPlace(1).mulInPlace(x).mulInPlace(SQRT_2_OVER_PI).tanh();
        return t.addInPlace(1).mulInPlace(x).mulInPlace(0.5);
    }

    private void checkIds(String op, int[] ids) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= config.vocab()) {
                throw new IllegalArgumentException("GptDecoder." + op + ": token " + ids[i] + " at position " + i
                        + " is outside [0, " + config.vocab() + ")");
            }
        }
    }

    /**
     * The decoder reads the plain GPT weights; LoRA adapters ({@code ...lora.A}, {@code ...lora.B}) would be
     * silently left out, so a model that has them is refused until they are merged.
     */
    private static void rejectAdapters(Map<String, Tensor> state) {
        for (String name : state.keySet()) {
            if (name.contains(".lora.")) {
                throw new IllegalStateException("GptDecoder: the model has LoRA adapters (" + name + "), which the"
                        + " decoder would ignore; call Lora.merge(model) before sampling");
            }
        }
    }

    private static Tensor param(Map<String, Tensor> state, String name, int... shape) {
        Tensor t = state.get(name);
        if (t == null) {
            throw new IllegalArgumentException("GptDecoder: the model has no parameter '" + name
                    + "' (a plain Gpt is expected; merge adapters first)");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("GptDecoder: parameter '" + name + "' has shape "
                    + Shapes.str(t.shape()) + ", expected " + Shapes.str(shape));
        }
        return t;
    }

    /** One block's live parameter tensors. */
    private static final class LayerWeights {
        final Tensor ln1Weight;
        final Tensor ln1Bias;
        final Tensor qkvWeight;
        final Tensor qkvBias;
        final Tensor attnProjWeight;
        final Tensor attnProjBias;
        final Tensor ln2Weight;
        final Tensor ln2Bias;
        final Tensor fcWeight;
        final Tensor fcBias;
        final Tensor mlpProjWeight;
        final Tensor mlpProjBias;

        LayerWeights(Map<String, Tensor> state, String prefix, int c) {
            ln1Weight = param(state, prefix + "ln1.weight", c);
            ln1Bias = param(state, prefix + "ln1.bias", c);
            qkvWeight = param(state, prefix + "attn.qkv.weight", 3 * c, c);
            qkvBias = param(state, prefix + "attn.qkv.bias", 3 * c);
            attnProjWeight = param(state, prefix + "attn.proj.weight", c, c);
            attnProjBias = param(state, prefix + "attn.proj.bias", c);
            ln2Weight = param(state, prefix + "ln2.weight", c);
            ln2Bias = param(state, prefix + "ln2.bias", c);
            fcWeight = param(state, prefix + "mlp.fc.weight", 4 * c, c);
            fcBias = param(state, prefix + "mlp.fc.bias", 4 * c);
            mlpProjWeight = param(state, prefix + "mlp.proj.weight", c, 4 * c);
            mlpProjBias = param(state, prefix + "mlp.proj.bias", c);
        }
    }
}
