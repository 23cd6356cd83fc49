package org.mofa4j.nn;

import org.mofa4j.autograd.MatmulFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * y = x·Wᵀ + b with W [out, in] (PyTorch layout) and b [out]; x [..., in] → y [..., out].
 *
 * <p><b>LoRA.</b> {@link #enableLora} adds a low-rank adapter (see {@link Lora} for the equations):
 * <pre>
 *   y = x·Wᵀ + b + (α/r)·dropout(x)·Aᵀ·Bᵀ       A [r, in], B [out, r]
 * </pre>
 * W and b become frozen (they no longer require grad) and the adapter is registered as child {@code lora} with
 * parameters {@code A} and {@code B}, so a Linear named {@code blocks.0.attn.qkv} gains
 * {@code blocks.0.attn.qkv.lora.A} and {@code .lora.B}. {@link #merge} folds the adapter into W and the layer has
 * only its plain names again.
 */
public class Linear extends Module {
    private final int in;
    private final int out;
    private final Variable weight;
    private final Variable bias;
    private Lora.Adapter lora;    // the registered "lora" child while LoRA is enabled, else null

    /** Weights N(0, std), bias zero (or absent). F32. */
    public Linear(int in, int out, boolean bias, double std, Rng rng) {
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException("Linear: sizes must be positive, got in=" + in + ", out=" + out);
        }
        this.in = in;
        this.out = out;
        this.weight = addParameter("weight", rng.normal(0, std, out, in));
        this.bias = bias ? addParameter("bias", Tensor.zeros(out)) : null;
    }

    /**
     * A layer holding the given tensors (not copies) as trainable parameters, in their dtype.
     *
     * @param weight [out, in]
     * @param bias   [out] of the same dtype, or null
     */
    public Linear(Tensor weight, Tensor bias) {
        if (weight.rank() != 2 || weight.dim(0) <= 0 || weight.dim(1) <= 0) {
            throw new IllegalArgumentException("Linear: weight must be [out, in] with positive sizes, got "
                    + Shapes.str(weight.shape()));
        }
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != weight.dim(0) || bias.dtype() != weight.dtype())) {
            throw new IllegalArgumentException("Linear: bias must be [" + weight.dim(0) + "] " + weight.dtype()
                    + " for weight " + Shapes.str(weight.shape()) + ", got " + Shapes.str(bias.shape()) + " "
                    + bias.dtype());
        }
        this.in = weight.dim(1);
        this.out = weight.dim(0);
        this.weight = addParameter("weight", weight);
        this.bias = bias == null ? null : addParameter("bias", bias);
    }

    /** x [..., in] → [..., out], through the adapter too when LoRA is enabled. */
    public Variable forward(Variable x) {
        if (lora != null) {
            return Lora.forward(x, weight, bias, lora.a(), lora.b(), lora.config().scale(), lora.config().dropout(),
                    lora.isTraining(), lora.dropoutRng());
        }
        return bias == null ? MatmulFns.linear(x, weight) : MatmulFns.linear(x, weight, bias);
    }

    /** W and b stop requiring grad (same variables, same tensors). Build optimizers after freezing. */
    @Override
    public void freeze() {
        weight.setRequiresGrad(false);
        if (bias != null) {
            bias.setRequiresGrad(false);
        }
    }

    /**
     * Adds a LoRA adapter and freezes W and b. A [r, in] is drawn from U(−1/√in, 1/√in) (PyTorch's
     * {@code kaiming_uniform_(a=√5)}, as peft initialises {@code lora_A}); B [out, r] is zero, so the output is
     * unchanged until B is trained. A and B have W's dtype and require grad.
     *
     * @param init       draws A (r·in uniform values)
     * @param dropoutRng masks for the adapter's input dropout; may be null when {@code config.dropout() == 0}
     * @return the adapter (its A, B and config)
     * @throws IllegalStateException if LoRA is already enabled on this layer
     */
    public Lora.Adapter enableLora(LoraConfig config, Rng init, Rng dropoutRng) {
        if (config == null || init == null) {
            throw new IllegalArgumentException("Linear.enableLora: config and init must not be null");
        }
        if (lora != null) {
            throw new IllegalStateException("Linear.enableLora: LoRA is already enabled on " + describe()
                    + "; merge() it first");
        }
        if (config.dropout() > 0 && dropoutRng == null) {
            throw new IllegalArgumentException("Linear.enableLora: dropout " + config.dropout()
                    + " needs a dropout Rng, got null");
        }
        double bound = 1 / Math.sqrt(in);
        Tensor w = weight.value();
        Tensor a = init.uniform(w.dtype(), -bound, bound, config.rank(), in);   // [r, in]
        Tensor b = Tensor.zeros(w.dtype(), out, config.rank());                // [out, r]
        freeze();
        lora = addChild("lora", new Lora.Adapter(config, a, b, dropoutRng));
        lora.train(isTraining());
        return lora;
    }

    /** {@link #enableLora(LoraConfig, Rng, Rng)} drawing A and then the dropout masks from one generator. */
    public Lora.Adapter enableLora(LoraConfig config, Rng rng) {
        return enableLora(config, rng, rng);
    }

    public boolean isLoraEnabled() {
        return lora != null;
    }

    /** The active adapter, or null when LoRA is not enabled. */
    public Lora.Adapter lora() {
        return lora;
    }

    /**
     * Folds the adapter into the weight, W ← W + (α/r)·B·A (computed in W's dtype), and removes it: the layer then
     * computes x·Wᵀ + b alone and lists only {@code weight} (and {@code bias}) again. W and b stay frozen, as the
     * base weights of LoRA are; to train the merged model fully, load its {@link #stateDict()} into a fresh model.
     * LoRA can be enabled again afterwards (ReLoRA-style restarts).
     * Modifies: W's tensor in place (its version is bumped), so no graph built before may still be backpropagated.
     *
     * @throws IllegalStateException if LoRA is not enabled
     */
    public void merge() {
        if (lora == null) {
            throw new IllegalStateException("Linear.merge: LoRA is not enabled on " + describe());
        }
        Tensor delta = lora.b().value().matmul(lora.a().value()).mul(lora.config().scale()); // [out, in]
        weight.value().addInPlace(delta);
        removeChild("lora");
        lora = null;
    }

    public Variable weight() {
        return weight;
    }

    /** The bias, or null. */
    public Variable bias() {
        return bias;
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
    }

    private String describe() {
        String name = weight.name();
        String layer = name != null && name.endsWith(".weight") ? name.substring(0, name.length() - 7) : "a Linear";
        return layer + " [" + in + " → " + out + "]";
    }
}
