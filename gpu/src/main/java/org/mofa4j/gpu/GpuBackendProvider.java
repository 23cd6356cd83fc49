package org.mofa4j.gpu;

import java.lang.reflect.InvocationTargetException;
import org.mofa4j.tensor.backend.Backend;
import org.mofa4j.tensor.backend.BackendProvider;
import org.mofa4j.tensor.backend.BackendUnavailableException;

/**
 * The {@code gpu} device. It starts {@code org.mofa4j.gpu.tornado.TornadoBackend} when this module was built with
 * {@code -Ptornado}; otherwise, and when TornadoVM's runtime or a device is missing, {@link #open()} throws an
 * error that names what is missing. The TornadoVM classes are reached by reflection so that this class compiles
 * and loads without TornadoVM.
 */
public final class GpuBackendProvider implements BackendProvider {
    /** The backend class compiled from {@code src/tornado/java} in the {@code tornado} profile. */
    static final String TORNADO_BACKEND = "org.mofa4j.gpu.tornado.TornadoBackend";

    @Override
    public String device() {
        return "gpu";
    }

    @Override
    public Backend open() {
        return open(TORNADO_BACKEND);
    }

    /** Starts {@code className}'s static {@code open()}; package-private so tests can name a missing class. */
    static Backend open(String className) {
        Class<?> cls;
        try {
            cls = Class.forName(className);
        } catch (ClassNotFoundException e) {
            throw new BackendUnavailableException("device 'gpu': mofa4j-gpu was built without the TornadoVM backend ("
                    + className + " is not on the class path); build with mvn -Ptornado package after installing "
                    + "TornadoVM and its tornado-api jar (README, GPU section)", e);
        } catch (LinkageError e) {
            throw new BackendUnavailableException("device 'gpu': the TornadoVM backend cannot load (" + e
                    + "); the tornado-api classes are missing: run with java @$TORNADOVM_HOME/tornado-argfile", e);
        }
        try {
            return (Backend) cls.getMethod("open").invoke(null);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof BackendUnavailableException b) {
                throw b;
            }
            throw new BackendUnavailableException("device 'gpu': starting TornadoVM failed: " + e.getCause(),
                    e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new BackendUnavailableException("device 'gpu': " + className + ".open() cannot be called: " + e, e);
        }
    }
}
