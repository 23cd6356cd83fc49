package org.mofa4j.autograd;

/**
 * Watches a backward pass node by node, on one thread: {@link #afterNode} runs once per recorded op, in the
 * order backward runs them, right after the op's backward rule has produced its input gradients and handed
 * them on (leaf gradients included, so gradient-ready hooks and outer-product sinks have already run) and
 * before the op frees its saved tensors. That is the moment of the op where the most is reachable: its saved
 * inputs, its output gradient and its input gradients. Memory probes use it to sample the live heap at every op,
 * not only at the ops that own a trainable parameter.
 *
 * <p>Install with {@link #observe}; the observer is per thread, so other threads' passes are not seen.
 */
@FunctionalInterface
public interface BackwardObserver {
    /** @param op the op's name, e.g. "linear" or "gelu" */
    void afterNode(String op);

    /**
     * Makes {@code observer} watch every backward pass on this thread until the returned scope is closed;
     * closing restores the observer installed before (or none). Use in try-with-resources.
     *
     * @throws IllegalArgumentException if {@code observer} is null
     */
    static Scope observe(BackwardObserver observer) {
        if (observer == null) {
            throw new IllegalArgumentException("BackwardObserver.observe: observer is null");
        }
        BackwardObserver previous = Backward.OBSERVER.get();
        Backward.OBSERVER.set(observer);
        return () -> {
            if (previous == null) {
                Backward.OBSERVER.remove();
            } else {
                Backward.OBSERVER.set(previous);
            }
        };
    }

    /** Restores the previous observer on close. */
    interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
