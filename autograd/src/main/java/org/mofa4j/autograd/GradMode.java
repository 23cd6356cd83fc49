package org.mofa4j.autograd;

/**
 * Whether ops record a graph on the current thread. Recording is on by default; {@link #disabled()}
 * opens a scope in which results never require grad (inference, optimizer updates, evaluation).
 * The flag is per thread, so two models can train on two threads independently.
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private GradMode() {}

    /** True when ops on this thread record a graph. */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /** A scope with recording off; closing it restores the previous state. Use in try-with-resources. */
    public static Scope disabled() {
        return set(false);
    }

    /** A scope with recording on (e.g. inside a {@link #disabled()} scope). */
    public static Scope enabled() {
        return set(true);
    }

    private static Scope set(boolean on) {
        boolean[] flag = ENABLED.get();
        boolean previous = flag[0];
        flag[0] = on;
        return () -> flag[0] = previous;
    }

    /** Restores the previous grad mode on close. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
