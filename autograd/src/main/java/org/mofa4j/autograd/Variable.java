package org.mofa4j.autograd;

import java.util.ArrayList;
import java.util.List;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * A tensor in a differentiable computation.
 *
 * <p>Leaves are created with {@link #parameter} (requires grad) or {@link #constant} (does not). Every op
 * on variables returns a new variable; when any input requires grad and {@link GradMode} is on, the result
 * remembers the {@link Node} that made it. {@link #backward()} then fills {@link #grad()} of every leaf
 * that requires grad, summing over backward calls until {@link #zeroGrad()}.
 */
public final class Variable {
    private final Tensor value;
    private boolean requiresGrad;
    private final Node gradFn;
    private Tensor grad;
    private String name;
    private List<GradReadyHook> hooks;
    private OuterProductGradSink outerProductSink;

    private Variable(Tensor value, boolean requiresGrad, Node gradFn, String name) {
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.gradFn = gradFn;
        this.name = name;
    }

    /** A leaf that requires grad: a model parameter or an input being differentiated. */
    public static Variable parameter(Tensor value, String name) {
        return new Variable(value, true, null, name);
    }

    /** An unnamed leaf that requires grad. */
    public static Variable parameter(Tensor value) {
        return new Variable(value, true, null, null);
    }

    /** A leaf that does not require grad (data, targets, masks). */
    public static Variable constant(Tensor value) {
        return new Variable(value, false, null, null);
    }

    static Variable fromNode(Tensor value, Node node) {
        return new Variable(value, true, node, null);
    }

    /** The forward value. Modifying it in place while a graph still needs it makes backward throw. */
    public Tensor value() {
        return value;
    }

    /** The accumulated gradient, or null before the first backward (or after a hook consumed it). */
    public Tensor grad() {
        return grad;
    }

    /** Replaces the accumulated gradient (null frees it). Used by optimizers and clipping. */
    public void setGrad(Tensor g) {
        if (g != null && !java.util.Arrays.equals(g.shape(), value.shape())) {
            throw new IllegalArgumentException("setGrad: gradient shape " + Shapes.str(g.shape())
                    + " differs from the value shape " + Shapes.str(value.shape()) + (name == null ? "" : " of " + name));
        }
        this.grad = g;
    }

    /** Frees the accumulated gradient. */
    public void zeroGrad() {
        grad = null;
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /**
     * Freezes ({@code false}) or unfreezes a leaf: ops recorded afterwards compute no gradient for a frozen leaf
     * (a graph recorded before keeps what it recorded). Used for LoRA's base weights. Leaves only.
     */
    public Variable setRequiresGrad(boolean on) {
        if (!isLeaf()) {
            throw new IllegalStateException("setRequiresGrad: only leaves can be frozen or unfrozen"
                    + (name == null ? "" : " (" + name + ")") + "; use detach() to cut a graph");
        }
        this.requiresGrad = on;
        if (!on) {
            grad = null;
        }
        return this;
    }

    /** True for variables not produced by a recorded op. */
    public boolean isLeaf() {
        return gradFn == null;
    }

    /** The node that produced this variable, or null for leaves and constants. */
    public Node gradFn() {
        return gradFn;
    }

    /** The hierarchical name given at creation (e.g. "blocks.0.attn.qkv.weight"), or null. */
    public String name() {
        return name;
    }

    public Variable named(String newName) {
        this.name = newName;
        return this;
    }

    /** A constant sharing this variable's value: gradients do not flow through it. */
    public Variable detach() {
        return constant(value);
    }

    public int[] shape() {
        return value.shape();
    }

    /** Keeps this non-leaf variable's gradient in {@link #grad()} after backward (leaves always keep it). */
    public Variable retainGrad() {
        if (gradFn != null) {
            gradFn.retainedOutput = this;
        }
        return this;
    }

    /** Registers a hook fired when this leaf's gradient is final during backward. Leaves only. */
    public void addGradReadyHook(GradReadyHook hook) {
        if (!isLeaf() || !requiresGrad) {
            throw new IllegalStateException("addGradReadyHook: only leaves that require grad have ready hooks"
                    + (name == null ? "" : " (" + name + ")"));
        }
        if (hooks == null) {
            hooks = new ArrayList<>(1);
        }
        hooks.add(hook);
    }

    /** Removes every gradient-ready hook of this leaf. */
    public void clearGradReadyHooks() {
        hooks = null;
    }

    /**
     * Lets {@code sink} take this weight's gradient contributions from dense layers in factored form
     * (see {@link OuterProductGradSink}); null removes it. Leaves that require grad only.
     */
    public void setOuterProductGradSink(OuterProductGradSink sink) {
        if (sink != null && (!isLeaf() || !requiresGrad)) {
            throw new IllegalStateException("setOuterProductGradSink: only leaves that require grad take a sink"
                    + (name == null ? "" : " (" + name + ")"));
        }
        outerProductSink = sink;
    }

    /** The sink set by {@link #setOuterProductGradSink}, or null. */
    public OuterProductGradSink outerProductGradSink() {
        return outerProductSink;
    }

    /** Runs the hooks; true if one consumed the gradient. */
    boolean fireHooks(Tensor g) {
        if (hooks == null) {
            return false;
        }
        for (GradReadyHook h : hooks) {
            if (h.onGradReady(this, g)) {
                return true;
            }
        }
        return false;
    }

    /** Backward from a one-element output, seeded with 1; frees the graph. */
    public void backward() {
        Backward.run(this, null, false);
    }

    /**
     * Backward seeded with dL/d(this) = {@code seed} (same shape as this).
     *
     * @param retainGraph keep saved tensors so backward can run through the graph again
     */
    public void backward(Tensor seed, boolean retainGraph) {
        Backward.run(this, seed, retainGraph);
    }

    @Override
    public String toString() {
        return "Variable(" + (name == null ? "" : name + ", ") + value + (gradFn == null ? "" : ", " + gradFn) + ")";
    }
}
