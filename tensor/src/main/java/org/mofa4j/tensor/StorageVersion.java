package org.mofa4j.tensor;

/** A mutable counter shared by all views of one storage array; see {@link Tensor#version()}. */
final class StorageVersion {
    int value;
}
