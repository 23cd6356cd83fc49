package org.mofa4j.optim;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Tensor;

/**
 * The common optimizer API: parameter groups with per-group hyperparameters, a learning-rate scale set by
 * schedules, per-parameter state with exact byte counts, and a state dict for checkpoints.
 *
 * <p>A subclass implements {@link #update}: one parameter's in-place update from its gradient. {@link #step()}
 * calls it for every parameter that has a gradient, in group order. State tensors live in a per-parameter
 * {@link ParamState}; they appear in {@link #stateDict()} as {@code <parameter name>.<state name>}.
 *
 * @param <C> the hyperparameter record of one group
 */
public abstract class Optimizer<C> implements StatefulOptimizer {
    private final String name;
    private final List<ParamGroup<C>> groups;
    private final IdentityHashMap<Variable, ParamState> states = new IdentityHashMap<>();
    private double lrScale = 1.0;

    protected Optimizer(String name, List<ParamGroup<C>> groups) {
        this.name = name;
        this.groups = List.copyOf(groups);
        Set<String> names = new HashSet<>();
        IdentityHashMap<Variable, Boolean> seen = new IdentityHashMap<>();
        for (ParamGroup<C> g : this.groups) {
            for (Variable p : g.params()) {
                if (p.name() == null || !names.add(p.name())) {
                    throw new IllegalArgumentException(name + ": every parameter needs a unique name for state dicts, got "
                            + (p.name() == null ? "an unnamed parameter" : "'" + p.name() + "' twice"));
                }
                if (seen.put(p, Boolean.TRUE) != null) {
                    throw new IllegalArgumentException(name + ": parameter '" + p.name() + "' is in two groups");
                }
                if (!p.requiresGrad()) {
                    throw new IllegalArgumentException(name + ": parameter '" + p.name() + "' does not require grad");
                }
            }
        }
    }

    /** One parameter's update, in place on {@code p.value()}. {@code grad} is contiguous, same shape. */
    protected abstract void update(Variable p, Tensor grad, C config, ParamState state);

    @Override
    public String name() {
        return name;
    }

    public List<ParamGroup<C>> groups() {
        return groups;
    }

    /** Updates every parameter that has a gradient (parameters without one are skipped). */
    @Override
    public void step() {
        for (ParamGroup<C> g : groups) {
            for (Variable p : g.params()) {
                Tensor grad = p.grad();
                if (grad != null) {
                    update(p, grad.contiguous(), g.config(), state(p));
                    p.value().markModified();
                }
            }
        }
    }

    /** The state of {@code p}, created empty on first use. */
    protected ParamState state(Variable p) {
        return states.computeIfAbsent(p, k -> new ParamState());
    }

    @Override
    public void zeroGrad() {
        for (ParamGroup<C> g : groups) {
            for (Variable p : g.params()) {
                p.zeroGrad();
            }
        }
    }

    /** Multiplies every group's learning rate (set by a schedule each step). */
    @Override
    public void setLrScale(double scale) {
        if (!(scale >= 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException(name + ": learning-rate scale must be finite and ≥ 0, got " + scale);
        }
        this.lrScale = scale;
    }

    public double lrScale() {
        return lrScale;
    }

    @Override
    public List<Variable> parameters() {
        List<Variable> out = new ArrayList<>();
        for (ParamGroup<C> g : groups) {
            out.addAll(g.params());
        }
        return out;
    }

    @Override
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Variable p : parameters()) {
            ParamState s = states.get(p);
            if (s != null) {
                s.writeTo(p.name() + ".", out);
            }
        }
        return out;
    }

    @Override
    public void loadStateDict(Map<String, Tensor> state) {
        Map<Variable, ParamState> loaded = new IdentityHashMap<>();
        Set<String> used = new HashSet<>();
        for (Variable p : parameters()) {
            ParamState s = ParamState.readFrom(p.name() + ".", state, used);
            if (s != null) {
                loaded.put(p, s);
            }
        }
        for (String key : state.keySet()) {
            if (!used.contains(key)) {
                throw new IllegalArgumentException(name + ": unexpected optimizer state '" + key
                        + "' (no parameter of this optimizer has that name)");
            }
        }
        for (Map.Entry<Variable, ParamState> e : loaded.entrySet()) {
            checkLoadedState(e.getKey(), e.getValue());
        }
        states.clear();
        states.putAll(loaded);
    }

    /**
     * Checks one parameter's loaded state before anything is replaced; throws IllegalArgumentException naming the
     * parameter and the problem. The default accepts anything; optimizers with known state shapes override it.
     */
    protected void checkLoadedState(Variable p, ParamState loaded) {}

    /** Requires state tensor {@code key}, if present, to have the parameter's shape and dtype. */
    protected final void requireLikeParameter(Variable p, ParamState loaded, String key) {
        Tensor t = loaded.get(key);
        Tensor w = p.value();
        if (t != null && (!java.util.Arrays.equals(t.shape(), w.shape()) || t.dtype() != w.dtype())) {
            throw new IllegalArgumentException(name + ": loaded state '" + p.name() + "." + key + "' is "
                    + org.mofa4j.tensor.Shapes.str(t.shape()) + " " + t.dtype() + ", the parameter is "
                    + org.mofa4j.tensor.Shapes.str(w.shape()) + " " + w.dtype());
        }
    }

    @Override
    public Map<String, Long> stateBytesPerParameter() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Variable p : parameters()) {
            ParamState s = states.get(p);
            out.put(p.name(), s == null ? 0L : s.bytes());
        }
        return out;
    }
}
