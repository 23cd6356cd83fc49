package org.mofa4j.gpu.tornado;

import org.mofa4j.tensor.backend.BackendUnavailableException;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

/** Finds TornadoVM's runtime and default device, or says what is missing. */
final class TornadoRuntime {
    /** Set by TornadoVM's {@code tornado-argfile}; without it no task graph can be built. */
    static final String API_PROPERTY = "tornado.load.api.implementation";

    private TornadoRuntime() {}

    static TornadoDevice defaultDevice() {
        if (System.getProperty(API_PROPERTY) == null) {
            throw new BackendUnavailableException("device 'gpu': the TornadoVM runtime is not loaded (no -D"
                    + API_PROPERTY + "); run with java @$TORNADOVM_HOME/tornado-argfile ... (TornadoVM SDK, JDK 25)");
        }
        try {
            if (TornadoExecutionPlan.getTornadoDeviceMap().getNumBackends() == 0) {
                throw new BackendUnavailableException("device 'gpu': TornadoVM found no backend (no OpenCL/PTX/"
                        + "SPIR-V driver); check `tornado --devices`");
            }
            TornadoDevice d = TornadoExecutionPlan.getDevice(0, 0);
            if (d == null) {
                throw new BackendUnavailableException("device 'gpu': TornadoVM found no device on backend 0; check "
                        + "`tornado --devices` (OpenCL ICD, GPU driver)");
            }
            return d;
        } catch (BackendUnavailableException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            throw new BackendUnavailableException("device 'gpu': TornadoVM could not start: " + e, e);
        }
    }
}
