package org.mofa4j.nn.train;

/** Training stopped because the loss (or the gradient norm) became NaN or infinite. */
public final class NonFiniteLossException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long step;

    public NonFiniteLossException(long step, String what, double value) {
        super("training stopped at step " + step + ": " + what + " is " + value + "; the last checkpoint written "
                + "before this step is kept (lower the learning rate, enable clipping, run with anomaly mode to find the op, or skip such steps)");
        this.step = step;
    }

    /** A non-finite value found by another component ({@code detail} says which), e.g. an optimizer's check. */
    public NonFiniteLossException(long step, String detail, Throwable cause) {
        super("training stopped at step " + step + ": " + detail + "; the last checkpoint written before this step is "
                + "kept", cause);
        this.step = step;
    }

    /** The 0-based step at which the non-finite value appeared. */
    public long step() {
        return step;
    }
}
