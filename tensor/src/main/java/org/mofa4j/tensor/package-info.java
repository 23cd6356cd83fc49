/**
 * Dense float32/float64 tensors with zero-copy views, NumPy broadcasting and fast CPU kernels.
 *
 * <p>A {@link org.mofa4j.tensor.Tensor} is a (storage, shape, strides, offset) quadruple over a
 * row-major {@code float[]} or {@code double[]}. Views (reshape, transpose, slice, expand...) share
 * storage; ops produce fresh contiguous tensors unless their name ends in {@code InPlace}.
 * Kernels come in two twins, a Vector API path and a scalar path, chosen by
 * {@link org.mofa4j.tensor.kernels.KernelMode}.
 */
package org.mofa4j.tensor;
