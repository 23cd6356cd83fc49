package org.mofa4j.optim;

import java.util.List;
import java.util.Map;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.Tensor;

/**
 * What a training loop needs from any optimizer, single or composite (e.g. MoFaSGD on matrices with AdamW on
 * the rest): step, zeroGrad, a learning-rate scale for schedules, a state dict, and exact state sizes.
 */
public interface StatefulOptimizer {
    /** Short name for logs and errors, e.g. "AdamW". */
    String name();

    /** Applies one update to every parameter that has a gradient. */
    void step();

    /** Frees every parameter's gradient. */
    void zeroGrad();

    /** Multiplies the configured learning rates (1 = as configured). */
    void setLrScale(double scale);

    /** All parameters this optimizer updates, in order. */
    List<Variable> parameters();

    /**
     * State tensors keyed {@code <parameter name>.<state name>}; scalars are 0-d F64 tensors. The tensors are the
     * live state, not copies (a checkpoint of a large model must not double its memory): serialise them before
     * the next {@link #step()}.
     */
    Map<String, Tensor> stateDict();

    /** Restores {@link #stateDict()}; unknown keys or mismatched shapes are refused before anything changes. */
    void loadStateDict(Map<String, Tensor> state);

    /** Exact bytes of optimizer state per parameter name (0 before the first step). */
    Map<String, Long> stateBytesPerParameter();

    /**
     * Sets, or clears with null, the diagnostics hook ({@link Inspection}) of every optimizer in this one that has
     * something to show (MoFaSGD, GaLore, AdaLomo); the others ignore it. Off (null) by default.
     */
    default void setInspection(Inspection inspection) {}

    /** Exact bytes of all optimizer state. */
    default long stateBytes() {
        long total = 0;
        for (long b : stateBytesPerParameter().values()) {
            total += b;
        }
        return total;
    }
}
