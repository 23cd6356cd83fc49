package org.mofa4j.optim;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/** One parameter's optimizer state: named tensors plus a step counter. */
public final class ParamState {
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private long step;
    /** The parameter's shape when this state was created or loaded; null if unknown. Not in the state dict. */
    int[] paramShape;

    /** The state tensor {@code key}, or null. */
    public Tensor get(String key) {
        return tensors.get(key);
    }

    /** The state tensor {@code key}, created as zeros of this shape on first use. */
    public Tensor getOrZeros(String key, DType dtype, int... shape) {
        Tensor t = tensors.get(key);
        if (t == null) {
            t = Tensor.zeros(dtype, shape);
            tensors.put(key, t);
        } else if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalStateException("optimizer state '" + key + "' has shape " + Shapes.str(t.shape())
                    + ", expected " + Shapes.str(shape));
        }
        return t;
    }

    /** Stores (or replaces) a state tensor. */
    public void put(String key, Tensor t) {
        if (key.contains(".") || key.equals("step")) {
            throw new IllegalArgumentException("optimizer state key must not contain '.' or be 'step', got '" + key + "'");
        }
        tensors.put(key, t);
    }

    /** Removes a state tensor (e.g. a per-step accumulator). */
    public void remove(String key) {
        tensors.remove(key);
    }

    /** Number of completed updates. */
    public long step() {
        return step;
    }

    /** Increments and returns the step counter. */
    public long nextStep() {
        return ++step;
    }

    /** Bytes of all state tensors (the step counter is bookkeeping, not counted). */
    public long bytes() {
        long b = 0;
        for (Tensor t : tensors.values()) {
            b += (long) t.numel() * t.dtype().bytes();
        }
        return b;
    }

    void writeTo(String prefix, Map<String, Tensor> out) {
        out.put(prefix + "step", Tensor.scalar(DType.F64, step));
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            out.put(prefix + e.getKey(), e.getValue());
        }
    }

    static ParamState readFrom(String prefix, Map<String, Tensor> in, Set<String> used) {
        ParamState s = null;
        for (Map.Entry<String, Tensor> e : in.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(prefix) || key.substring(prefix.length()).contains(".")) {
                continue;
            }
            if (s == null) {
                s = new ParamState();
            }
            String local = key.substring(prefix.length());
            if (local.equals("step")) {
                s.step = (long) e.getValue().item();
            } else {
                s.tensors.put(local, e.getValue().copy());
            }
            used.add(key);
        }
        return s;
    }
}
