package org.mofa4j.autograd;

import org.mofa4j.tensor.Tensor;

/**
 * Receives a weight's gradient contribution in factored form, before it is ever formed. A dense layer
 * y = x·Wᵀ with W [m, n] has the weight gradient
 * <pre>
 *   G = dYᵀ·X        dY [N, m] (output gradient),  X [N, n] (layer input),  G [m, n]
 * </pre>
 * An optimizer that only needs products of G with thin matrices, such as MoFaSGD's G·V and Gᵀ·U, computes
 * them as dYᵀ·(X·V) and Xᵀ·(dY·U) at O(N·r·(m + n)) instead of O(N·m·n), and no m×n gradient exists at all.
 *
 * <p>{@link MatmulFns#linear} offers each contribution to the sink of its weight (see
 * {@link Variable#setOuterProductGradSink}) during backward. When the sink consumes it, the contribution is
 * not added to the weight's gradient and no gradient-ready hook sees it; when it declines, the dense G is
 * formed and delivered as usual. Contributions from other ops always arrive densely.
 */
@FunctionalInterface
public interface OuterProductGradSink {
    /**
     * @param parameter the weight W [m, n]
     * @param left      dY [N, m]. Not modified; valid only during the call.
     * @param right     X [N, n]. Not modified; valid only during the call.
     * @return true if the sink consumed the contribution G = leftᵀ·right
     */
    boolean accept(Variable parameter, Tensor left, Tensor right);
}
