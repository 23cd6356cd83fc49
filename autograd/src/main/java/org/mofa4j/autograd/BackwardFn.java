package org.mofa4j.autograd;

import org.mofa4j.tensor.Tensor;

/**
 * The backward rule of one op: given dL/d(output), returns dL/d(input i) for each input, in the order
 * the inputs were recorded. An entry may be null when {@link Node.Context#needsGrad(int)} is false.
 *
 * <p>Contract: returned tensors have exactly the input's shape and dtype; they may be {@code gradOut}
 * itself or a view of it, but never a saved tensor or a view of one. Returning the same tensor object
 * for several inputs is allowed (the engine then copies before accumulating in place).
 */
@FunctionalInterface
public interface BackwardFn {
    Tensor[] apply(Node.Context ctx, Tensor gradOut);
}
