package org.mofa4j.nn.data;

import java.util.Arrays;
import org.mofa4j.tensor.IntTensor;

/**
 * One training batch for next-token prediction: {@code targets[b, t] = inputs[b, t + 1]} within each row's window,
 * i.e. both are [B, T] views of the same B windows of T + 1 tokens, the targets shifted by one.
 *
 * @param inputs  [B, T] token ids fed to the model
 * @param targets [B, T] the id that follows each input
 */
public record Batch(IntTensor inputs, IntTensor targets) {

    public Batch {
        if (inputs.rank() != 2 || !Arrays.equals(inputs.shape(), targets.shape())) {
            throw new IllegalArgumentException("Batch: inputs and targets must both be [B, T], got inputs "
                    + Arrays.toString(inputs.shape()) + " and targets " + Arrays.toString(targets.shape()));
        }
    }

    /** B, the number of windows. */
    public int batchSize() {
        return inputs.dim(0);
    }

    /** T, the tokens per window. */
    public int contextLength() {
        return inputs.dim(1);
    }

    /** Equal when both tensors hold the same ids in the same shape (IntTensor itself compares by identity). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Batch b && Arrays.equals(inputs.shape(), b.inputs.shape())
                && Arrays.equals(inputs.data(), b.inputs.data()) && Arrays.equals(targets.data(), b.targets.data());
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(inputs.data()) + Arrays.hashCode(targets.data());
    }

    @Override
    public String toString() {
        return "Batch[inputs=" + inputs + ", targets=" + targets + "]";
    }
}
