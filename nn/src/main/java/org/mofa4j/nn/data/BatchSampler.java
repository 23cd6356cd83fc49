package org.mofa4j.nn.data;

import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Rng;

/**
 * Draws batches of random windows from a token stream, as nanoGPT's {@code get_batch}: each of the B rows starts
 * at an offset uniform on {@code [0, size - T - 1]}, inputs are tokens {@code [o, o + T)} and targets
 * {@code [o + 1, o + T + 1)}.
 *
 * <p><b>Determinism and resume.</b> Batch number {@code step} is a pure function of (seed, step): its offsets come
 * from {@code new Rng(seed).fork(step)} ({@link Rng#fork} depends only on the key, not on how much was drawn
 * before). The sampler's whole state is therefore the pair (seed, {@link #step()}); to resume training exactly,
 * store {@link #step()} in the checkpoint and call {@link #seek(long)} on a sampler built with the same stream,
 * shape and seed. {@link #batchAt(long)} gives any batch without touching the state, which also makes it easy to
 * re-evaluate a fixed set of validation batches. Use different seeds for the train and validation samplers.
 *
 * <p>Not thread-safe ({@link #next()} advances the step); {@link #batchAt(long)} may be called from any thread.
 */
public final class BatchSampler {
    private final TokenStream stream;
    private final int batchSize;
    private final int contextLength;
    private final long seed;
    private final Rng root;
    private long step;

    /**
     * @throws IllegalArgumentException if {@code batchSize < 1}, {@code contextLength < 1}, or the stream holds
     *     fewer than {@code contextLength + 1} tokens (the message names the stream and both numbers)
     */
    public BatchSampler(TokenStream stream, int batchSize, int contextLength, long seed) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("BatchSampler: batchSize must be ≥ 1, got " + batchSize);
        }
        stream.requireWindow(contextLength);
        if ((long) batchSize * contextLength > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("BatchSampler: batchSize × contextLength = " + batchSize + " × "
                    + contextLength + " exceeds the largest tensor");
        }
        this.stream = stream;
        this.batchSize = batchSize;
        this.contextLength = contextLength;
        this.seed = seed;
        this.root = new Rng(seed);
    }

    /** The batch for the current step, then advances the step by one. */
    public Batch next() {
        return batchAt(step++);
    }

    /** Batch number {@code step} (≥ 0); does not change {@link #step()}. */
    public Batch batchAt(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("BatchSampler.batchAt: step must be ≥ 0, got " + step);
        }
        Rng rng = root.fork(step);
        int starts = stream.size() - contextLength; // offsets 0 .. size - T - 1
        int[] inputs = new int[batchSize * contextLength];   // [B, T]
        int[] targets = new int[batchSize * contextLength];  // [B, T]
        for (int b = 0; b < batchSize; b++) {
            int offset = rng.nextInt(starts);
            stream.copyTo(offset, contextLength, inputs, b * contextLength);
            stream.copyTo(offset + 1, contextLength, targets, b * contextLength);
        }
        return new Batch(IntTensor.wrap(inputs, batchSize, contextLength),
                IntTensor.wrap(targets, batchSize, contextLength));
    }

    /** How many batches {@link #next()} has returned (or the value last given to {@link #seek}). */
    public long step() {
        return step;
    }

    /** Sets the step, so the next {@link #next()} returns {@link #batchAt(long) batchAt(step)}. */
    public void seek(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("BatchSampler.seek: step must be ≥ 0, got " + step);
        }
        this.step = step;
    }

    public long seed() {
        return seed;
    }

    public int batchSize() {
        return batchSize;
    }

    public int contextLength() {
        return contextLength;
    }

    public TokenStream stream() {
        return stream;
    }

    @Override
    public String toString() {
        return "BatchSampler[" + stream.name() + ", B=" + batchSize + ", T=" + contextLength + ", seed=" + seed
                + ", step=" + step + "]";
    }
}
