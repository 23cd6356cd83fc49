package org.mofa4j.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.mofa4j.autograd.DropoutFns;
import org.mofa4j.autograd.ElementwiseFns;
import org.mofa4j.autograd.MatmulFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * LoRA (Hu et al., "LoRA: Low-Rank Adaptation of Large Language Models", ICLR 2022, arXiv:2106.09685): a frozen
 * Linear plus a trainable rank-r update.
 * <pre>
 *   y = x·Wᵀ + b + s·dropout(x)·Aᵀ·Bᵀ,   s = α/r
 *       x [..., in], W [out, in] and b [out] frozen, A [r, in], B [out, r] trainable
 *   A ~ U(−1/√in, 1/√in)   (kaiming_uniform_ with a = √5: gain √(2/(1+a²)) = √(1/3), bound gain·√(3/in) = 1/√in,
 *                            as PyTorch peft initialises lora_A)
 *   B = 0                  (so the adapted model starts exactly equal to the base)
 *   ∂A = s·(G·B)ᵀ·X_d,  ∂B = s·Gᵀ·(X_d·Aᵀ),  ∂x = G·W + s·(G·B·A)⊙mask     (G = ∂y, X_d = dropout(x))
 *   merge: W ← W + s·B·A
 * </pre>
 * The adapter is built inside {@link Linear} ({@link Linear#enableLora}), so it works on the Linears the GPT holds
 * in final fields; its parameters are named {@code <linear>.lora.A} and {@code <linear>.lora.B}.
 *
 * <p><b>{@link #apply}</b> makes a model a LoRA model: the chosen Linears get adapters (by default every attention
 * {@code qkv}/{@code proj} and MLP {@code fc}/{@code proj}, see {@link #ATTENTION_AND_MLP}) and every other parameter
 * (the other Linears, embeddings, LayerNorms) is frozen, so afterwards {@code model.trainableParameters()} is
 * exactly the A and B matrices and an optimizer built from it trains nothing else. Per adapted Linear that is
 * r·(in + out) elements; for {@link GptConfig#tiny()} (4 blocks, width 128) 2048·r per block, 8192·r in all.
 *
 * <p><b>How frozen.</b> Every base parameter is frozen with {@link Variable#setRequiresGrad}(false): the same
 * variables and tensors, but ops record no gradient for them, so backward computes none (no embedding scatter, no
 * weight products for frozen layers). Freeze before building the optimizer.
 *
 * <p><b>Checkpoints.</b> An adapted model's {@code stateDict()} holds the frozen base tensors under their usual
 * names plus {@code ...lora.A} and {@code ...lora.B}; it loads only into a model adapted the same way. To fine-tune
 * a pretrained model, load the base weights into a plain {@link Gpt} first and apply LoRA after. {@link #merge}
 * folds every adapter into its weight and the model lists the plain GPT names again, so its state dict loads into
 * a fresh {@code Gpt} (which is fully trainable). The KV-cache decoder reads weights by name and refuses a model
 * with adapters: merge before sampling.
 *
 * <p><b>Dropout.</b> The adapters' input dropout draws from the model's dropout generator
 * ({@link Gpt#dropoutRng()}), whose state checkpoints already carry, and is active in training mode only.
 */
public final class Lora {
    private Lora() {}

    private static final Pattern DEFAULT_TARGETS =
            Pattern.compile("blocks\\.\\d+\\.(attn\\.(qkv|proj)|mlp\\.(fc|proj))");

    /** The default targets: each block's attention {@code qkv}, {@code proj} and MLP {@code fc}, {@code proj}. */
    public static final Predicate<String> ATTENTION_AND_MLP = name -> DEFAULT_TARGETS.matcher(name).matches();

    /**
     * The adapter of one Linear: parameters {@code A} [r, in] and {@code B} [out, r], registered as the Linear's
     * child {@code lora}. Made by {@link Linear#enableLora}.
     */
    public static final class Adapter extends Module {
        private final LoraConfig config;
        private final Variable a;
        private final Variable b;
        private final Rng dropoutRng;

        Adapter(LoraConfig config, Tensor aValue, Tensor bValue, Rng dropoutRng) {
            this.config = config;
            this.dropoutRng = dropoutRng;
            this.a = addParameter("A", aValue);
            this.b = addParameter("B", bValue);
        }

        public LoraConfig config() {
            return config;
        }

        /** A [r, in], trainable. */
        public Variable a() {
            return a;
        }

        /** B [out, r], trainable. */
        public Variable b() {
            return b;
        }

        Rng dropoutRng() {
            return dropoutRng;
        }
    }

    /**
     * The adapted layer's forward: x·Wᵀ + b + s·dropout(x)·Aᵀ·Bᵀ. x [..., in] → [..., out]. The scale is applied
     * to the [..., r] intermediate, the smallest tensor on the path.
     *
     * @param bias     [out] or null
     * @param training dropout is applied only when true (and p &gt; 0)
     * @param rng      dropout masks; may be null when p = 0 or not training
     */
    public static Variable forward(Variable x, Variable weight, Variable bias, Variable a, Variable b, double scale,
            double p, boolean training, Rng rng) {
        Variable base = bias == null ? MatmulFns.linear(x, weight) : MatmulFns.linear(x, weight, bias); // [..., out]
        Variable xd = DropoutFns.dropout(x, p, training, rng);                                          // [..., in]
        Variable h = ElementwiseFns.mul(MatmulFns.linear(xd, a), scale);                                // [..., r]
        return ElementwiseFns.add(base, MatmulFns.linear(h, b));                                        // [..., out]
    }

    /** {@link #apply(Gpt, LoraConfig, long, Predicate)} on the default targets {@link #ATTENTION_AND_MLP}. */
    public static List<String> apply(Gpt model, LoraConfig config, long seed) {
        return apply(model, config, seed, ATTENTION_AND_MLP);
    }

    /**
     * Adds adapters to the Linears whose names {@code whichLinears} accepts (e.g. {@code blocks.0.attn.qkv}) and
     * freezes every other parameter; see the class comment. A matrices are drawn in model order from
     * {@code new Rng(seed)}; dropout masks come from {@link Gpt#dropoutRng()}.
     *
     * @return the names of the adapted Linears, in model order
     * @throws IllegalArgumentException if no Linear matches (the message lists the model's Linears)
     * @throws IllegalStateException    if a chosen Linear already has an adapter
     */
    public static List<String> apply(Gpt model, LoraConfig config, long seed, Predicate<String> whichLinears) {
        return apply(model, config, new Rng(seed), model.dropoutRng(), whichLinears);
    }

    /** {@link #apply(Gpt, LoraConfig, long, Predicate)} for any module, with explicit generators. */
    public static List<String> apply(Module model, LoraConfig config, Rng init, Rng dropoutRng,
            Predicate<String> whichLinears) {
        if (model == null || config == null || init == null || whichLinears == null) {
            throw new IllegalArgumentException("Lora.apply: model, config, init and whichLinears must not be null");
        }
        if (config.dropout() > 0 && dropoutRng == null) { // checked before any layer changes
            throw new IllegalArgumentException("Lora.apply: dropout " + config.dropout()
                    + " needs a dropout Rng, got null");
        }
        Map<String, Module> modules = model.namedModules();
        List<String> chosen = new ArrayList<>();
        List<String> allLinears = new ArrayList<>();
        for (Map.Entry<String, Module> e : modules.entrySet()) {
            if (e.getValue() instanceof Linear linear) {
                allLinears.add(e.getKey());
                if (whichLinears.test(e.getKey())) {
                    if (linear.isLoraEnabled()) {
                        throw new IllegalStateException("Lora.apply: " + e.getKey() + " already has a LoRA adapter");
                    }
                    chosen.add(e.getKey());
                }
            }
        }
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException("Lora.apply: no Linear matched the selection; the model's Linears are "
                    + allLinears);
        }
        model.freeze(); // every base parameter, shared ones (the tied head) included
        for (String name : chosen) {
            ((Linear) modules.get(name)).enableLora(config, init, dropoutRng);
        }
        model.assignFullNames();
        return chosen;
    }

    /** The Linears with an active adapter, by full name, in model order. */
    public static Map<String, Linear> adaptedLinears(Module model) {
        Map<String, Linear> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            if (e.getValue() instanceof Linear linear && linear.isLoraEnabled()) {
                out.put(e.getKey(), linear);
            }
        }
        return out;
    }

    /**
     * Folds every active adapter into its weight ({@link Linear#merge}): the model computes the same function
     * with its plain parameter names; everything stays frozen.
     *
     * @return how many adapters were merged
     */
    public static int merge(Module model) {
        Map<String, Linear> adapted = adaptedLinears(model);
        for (Linear linear : adapted.values()) {
            linear.merge();
        }
        model.assignFullNames();
        return adapted.size();
    }

    /** Elements in the active adapters' A and B: Σ r·(in + out) over the adapted Linears. */
    public static long trainableParameterCount(Module model) {
        long n = 0;
        for (Linear linear : adaptedLinears(model).values()) {
            n += linear.lora().a().value().numel() + (long) linear.lora().b().value().numel();
        }
        return n;
    }

    /**
     * One line for logs, e.g. {@code "LoRA r=8, α=16, dropout 0: 16 adapted Linears; trainable 65,536 of 899,840
     * parameters (7.28%)"}. Trainable counts every parameter that requires grad; the total includes the adapters.
     */
    public static String report(Module model) {
        Map<String, Linear> adapted = adaptedLinears(model);
        Set<String> configs = new LinkedHashSet<>();
        for (Linear linear : adapted.values()) {
            LoraConfig c = linear.lora().config();
            configs.add("r=" + c.rank() + ", α=" + fmt(c.alpha()) + ", dropout " + fmt(c.dropout()));
        }
        long trainable = model.trainableParameterCount();
        long total = model.parameterCount();
        return String.format(Locale.ROOT, "LoRA %s: %d adapted Linears; trainable %,d of %,d parameters (%.2f%%)",
                configs.isEmpty() ? "(none)" : String.join(" | ", configs), adapted.size(), trainable, total,
                total == 0 ? 0.0 : 100.0 * trainable / total);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
