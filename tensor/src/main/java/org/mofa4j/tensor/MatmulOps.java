package org.mofa4j.tensor;

/** 2-D and batched matmul over strided views. (Being implemented.) */
final class MatmulOps {
    private MatmulOps() {}

    static Tensor matmul(Tensor a, Tensor b) { throw new UnsupportedOperationException("matmul"); }
    static void matmulInto(Tensor a, Tensor b, Tensor out, boolean accumulate) { throw new UnsupportedOperationException("matmul"); }
}
