package org.mofa4j.tensor;

/** Concat, stack, split, gather, index-select and their scatter adjoints. (Being implemented.) */
final class IndexOps {
    private IndexOps() {}

    static Tensor concat(int axis, Tensor[] parts) { throw new UnsupportedOperationException("concat"); }
    static Tensor stack(int axis, Tensor[] parts) { throw new UnsupportedOperationException("stack"); }
    static Tensor[] split(Tensor a, int axis, int[] sizes) { throw new UnsupportedOperationException("split"); }
    static Tensor gather(Tensor a, int axis, IntTensor index) { throw new UnsupportedOperationException("gather"); }
    static Tensor indexSelect(Tensor a, int axis, IntTensor index) { throw new UnsupportedOperationException("indexSelect"); }
    static void scatterAdd(Tensor self, int axis, IntTensor index, Tensor src) { throw new UnsupportedOperationException("scatterAdd"); }
    static void indexAdd(Tensor self, int axis, IntTensor index, Tensor src) { throw new UnsupportedOperationException("indexAdd"); }
}
