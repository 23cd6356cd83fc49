package org.mofa4j.tensor.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * The registry of backends and the one the engine uses now.
 *
 * <ul>
 *   <li>{@link #open(String)} starts the backend for a {@code --device} name: {@code cpu} is built in, any other name
 *       is looked up among the {@link BackendProvider}s on the class path. A device that is not there, or whose
 *       provider cannot start, is an error that says what is missing; nothing falls back to the CPU silently.</li>
 *   <li>{@link #use(Backend)} makes a backend the active one for every thread; {@link #active()} is what the tensor
 *       engine dispatches to (the CPU until something else is installed).</li>
 *   <li>{@code -Dmofa4j.log.device=true} prints one line to stderr per dispatched call: the op, its shape and the
 *       device that ran it ({@link #logDevice(String, String, Backend)}).</li>
 * </ul>
 */
public final class Backends {
    /** System property: log which device ran each kernel call. */
    public static final String LOG_PROPERTY = "mofa4j.log.device";

    private static final boolean LOG = Boolean.getBoolean(LOG_PROPERTY);
    private static volatile Backend active = CpuBackend.INSTANCE;

    private Backends() {}

    /** The built-in CPU backend. */
    public static Backend cpu() {
        return CpuBackend.INSTANCE;
    }

    /** The backend the engine dispatches to now. */
    public static Backend active() {
        return active;
    }

    /** Makes {@code backend} the active one for every thread and returns the previous one. */
    public static Backend use(Backend backend) {
        java.util.Objects.requireNonNull(backend, "Backends.use: backend");
        Backend previous = active;
        active = backend;
        return previous;
    }

    /**
     * Starts the backend for {@code device}.
     *
     * @throws BackendUnavailableException when no provider serves that device (the message lists the devices that
     *                                     are available and what to add), or the provider cannot start (its reason)
     */
    public static Backend open(String device) {
        String want = device.trim().toLowerCase(Locale.ROOT);
        if (want.equals("cpu")) {
            return cpu();
        }
        List<String> found = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.device().equals(want)) {
                return p.open();
            }
            found.add(p.device());
        }
        throw new BackendUnavailableException("device '" + device + "': no backend for it on the class path (found: cpu"
                + (found.isEmpty() ? "" : ", " + String.join(", ", found)) + ")"
                + (want.equals("gpu") ? "; the GPU backend is the mofa4j-gpu module built with -Ptornado and run "
                + "with java @$TORNADOVM_HOME/tornado-argfile (see the README, GPU section)" : ""));
    }

    /** Whether per-call device logging is on ({@value #LOG_PROPERTY}). */
    public static boolean logging() {
        return LOG;
    }

    /** Logs {@code op shape -> device} when {@value #LOG_PROPERTY} is on. */
    public static void logDevice(String op, String shape, Backend ranOn) {
        if (LOG) {
            System.err.println("mofa4j device: " + op + " " + shape + " ran on " + ranOn.device());
        }
    }
}
