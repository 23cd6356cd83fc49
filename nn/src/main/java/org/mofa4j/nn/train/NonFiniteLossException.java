package org.mofa4j.nn.train;

/** Training stopped because the loss (or the gradient norm) became NaN or infinite. */
public final class NonFiniteLossException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long step;

    public NonFiniteLossException(long step, String what, double value) {
        super("training stopped at step " + step + ": " + what + " is " + value + "; the last checkpoint written "
                + "before this step is kept (lower the learning rate, enable clipping, or run with anomaly mode)");
        this.step = step;
    }

    /** The 0-based step at which the non-finite value appeared. */
    public long step() {
        return step;
    }
}
