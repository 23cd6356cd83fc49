package org.mofa4j.nn.train;

import org.mofa4j.nn.data.Batch;

/**
 * A training step that runs on a device holding the model's parameters, their gradients and the optimizer's state
 * between steps (see {@link DeviceTrainerProvider}). The {@link Trainer} hands it each batch and the schedule's
 * learning-rate scale instead of running forward, backward and the optimizer on the host; per step only the batch
 * goes to the device and a few scalars (the loss, the gradient norm) come back. The host model and optimizer are
 * stale between {@link #copyToHost()} calls: the trainer calls it before evaluation, checkpoints and at the end.
 */
public interface DeviceTrainer extends AutoCloseable {

    /**
     * What one device step reported.
     *
     * @param loss     mean cross-entropy of the batch
     * @param gradNorm global L2 norm of all gradients before clipping
     * @param applied  false when the loss or the norm was not finite: the device then left the weights and the
     *                 optimizer state unchanged
     */
    record StepResult(double loss, double gradNorm, boolean applied) {}

    /** One line for the console: what is resident on which device. */
    String description();

    /**
     * One optimizer step on {@code batch} (inputs and targets [B, T] with the B and T the trainer was opened for):
     * forward, backward, global-norm clipping when {@code clipNorm > 0}, then the optimizer update at
     * {@code lrScale} times the configured learning rates. Modifies: the device state only.
     */
    StepResult step(Batch batch, double lrScale, double clipNorm);

    /** Writes the device's parameters into the host model and its optimizer state into the host optimizer. */
    void copyToHost();

    /** Bytes moved between host and device by the last {@link #step} (0 before the first). */
    long bytesLastStep();

    /** Bytes moved between host and device so far, including the first upload and every {@link #copyToHost()}. */
    long bytesMoved();

    /** Frees the device buffers. */
    @Override
    void close();
}
