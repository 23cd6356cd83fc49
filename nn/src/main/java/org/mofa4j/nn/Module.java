package org.mofa4j.nn;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * A layer with named parameters and named child layers.
 *
 * <p>Names are hierarchical: a parameter "weight" of child "qkv" of child "attn" of child "blocks.0" is
 * {@code blocks.0.attn.qkv.weight}. A parameter shared by two modules (weight tying) is listed once, under the
 * name where it was first registered. Frozen parameters (LoRA's base weight) are listed too, but do not
 * require grad.
 */
public abstract class Module {
    private final Map<String, Variable> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Registers a trainable parameter under {@code name}. */
    protected Variable addParameter(String name, Tensor value) {
        return register(name, Variable.parameter(value, name));
    }

    /** Registers a parameter that does not require grad (frozen weights). */
    protected Variable addFrozen(String name, Tensor value) {
        return register(name, Variable.constant(value).named(name));
    }

    private Variable register(String name, Variable v) {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("Module: parameter name must be non-empty and without dots, got '"
                    + name + "'");
        }
        if (parameters.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("Module: name '" + name + "' is already used in "
                    + getClass().getSimpleName());
        }
        parameters.put(name, v);
        return v;
    }

    /** Registers a child module under {@code name} (may contain dots, e.g. "blocks.0"). */
    protected <M extends Module> M addChild(String name, M child) {
        if (parameters.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("Module: name '" + name + "' is already used in "
                    + getClass().getSimpleName());
        }
        children.put(name, child);
        return child;
    }

    /** Unregisters child {@code name} (e.g. a LoRA adapter after merging); its parameters disappear from the lists. */
    protected void removeChild(String name) {
        if (children.remove(name) == null) {
            throw new IllegalArgumentException("Module: no child '" + name + "' in " + getClass().getSimpleName());
        }
    }

    /** Every module with its full dotted name ("" for this one), parents before children, shared ones once. */
    public Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out, new IdentityHashMap<>());
        return out;
    }

    private void collectModules(String name, Map<String, Module> out, IdentityHashMap<Module, Boolean> seen) {
        if (seen.put(this, Boolean.TRUE) != null) {
            return;
        }
        out.put(name, this);
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().collectModules(name.isEmpty() ? e.getKey() : name + "." + e.getKey(), out, seen);
        }
    }

    /** Freezes every parameter of this module and its children (they no longer require grad). */
    public void freeze() {
        for (Variable v : namedParameters().values()) {
            v.setRequiresGrad(false);
        }
    }

    /** Replaces a registered parameter (e.g. loading weights into a frozen slot). */
    protected void replaceParameter(String name, Variable v) {
        if (!parameters.containsKey(name)) {
            throw new IllegalArgumentException("Module: no parameter '" + name + "' in " + getClass().getSimpleName());
        }
        parameters.put(name, v);
    }

    /** Every parameter with its full dotted name, in registration order; shared ones once. */
    public Map<String, Variable> namedParameters() {
        Map<String, Variable> out = new LinkedHashMap<>();
        collect("", out, new IdentityHashMap<>());
        return out;
    }

    private void collect(String prefix, Map<String, Variable> out, IdentityHashMap<Variable, Boolean> seen) {
        for (Map.Entry<String, Variable> e : parameters.entrySet()) {
            if (seen.put(e.getValue(), Boolean.TRUE) == null) {
                out.put(prefix + e.getKey(), e.getValue());
            }
        }
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().collect(prefix + e.getKey() + ".", out, seen);
        }
    }

    /** Parameters that require grad, in {@link #namedParameters()} order. */
    public List<Variable> trainableParameters() {
        List<Variable> out = new ArrayList<>();
        for (Variable v : namedParameters().values()) {
            if (v.requiresGrad()) {
                out.add(v);
            }
        }
        return out;
    }

    /** Sets every parameter's {@link Variable#name()} to its full dotted name (for hooks, errors, optimizers). */
    public void assignFullNames() {
        for (Map.Entry<String, Variable> e : namedParameters().entrySet()) {
            e.getValue().named(e.getKey());
        }
    }

    /** Total number of parameter elements (shared ones once). */
    public long parameterCount() {
        long n = 0;
        for (Variable v : namedParameters().values()) {
            n += v.value().numel();
        }
        return n;
    }

    /** Number of elements in parameters that require grad. */
    public long trainableParameterCount() {
        long n = 0;
        for (Variable v : trainableParameters()) {
            n += v.value().numel();
        }
        return n;
    }

    /** Name → value of every parameter (the live tensors, not copies). */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Variable> e : namedParameters().entrySet()) {
            out.put(e.getKey(), e.getValue().value());
        }
        return out;
    }

    /**
     * Copies values into the parameters. Strict: every parameter must be present with the same shape and no
     * unknown name may appear; nothing is modified unless everything matches.
     */
    public void loadStateDict(Map<String, Tensor> state) {
        Map<String, Variable> mine = namedParameters();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Variable> e : mine.entrySet()) {
            Tensor t = state.get(e.getKey());
            if (t == null) {
                problems.add("missing tensor '" + e.getKey() + "'");
            } else if (!java.util.Arrays.equals(t.shape(), e.getValue().value().shape())) {
                problems.add("tensor '" + e.getKey() + "' has shape " + Shapes.str(t.shape()) + ", the model expects "
                        + Shapes.str(e.getValue().value().shape()));
            }
        }
        for (String name : state.keySet()) {
            if (!mine.containsKey(name)) {
                problems.add("unexpected tensor '" + name + "'");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("loadStateDict: " + String.join("; ", problems));
        }
        for (Map.Entry<String, Variable> e : mine.entrySet()) {
            e.getValue().value().copyFrom(state.get(e.getKey()));
        }
    }

    /** Training mode (dropout active) or evaluation mode, for this module and all children. */
    public void train(boolean on) {
        training = on;
        for (Module m : children.values()) {
            m.train(on);
        }
    }

    public boolean isTraining() {
        return training;
    }

    /** Frees every parameter's gradient. */
    public void zeroGrad() {
        for (Variable v : namedParameters().values()) {
            v.zeroGrad();
        }
    }
}
