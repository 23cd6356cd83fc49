package org.mofa4j.optim;

/**
 * An optimizer whose per-parameter work runs inside backward, in gradient-ready hooks that consume each
 * gradient the moment it is final (see {@link org.mofa4j.autograd.GradReadyHook}), so no full set of gradients
 * ever exists. LOMO and AdaLomo update the weights in the hook; MoFaSGD's fused mode only accumulates the
 * skinny products G·V, Gᵀ·U and Uᵀ·G·V there and applies the update in {@link StatefulOptimizer#step()}.
 */
public interface FusedInBackward {
    /** Registers the hooks on every parameter. From then on backward consumes the gradients. */
    void attach();

    /** Removes the hooks; gradients accumulate in {@code grad()} again. */
    void detach();

    /** True while attached. */
    boolean isAttached();
}
