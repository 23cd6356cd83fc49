package org.mofa4j.tensor.backend;

/**
 * A device backend found by {@link java.util.ServiceLoader} (file
 * {@code META-INF/services/org.mofa4j.tensor.backend.BackendProvider}). Providers are cheap to construct: they start
 * nothing until {@link #open()}.
 */
public interface BackendProvider {

    /** The {@code --device} name this provider serves, e.g. {@code gpu}. */
    String device();

    /**
     * Starts the backend on its device.
     *
     * @throws BackendUnavailableException naming what is missing (the runtime, a driver, a device, a build option)
     */
    Backend open();
}
