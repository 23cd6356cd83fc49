package org.mofa4j.autograd;

import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * A tensor kept for backward, together with its storage version at save time. Reading it after an
 * in-place write to its storage (through any view) throws instead of producing a wrong gradient.
 */
final class SavedTensor {
    private Tensor tensor;
    private final int version;

    SavedTensor(Tensor tensor) {
        this.tensor = tensor;
        this.version = tensor.version();
    }

    Tensor get(String op, int index) {
        if (tensor == null) {
            throw new IllegalStateException("backward: the tensors '" + op + "' saved for backward were already freed "
                    + "by an earlier backward(); call backward(seed, true) to keep the graph for another pass");
        }
        if (tensor.version() != version) {
            throw new IllegalStateException("backward: tensor " + index + " of shape " + Shapes.str(tensor.shape())
                    + " saved by '" + op + "' for backward was modified in place (version " + tensor.version()
                    + ", saved at version " + version + "); clone it before modifying, or modify it after backward");
        }
        return tensor;
    }

    void release() {
        tensor = null;
    }
}
