package org.mofa4j.autograd;

/**
 * Thrown by {@link AnomalyMode}: an op's forward output or a backward gradient holds NaN or ±Inf. The message
 * names the op, the phase, the shapes, the layer and the parameters involved.
 */
public final class AnomalyException extends ArithmeticException {
    private static final long serialVersionUID = 1L;
    private final String op;
    private final String phase;
    private final String layer;

    AnomalyException(String op, String phase, String layer, String message) {
        super(message);
        this.op = op;
        this.phase = phase;
        this.layer = layer;
    }

    /** The op's name, e.g. "log". */
    public String op() {
        return op;
    }

    /** "forward" or "backward". */
    public String phase() {
        return phase;
    }

    /** The layer the op was recorded in (see {@link AnomalyMode#layer}), or null. */
    public String layer() {
        return layer;
    }
}
