package org.mofa4j.autograd;

import org.mofa4j.tensor.Tensor;

/**
 * Called during backward the moment a leaf's gradient for this pass is final: after its last
 * contribution has been summed, in reverse topological order. This is where LOMO, AdaLomo and
 * MoFaSGD's fused mode update a parameter, so that no full set of gradients ever exists at once.
 */
@FunctionalInterface
public interface GradReadyHook {
    /**
     * @param parameter the leaf whose gradient is ready
     * @param grad      its gradient from this backward pass (not yet added to {@code parameter.grad()})
     * @return true if the hook consumed the gradient: it is then dropped instead of being accumulated into
     *     {@code parameter.grad()}, and its memory can be reclaimed at once
     */
    boolean onGradReady(Variable parameter, Tensor grad);
}
