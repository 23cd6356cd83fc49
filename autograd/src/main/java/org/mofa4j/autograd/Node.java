package org.mofa4j.autograd;

import java.util.Arrays;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Tensor;

/**
 * One recorded op in the graph: where its inputs' gradients go (the node that produced each input, or the
 * leaf variable itself), the tensors its backward needs, and its backward rule.
 *
 * <p>Ops are recorded with the builder: {@code Node.op("mul", out).inputs(a, b).save(x, y).backward(fn)}.
 * When grad mode is off or no input requires grad, the builder returns a constant and saves nothing. While
 * {@link AnomalyMode} is on, the builder checks the forward output and {@link #runBackward} the gradients.
 */
public final class Node {
    final String op;
    /** Per input: the node that produced it (non-leaf inputs requiring grad), else null. */
    Node[] producers;
    /** Per input: the leaf variable itself (leaves requiring grad), else null. */
    Variable[] leaves;
    final int[][] inputShapes;
    final DType[] inputTypes;
    final int[] outputShape;
    private SavedTensor[] saved;
    private BackwardFn fn;
    private boolean released;
    /** The {@link AnomalyMode#layer} the op was recorded in while anomaly detection was on, else null. */
    String layer;
    /** Set by {@link Variable#retainGrad()}: the output variable that wants its gradient kept. */
    Variable retainedOutput;

    // scratch state of one backward pass
    Tensor gradAccum;
    boolean gradOwned;

    private Node(String op, Variable[] inputs, Tensor[] toSave, BackwardFn fn, int[] outputShape) {
        this.op = op;
        int n = inputs.length;
        this.producers = new Node[n];
        this.leaves = new Variable[n];
        this.inputShapes = new int[n][];
        this.inputTypes = new DType[n];
        for (int i = 0; i < n; i++) {
            Variable v = inputs[i];
            inputShapes[i] = v.value().shape();
            inputTypes[i] = v.value().dtype();
            if (v.requiresGrad()) {
                if (v.gradFn() != null) {
                    producers[i] = v.gradFn();
                } else {
                    leaves[i] = v;
                }
            }
        }
        this.saved = new SavedTensor[toSave.length];
        for (int i = 0; i < toSave.length; i++) {
            saved[i] = new SavedTensor(toSave[i]);
        }
        this.fn = fn;
        this.outputShape = outputShape;
    }

    /** Starts recording op {@code name} whose forward result is {@code output}. */
    public static Builder op(String name, Tensor output) {
        return new Builder(name, output);
    }

    /** The op's name, e.g. "matmul". */
    public String opName() {
        return op;
    }

    boolean isReleased() {
        return released;
    }

    Tensor[] runBackward(Tensor gradOut) {
        if (released) {
            throw new IllegalStateException("backward: the graph through '" + op + "' was already freed by an earlier "
                    + "backward(); call backward(seed, true) to keep the graph for another pass");
        }
        Tensor[] grads = fn.apply(new Context(this), gradOut);
        if (grads.length != inputShapes.length) {
            throw new IllegalStateException("backward of '" + op + "' returned " + grads.length + " gradients for "
                    + inputShapes.length + " inputs");
        }
        if (AnomalyMode.isEnabled()) {
            AnomalyMode.checkBackward(this, gradOut, grads);
        }
        for (int i = 0; i < grads.length; i++) {
            if (grads[i] != null && (producers[i] != null || leaves[i] != null)) {
                if (!Arrays.equals(grads[i].shape(), inputShapes[i]) || grads[i].dtype() != inputTypes[i]) {
                    throw new IllegalStateException("backward of '" + op + "' returned a gradient of shape "
                            + Arrays.toString(grads[i].shape()) + " " + grads[i].dtype() + " for input " + i
                            + " of shape " + Arrays.toString(inputShapes[i]) + " " + inputTypes[i]);
                }
            }
        }
        return grads;
    }

    /** Frees saved tensors and edges; a later backward through this node fails with a clear message. */
    void release() {
        released = true;
        for (SavedTensor s : saved) {
            s.release();
        }
        fn = null;
        producers = new Node[producers.length];
        leaves = new Variable[leaves.length];
        retainedOutput = null;
    }

    @Override
    public String toString() {
        return "Node(" + op + ")";
    }

    /** What a backward rule can see: its saved tensors and which inputs need a gradient. */
    public static final class Context {
        private final Node node;

        private Context(Node node) {
            this.node = node;
        }

        /** Saved tensor i, checked against in-place modification since it was saved. */
        public Tensor saved(int i) {
            return node.saved[i].get(node.op, i);
        }

        /** True when input i requires a gradient (otherwise its entry may be null). */
        public boolean needsGrad(int i) {
            return node.producers[i] != null || node.leaves[i] != null;
        }

        /** The shape input i had in the forward pass. */
        public int[] inputShape(int i) {
            return node.inputShapes[i].clone();
        }
    }

    /** Collects inputs and saved tensors, then records the node (or returns a constant). */
    public static final class Builder {
        private final String name;
        private final Tensor output;
        private Variable[] inputs = new Variable[0];
        private Tensor[] toSave = new Tensor[0];

        private Builder(String name, Tensor output) {
            this.name = name;
            this.output = output;
        }

        /** The op's differentiable inputs, in order; gradients are returned in this order. */
        public Builder inputs(Variable... in) {
            this.inputs = in;
            return this;
        }

        /** Tensors the backward rule reads via {@link Context#saved(int)}, in order. */
        public Builder save(Tensor... tensors) {
            this.toSave = tensors;
            return this;
        }

        /** Records the node if any input requires grad and grad mode is on; returns the output variable. */
        public Variable backward(BackwardFn fn) {
            String layer = null;
            if (AnomalyMode.isEnabled()) {
                layer = AnomalyMode.currentLayer();
                AnomalyMode.checkForward(name, inputs, output, layer);
            }
            boolean any = false;
            for (Variable v : inputs) {
                any |= v.requiresGrad();
            }
            if (!any || !GradMode.isEnabled()) {
                return Variable.constant(output);
            }
            Node node = new Node(name, inputs, toSave, fn, output.shape());
            node.layer = layer;
            return Variable.fromNode(output, node);
        }
    }
}
