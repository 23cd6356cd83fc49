package org.mofa4j.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * Anomaly detection, the counterpart of PyTorch's {@code torch.autograd.detect_anomaly}: inside an
 * {@link #enabled()} scope every recorded op checks its forward output, and every backward rule checks the
 * gradients it returns, for NaN and ±Inf. The first op that produces one throws an {@link AnomalyException}
 * naming the op, the phase (forward or backward), the input and output shapes, the layer (from {@link #layer}
 * scopes, e.g. {@code blocks.1.mlp}), the named parameters among the inputs, and the nearest named parameter
 * upstream of the op.
 *
 * <p>Like {@link GradMode} the switch is per thread. When no thread has it on, the only cost per op is one read
 * of a shared counter: no scan, no allocation. When on, each op costs one extra pass over its output.
 */
public final class AnomalyMode {
    /** Threads × nesting levels currently inside an {@link #enabled()} scope: the fast path when zero. */
    private static final AtomicInteger ACTIVE = new AtomicInteger();
    private static final ThreadLocal<State> STATE = ThreadLocal.withInitial(State::new);
    private static final Scope NO_OP = () -> { };
    /** How far {@link #nearestParameter} walks up the graph before giving up. */
    private static final int UPSTREAM_LIMIT = 256;

    private static final class State {
        boolean on;
        final ArrayDeque<String> layers = new ArrayDeque<>();
    }

    private AnomalyMode() {}

    /** A scope with anomaly detection on for this thread; closing it restores the previous state. */
    public static Scope enabled() {
        State s = STATE.get();
        boolean previous = s.on;
        s.on = true;
        ACTIVE.incrementAndGet();
        boolean[] closed = {false};
        return () -> {
            if (!closed[0]) { // closing twice must not unbalance the shared counter
                closed[0] = true;
                s.on = previous;
                ACTIVE.decrementAndGet();
            }
        };
    }

    /** {@link #enabled()} when {@code on}, otherwise a scope that changes nothing (for a command-line switch). */
    public static Scope enabledIf(boolean on) {
        return on ? enabled() : NO_OP;
    }

    /** True when ops on this thread check their results. */
    public static boolean isEnabled() {
        return ACTIVE.get() > 0 && STATE.get().on;
    }

    /**
     * Names the layer the ops recorded inside this scope belong to, relative to the enclosing layer scope
     * ({@code layer("blocks.1")} then {@code layer("mlp")} gives {@code blocks.1.mlp}). A shared no-op when anomaly
     * detection is off on this thread, so models may open these scopes unconditionally.
     */
    public static Scope layer(String name) {
        if (!isEnabled()) {
            return NO_OP;
        }
        ArrayDeque<String> layers = STATE.get().layers;
        String parent = layers.peek();
        layers.push(parent == null ? name : parent + "." + name);
        return layers::pop;
    }

    /** The innermost layer name on this thread, or null. Only meaningful while enabled. */
    static String currentLayer() {
        return STATE.get().layers.peek();
    }

    /** Throws if {@code output} of op {@code op} holds NaN or ±Inf. Called only while enabled. */
    static void checkForward(String op, Variable[] inputs, Tensor output, String layer) {
        int bad = output.firstNonFinite();
        if (bad < 0) {
            return;
        }
        StringBuilder sb = new StringBuilder("anomaly: forward of '").append(op).append("'");
        appendLayer(sb, layer);
        sb.append(" produced ").append(output.getFlat(bad)).append(" at ").append(index(output.shape(), bad))
                .append(" of its output ").append(Shapes.str(output.shape())).append(' ').append(output.dtype())
                .append("; inputs: ").append(describeInputs(inputs));
        List<String> badInputs = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            int b = inputs[i].value().firstNonFinite();
            if (b >= 0) {
                badInputs.add("input " + i + " already holds " + inputs[i].value().getFlat(b) + " at "
                        + index(inputs[i].shape(), b));
            }
        }
        sb.append(badInputs.isEmpty() ? "; every input is finite, so this op made the first non-finite value"
                : "; " + String.join(", ", badInputs) + " (the op propagated it)");
        appendUpstream(sb, inputs);
        throw new AnomalyException(op, "forward", layer, sb.toString());
    }

    /** Throws if a gradient returned by the backward of {@code node} holds NaN or ±Inf. Called only while enabled. */
    static void checkBackward(Node node, Tensor gradOut, Tensor[] grads) {
        for (int i = 0; i < grads.length; i++) {
            if (grads[i] == null) {
                continue;
            }
            int bad = grads[i].firstNonFinite();
            if (bad < 0) {
                continue;
            }
            StringBuilder sb = new StringBuilder("anomaly: backward of '").append(node.op).append("'");
            appendLayer(sb, node.layer);
            sb.append(" produced ").append(grads[i].getFlat(bad)).append(" at ").append(index(grads[i].shape(), bad))
                    .append(" of the gradient of input ").append(i);
            Variable leaf = node.leaves[i];
            if (leaf != null && leaf.name() != null) {
                sb.append(" (parameter '").append(leaf.name()).append("')");
            }
            sb.append("; forward inputs ");
            for (int k = 0; k < node.inputShapes.length; k++) {
                sb.append(k == 0 ? "" : ", ").append(Shapes.str(node.inputShapes[k])).append(' ')
                        .append(node.inputTypes[k]);
            }
            sb.append(" → output ").append(Shapes.str(node.outputShape)).append("; the incoming gradient is ")
                    .append(gradOut.firstNonFinite() < 0 ? "finite, so this rule made the first non-finite value"
                            : "already non-finite");
            throw new AnomalyException(node.op, "backward", node.layer, sb.toString());
        }
    }

    private static void appendLayer(StringBuilder sb, String layer) {
        if (layer != null) {
            sb.append(" in layer ").append(layer);
        }
    }

    private static String describeInputs(Variable[] inputs) {
        if (inputs.length == 0) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < inputs.length; i++) {
            Variable v = inputs[i];
            sb.append(i == 0 ? "" : ", ").append(Shapes.str(v.shape())).append(' ').append(v.value().dtype());
            if (v.name() != null) {
                sb.append(" '").append(v.name()).append("'");
            } else if (v.gradFn() != null) {
                sb.append(" from '").append(v.gradFn().op).append("'");
            }
        }
        return sb.toString();
    }

    private static void appendUpstream(StringBuilder sb, Variable[] inputs) {
        for (Variable v : inputs) {
            if (v.name() != null) {
                return; // a named parameter is already listed among the inputs
            }
        }
        String nearest = nearestParameter(inputs);
        if (nearest != null) {
            sb.append("; nearest parameter upstream: '").append(nearest).append("'");
        }
    }

    /** Breadth-first up the recorded graph from the inputs: the first named leaf met, or null. */
    private static String nearestParameter(Variable[] inputs) {
        ArrayDeque<Node> queue = new ArrayDeque<>();
        IdentityHashMap<Node, Boolean> seen = new IdentityHashMap<>();
        for (Variable v : inputs) {
            if (v.gradFn() != null && seen.put(v.gradFn(), Boolean.TRUE) == null) {
                queue.add(v.gradFn());
            }
        }
        while (!queue.isEmpty() && seen.size() <= UPSTREAM_LIMIT) {
            Node n = queue.poll();
            for (Variable leaf : n.leaves) {
                if (leaf != null && leaf.name() != null) {
                    return leaf.name();
                }
            }
            for (Node p : n.producers) {
                if (p != null && seen.put(p, Boolean.TRUE) == null) {
                    queue.add(p);
                }
            }
        }
        return null;
    }

    /** "[1, 2]": the multi-index of row-major position {@code flat} in {@code shape}. */
    private static String index(int[] shape, int flat) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1, rest = flat; d >= 0; d--) {
            idx[d] = rest % shape[d];
            rest /= shape[d];
        }
        return java.util.Arrays.toString(idx);
    }

    /** Restores the previous anomaly state (or layer) on close. Use in try-with-resources. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
