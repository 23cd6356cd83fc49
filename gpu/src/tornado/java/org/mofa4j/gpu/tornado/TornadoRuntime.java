package org.mofa4j.gpu.tornado;

import org.mofa4j.tensor.backend.BackendUnavailableException;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

/** Finds TornadoVM's runtime and default device, or says what is missing. */
public final class TornadoRuntime {
    /** Set by TornadoVM's {@code tornado-argfile}; without it no task graph can be built. */
    static final String API_PROPERTY = "tornado.load.api.implementation";
    /** TornadoVM's buffer for one task graph's own bytecode (transfers, launches); default 4096 bytes. */
    static final String BYTECODE_SIZE_PROPERTY = "tornado.tvm.maxbytecodesize";

    static {
        // A graph of the resident GPT step (up to 32 kernels over dozens of shared arrays) outgrows the 4 KiB
        // default (BufferOverflowException, reported only as a bailout). TornadoVM reads the property from the live
        // system properties when it first compiles a graph, so this must run before any graph executes.
        if (System.getProperty(BYTECODE_SIZE_PROPERTY) == null) {
            System.setProperty(BYTECODE_SIZE_PROPERTY, Integer.toString(1 << 20));
        }
    }

    private TornadoRuntime() {}

    /** Applies this class's TornadoVM settings (its static initialiser) before a task graph is built. */
    public static void configure() {
        // the static initialiser has run by the time this body executes
    }

    /** TornadoVM's device 0 of backend 0, or a {@code BackendUnavailableException} naming what is missing. */
    public static TornadoDevice defaultDevice() {
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
