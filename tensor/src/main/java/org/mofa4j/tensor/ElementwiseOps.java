package org.mofa4j.tensor;

/** Elementwise ops with broadcasting. (Being implemented: see the foundation issue.) */
final class ElementwiseOps {
    private ElementwiseOps() {}

    static void copyInto(Tensor src, Tensor dst) { throw new UnsupportedOperationException("copyInto"); }
    static void fill(Tensor t, double v) { throw new UnsupportedOperationException("fill"); }
    static Tensor binary(BinaryOp op, Tensor a, Tensor b) { throw new UnsupportedOperationException(op.opName()); }
    static Tensor binaryScalar(BinaryOp op, Tensor a, double s) { throw new UnsupportedOperationException(op.opName()); }
    static void binaryInPlace(BinaryOp op, Tensor self, Tensor b) { throw new UnsupportedOperationException(op.opName()); }
    static void binaryScalarInPlace(BinaryOp op, Tensor self, double s) { throw new UnsupportedOperationException(op.opName()); }
    static void axpyInPlace(Tensor y, double alpha, Tensor x) { throw new UnsupportedOperationException("axpy"); }
    static Tensor unary(UnaryOp op, Tensor a) { throw new UnsupportedOperationException(op.opName()); }
    static Tensor clamp(Tensor a, double lo, double hi) { throw new UnsupportedOperationException("clamp"); }
    static Tensor where(Tensor cond, Tensor a, Tensor b) { throw new UnsupportedOperationException("where"); }
}
