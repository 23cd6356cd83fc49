package org.mofa4j.tensor;

/** Thrown when an op receives shapes, axes or indices it cannot work with. The message names the op. */
public class ShapeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ShapeException(String message) {
        super(message);
    }
}
