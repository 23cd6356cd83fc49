package org.mofa4j.tensor.kernels;

/**
 * Chooses between the scalar reference kernels and the Vector API kernels, and holds the kernel thread count.
 *
 * <p>Settings (read once, when this class is first used):
 * <ul>
 *   <li>{@code -Dmofa4j.kernels=vector} (default) or {@code scalar}. {@code vector} falls back to {@code scalar}
 *       when the {@code jdk.incubator.vector} module is not readable (the JVM was started without
 *       {@code --add-modules jdk.incubator.vector}) or the preferred vector shape is narrower than 128 bits;
 *       {@link #describe()} then says why.</li>
 *   <li>{@code -Dmofa4j.threads=N} (default {@link Runtime#availableProcessors()}): the thread count kernels use
 *       when the caller does not pass one.</li>
 * </ul>
 * Any other value is rejected with an {@link IllegalArgumentException} naming the property.
 *
 * <p>Kernels in both modes are deterministic and independent of the thread count; see {@link Gemm} for the exact
 * arithmetic the two sgemm implementations share.
 */
public final class KernelMode {

    /** Which implementation family runs. */
    public enum Mode { SCALAR, VECTOR }

    /** System property selecting the mode: {@code vector} or {@code scalar}. */
    public static final String MODE_PROPERTY = "mofa4j.kernels";
    /** System property selecting the default kernel thread count. */
    public static final String THREADS_PROPERTY = "mofa4j.threads";

    private static final String VECTOR_SHAPE;      // e.g. "FloatVector 256-bit, 8 lanes"; null when unavailable
    private static final String UNAVAILABLE_REASON; // why the vector kernels cannot run; null when they can
    private static final Mode CONFIGURED;
    private static final int THREADS;

    private static volatile Mode override;

    static {
        String shape = null;
        String reason = null;
        try {
            Class.forName("jdk.incubator.vector.FloatVector");
            int bits = VectorGemm.vectorBits();
            if (bits < 128) {
                reason = "preferred vector shape is only " + bits + "-bit";
            } else {
                shape = "FloatVector " + bits + "-bit, " + VectorGemm.lanes() + " lanes";
            }
        } catch (ClassNotFoundException | LinkageError e) {
            reason = "jdk.incubator.vector not readable; start the JVM with --add-modules jdk.incubator.vector";
        }
        VECTOR_SHAPE = shape;
        UNAVAILABLE_REASON = reason;

        String requested = System.getProperty(MODE_PROPERTY, "vector").trim().toLowerCase(java.util.Locale.ROOT);
        Mode wanted = switch (requested) {
            case "vector" -> Mode.VECTOR;
            case "scalar" -> Mode.SCALAR;
            default -> throw new IllegalArgumentException(
                    MODE_PROPERTY + " must be 'vector' or 'scalar', got '" + requested + "'");
        };
        CONFIGURED = wanted == Mode.VECTOR && shape == null ? Mode.SCALAR : wanted;

        String threads = System.getProperty(THREADS_PROPERTY);
        int t = Runtime.getRuntime().availableProcessors();
        if (threads != null) {
            try {
                t = Integer.parseInt(threads.trim());
            } catch (NumberFormatException e) {
                t = 0;
            }
            if (t < 1) {
                throw new IllegalArgumentException(
                        THREADS_PROPERTY + " must be an integer >= 1, got '" + threads + "'");
            }
        }
        THREADS = t;
    }

    private KernelMode() {
    }

    /** The mode kernels use now: a test override if one is active, else the configured mode. */
    public static Mode current() {
        Mode o = override;
        return o != null ? o : CONFIGURED;
    }

    /** Whether the Vector API kernels can run in this JVM. */
    public static boolean vectorAvailable() {
        return VECTOR_SHAPE != null;
    }

    /** The default kernel thread count ({@code mofa4j.threads}, else the number of available processors). */
    public static int threads() {
        return THREADS;
    }

    /** One line for start-up logs, e.g. {@code mofa4j kernels: vector (FloatVector 256-bit, 8 lanes), 2 threads}. */
    public static String describe() {
        Mode mode = current();
        String detail = mode == Mode.VECTOR ? VECTOR_SHAPE
                : UNAVAILABLE_REASON != null ? "vector unavailable: " + UNAVAILABLE_REASON
                : override != null ? "forced by override" : "selected by -D" + MODE_PROPERTY;
        return "mofa4j kernels: " + mode.name().toLowerCase(java.util.Locale.ROOT) + " (" + detail + "), "
                + THREADS + (THREADS == 1 ? " thread" : " threads");
    }

    /**
     * Forces a mode for every thread until the returned handle is closed, which restores the previous mode.
     * Meant for tests: {@code try (var m = KernelMode.override(Mode.SCALAR)) { ... }}. Overrides nest.
     *
     * @throws IllegalStateException if {@code VECTOR} is forced but the Vector API is unavailable
     */
    public static Restore override(Mode mode) {
        java.util.Objects.requireNonNull(mode, "mode");
        if (mode == Mode.VECTOR && !vectorAvailable()) {
            throw new IllegalStateException("KernelMode.override(VECTOR): " + UNAVAILABLE_REASON);
        }
        Mode previous = override;
        override = mode;
        return () -> override = previous;
    }

    /** Handle returned by {@link #override(Mode)}; closing it restores the previous mode and never throws. */
    @FunctionalInterface
    public interface Restore extends AutoCloseable {
        @Override
        void close();
    }
}
