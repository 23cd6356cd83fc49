package org.mofa4j.gpu.tornado.resident;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mofa4j.autograd.Variable;
import org.mofa4j.nn.Gpt;
import org.mofa4j.optim.AdamW;
import org.mofa4j.optim.ParamGroup;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Tensor;

/**
 * Where each GPT parameter lives in the flat device arrays (weights, gradients, m and v share this layout): the
 * optimizer's groups one after another, each group's parameters in its order, so that an AdamW group is one
 * contiguous range and one kernel launch. Offsets are looked up by parameter name ({@code wte.weight},
 * {@code blocks.0.attn.qkv.bias}, ...; see {@link Gpt}).
 */
final class ParameterLayout {
    /** One AdamW group's contiguous range. */
    record Group(int offset, int count, AdamW.Config config) {}

    private final Map<String, Integer> offsets = new LinkedHashMap<>();
    private final Map<String, Variable> byName = new LinkedHashMap<>();
    private final List<Group> groups = new ArrayList<>();
    private final int total;

    /**
     * @throws IllegalArgumentException unless the optimizer's parameters are exactly the model's, all F32 and
     *     contiguous
     */
    ParameterLayout(Gpt model, AdamW optimizer) {
        Map<Variable, String> names = new IdentityHashMap<>();
        for (Map.Entry<String, Variable> e : model.namedParameters().entrySet()) {
            names.put(e.getValue(), e.getKey());
        }
        long at = 0;
        for (ParamGroup<AdamW.Config> g : optimizer.groups()) {
            long start = at;
            for (Variable p : g.params()) {
                String name = names.remove(p);
                if (name == null) {
                    throw new IllegalArgumentException("resident GPT: the optimizer updates a parameter that is not "
                            + "the model's (or lists it twice): " + p.name());
                }
                Tensor w = p.value();
                if (w.dtype() != DType.F32 || !w.isContiguous()) {
                    throw new IllegalArgumentException("resident GPT: parameter " + name + " must be contiguous F32, "
                            + "got " + w.dtype() + (w.isContiguous() ? "" : " (a strided view)"));
                }
                offsets.put(name, (int) at);
                byName.put(name, p);
                at += w.numel();
            }
            groups.add(new Group((int) start, (int) (at - start), g.config()));
        }
        if (!names.isEmpty()) {
            List<String> missing = new ArrayList<>(names.values());
            throw new IllegalArgumentException("resident GPT: the optimizer does not update " + missing.size()
                    + " of the model's parameters (e.g. " + missing.subList(0, Math.min(3, missing.size()))
                    + ", frozen or LoRA-adapted); the resident step trains every parameter");
        }
        if (at > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("resident GPT: " + at + " parameters exceed one device array");
        }
        this.total = (int) at;
    }

    /** Offset of parameter {@code name} in the flat arrays. */
    int offset(String name) {
        Integer o = offsets.get(name);
        if (o == null) {
            throw new IllegalArgumentException("resident GPT: no parameter named " + name + " (have "
                    + offsets.keySet() + ")");
        }
        return o;
    }

    /** Total parameters. */
    int total() {
        return total;
    }

    List<Group> groups() {
        return groups;
    }

    /** Parameters by name, in layout order. */
    Map<String, Variable> parameters() {
        return byName;
    }

    /** The model's weights as one flat array in this layout. */
    float[] gather() {
        float[] flat = new float[total];
        for (Map.Entry<String, Variable> e : byName.entrySet()) {
            Tensor w = e.getValue().value();
            System.arraycopy(w.data(), w.offset(), flat, offsets.get(e.getKey()), w.numel());
        }
        return flat;
    }

    /** Optimizer state tensor {@code key} of every parameter as one flat array (zeros where absent). */
    float[] gatherState(Map<String, Tensor> state, String key) {
        float[] flat = new float[total];
        for (Map.Entry<String, Variable> e : byName.entrySet()) {
            Tensor t = state.get(e.getKey() + "." + key);
            if (t != null) {
                float[] v = t.toFloatArray();
                System.arraycopy(v, 0, flat, offsets.get(e.getKey()), v.length);
            }
        }
        return flat;
    }
}
