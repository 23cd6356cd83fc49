package org.mofa4j.tensor;

/** Reductions along any axes, softmax. (Being implemented: see the foundation issue.) */
final class ReduceOps {
    private ReduceOps() {}

    static Tensor sum(Tensor a, int[] axes, boolean keepDim) { throw new UnsupportedOperationException("sum"); }
    static Tensor mean(Tensor a, int[] axes, boolean keepDim) { throw new UnsupportedOperationException("mean"); }
    static Tensor max(Tensor a, int[] axes, boolean keepDim) { throw new UnsupportedOperationException("max"); }
    static Tensor min(Tensor a, int[] axes, boolean keepDim) { throw new UnsupportedOperationException("min"); }
    static Tensor var(Tensor a, int[] axes, boolean keepDim, int correction) { throw new UnsupportedOperationException("var"); }
    static Tensor logsumexp(Tensor a, int[] axes, boolean keepDim) { throw new UnsupportedOperationException("logsumexp"); }
    static IntTensor argmax(Tensor a, int axis, boolean keepDim) { throw new UnsupportedOperationException("argmax"); }
    static int argmaxFlat(Tensor a) { throw new UnsupportedOperationException("argmax"); }
    static Tensor sumTo(Tensor a, int[] shape) { throw new UnsupportedOperationException("sumTo"); }
    static double norm(Tensor a) { throw new UnsupportedOperationException("norm"); }
    static Tensor softmax(Tensor a, int axis) { throw new UnsupportedOperationException("softmax"); }
    static Tensor logSoftmax(Tensor a, int axis) { throw new UnsupportedOperationException("logSoftmax"); }
}
