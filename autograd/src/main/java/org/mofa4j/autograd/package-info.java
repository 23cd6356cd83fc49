/**
 * Reverse-mode automatic differentiation over {@link org.mofa4j.tensor.Tensor} ops.
 *
 * <p>A {@link org.mofa4j.autograd.Variable} wraps a tensor; ops on variables that require grad record a
 * {@link org.mofa4j.autograd.Node} holding the tensors its backward needs. {@link
 * org.mofa4j.autograd.Variable#backward()} walks the graph in reverse topological order (iteratively),
 * sums contributions where a value is used twice, fires {@link org.mofa4j.autograd.GradReadyHook}s on
 * leaves the moment their gradient is final, and frees the graph.
 */
package org.mofa4j.autograd;
