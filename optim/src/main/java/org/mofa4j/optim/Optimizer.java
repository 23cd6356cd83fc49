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
 * <p><b>Bad gradients never cause a partial update.</b> Before the first parameter of a step is touched,
 * {@link #step()} checks every gradient it is about to read: a gradient whose shape differs from its parameter's, or
 * a state created for a parameter of another shape, throws IllegalArgumentException naming the parameter and both
 * shapes; a NaN or ±Inf element is handled by the {@link NonFiniteGradPolicy} ({@link #setNonFiniteGradPolicy}):
 * THROW (the default) raises an ArithmeticException naming the parameter and the first bad index, SKIP_STEP leaves
 * every parameter and state as it was and counts the step in {@link #skippedSteps()}. In both cases no parameter and
 * no state has changed; the gradients are left in place (call {@link #zeroGrad()} as usual).
 *
 * @param <C> the hyperparameter record of one group
 */
public abstract class Optimizer<C> implements StatefulOptimizer {
    private final String name;
    private final List<ParamGroup<C>> groups;
    private final IdentityHashMap<Variable, ParamState> states = new IdentityHashMap<>();
    private double lrScale = 1.0;
    private NonFiniteGradPolicy nonFiniteGradPolicy = NonFiniteGradPolicy.THROW;
    private long skippedSteps;
    private Inspection inspection;

    /** What {@link #step()} does when a gradient holds NaN or ±Inf. Either way no parameter is modified. */
    public enum NonFiniteGradPolicy {
        /** Throw an ArithmeticException naming the parameter and the first bad element (the default). */
        THROW,
        /** Leave every parameter and state unchanged and count the step in {@link #skippedSteps()}. */
        SKIP_STEP
    }

    protected Optimizer(String name, List<ParamGroup<C>> groups) {
        this.name = name;
        this.groups = List.copyOf(groups);
        Set<String> names = new HashSet<>();
        IdentityHashMap<Variable, Boolean> seen = new IdentityHashMap<>();
        if (this.groups.stream().allMatch(g -> g.params().isEmpty())) {
            throw new IllegalArgumentException(name + ": params is empty; an optimizer needs at least one parameter "
                    + "(are they all frozen?)");
        }
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

    /**
     * Updates every parameter that has a gradient (parameters without one are skipped), after checking all of
     * them first (see the class comment): a bad gradient throws or skips the whole step, never part of it.
     */
    @Override
    public void step() {
        if (!checkBeforeStep()) {
            return;
        }
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

    /** The state of {@code p}, created empty on first use; it remembers p's shape at that moment. */
    protected ParamState state(Variable p) {
        return states.computeIfAbsent(p, k -> {
            ParamState s = new ParamState();
            s.paramShape = k.shape();
            return s;
        });
    }

    /** Sets or clears (null) the diagnostics hook; optimizers without diagnostics never call it. */
    @Override
    public void setInspection(Inspection inspection) {
        this.inspection = inspection;
    }

    /** The diagnostics hook, or null when inspection is off (the default). */
    protected final Inspection inspection() {
        return inspection;
    }

    public void setNonFiniteGradPolicy(NonFiniteGradPolicy policy) {
        if (policy == null) {
            throw new IllegalArgumentException(name + ": the non-finite gradient policy must not be null");
        }
        this.nonFiniteGradPolicy = policy;
    }

    public NonFiniteGradPolicy nonFiniteGradPolicy() {
        return nonFiniteGradPolicy;
    }

    /** How many steps {@link NonFiniteGradPolicy#SKIP_STEP} has skipped since this optimizer was created. */
    public long skippedSteps() {
        return skippedSteps;
    }

    /** Counts one skipped step (for subclasses that detect a bad gradient outside {@link #checkBeforeStep()}). */
    protected final void countSkippedStep() {
        skippedSteps++;
    }

    /**
     * The tensors the coming step reads for {@code p}, by label, checked by {@link #checkBeforeStep()}: by default
     * its gradient, if any. Optimizers that accumulate gradient products elsewhere (fused MoFaSGD) add those.
     */
    protected Map<String, Tensor> stepInputs(Variable p) {
        Tensor g = p.grad();
        return g == null ? Map.of() : Map.of("gradient", g);
    }

    /**
     * Checks every parameter's step inputs before anything is modified. Shapes first, for all parameters: a gradient
     * of another shape than its parameter, or a state created for another shape, throws IllegalArgumentException.
     * Then values: a NaN or ±Inf throws ArithmeticException (THROW) or counts a skipped step (SKIP_STEP).
     *
     * @return true when the step may go ahead, false when it is to be skipped (already counted)
     */
    protected final boolean checkBeforeStep() {
        List<Variable> params = parameters();
        for (Variable p : params) {
            Map<String, Tensor> inputs = stepInputs(p);
            if (inputs.isEmpty()) {
                continue;
            }
            ParamState s = states.get(p);
            if (s != null && s.paramShape != null && !java.util.Arrays.equals(s.paramShape, p.shape())) {
                throw new IllegalArgumentException(name + ": parameter '" + p.name() + "' is "
                        + org.mofa4j.tensor.Shapes.str(p.shape()) + " but its optimizer state was created for "
                        + org.mofa4j.tensor.Shapes.str(s.paramShape) + "; no parameter was updated");
            }
            Tensor g = inputs.get("gradient");
            if (g != null && !java.util.Arrays.equals(g.shape(), p.shape())) {
                throw new IllegalArgumentException(name + ": the gradient of parameter '" + p.name() + "' is "
                        + org.mofa4j.tensor.Shapes.str(g.shape()) + ", the parameter is "
                        + org.mofa4j.tensor.Shapes.str(p.shape()) + "; no parameter was updated");
            }
        }
        for (Variable p : params) {
            for (Map.Entry<String, Tensor> e : stepInputs(p).entrySet()) {
                int bad = firstNonFinite(e.getValue());
                if (bad < 0) {
                    continue;
                }
                if (nonFiniteGradPolicy == NonFiniteGradPolicy.SKIP_STEP) {
                    skippedSteps++;
                    return false;
                }
                throw new ArithmeticException(nonFiniteMessage(p, e.getKey(), e.getValue(), bad)
                        + "; no parameter was updated (setNonFiniteGradPolicy(SKIP_STEP) skips such steps)");
            }
        }
        return true;
    }

    /** "AdamW: the gradient of parameter 'w' [3, 4] is NaN at flat index 5 ([1, 1])". */
    protected final String nonFiniteMessage(Variable p, String what, Tensor t, int flat) {
        int[] shape = t.shape();
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1, rest = flat; d >= 0; d--) {
            idx[d] = rest % shape[d];
            rest /= shape[d];
        }
        return name + ": the " + what + " of parameter '" + p.name() + "' " + org.mofa4j.tensor.Shapes.str(shape)
                + " is " + t.getFlat(flat) + " at flat index " + flat + " (" + java.util.Arrays.toString(idx) + ")";
    }

    /** The row-major index of t's first NaN or ±Inf element, or −1 when all are finite. Not modified: t. */
    static int firstNonFinite(Tensor t) {
        return t.firstNonFinite();
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
        for (Map.Entry<Variable, ParamState> e : loaded.entrySet()) {
            e.getValue().paramShape = e.getKey().shape(); // checkLoadedState accepted it for this shape
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

    /** Requires state tensor {@code key}, if present, to have exactly {@code shape} and the parameter's dtype. */
    protected final void requireShape(Variable p, ParamState loaded, String key, int... shape) {
        Tensor t = loaded.get(key);
        if (t != null && (!java.util.Arrays.equals(t.shape(), shape) || t.dtype() != p.value().dtype())) {
            throw new IllegalArgumentException(name + ": loaded state '" + p.name() + "." + key + "' is "
                    + org.mofa4j.tensor.Shapes.str(t.shape()) + " " + t.dtype() + ", expected "
                    + org.mofa4j.tensor.Shapes.str(shape) + " " + p.value().dtype() + " for the parameter "
                    + org.mofa4j.tensor.Shapes.str(p.shape()));
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
