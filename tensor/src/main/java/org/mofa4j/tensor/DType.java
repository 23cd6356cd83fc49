package org.mofa4j.tensor;

/** Element type of a tensor. F32 is the training dtype; F64 serves gradient checks and oracles. */
public enum DType {
    F32(4),
    F64(8);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }
}
