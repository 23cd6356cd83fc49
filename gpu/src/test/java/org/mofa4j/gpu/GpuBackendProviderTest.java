package org.mofa4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.backend.BackendUnavailableException;
import org.mofa4j.tensor.backend.Backends;

class GpuBackendProviderTest {

    @Test
    void theProviderIsFoundByTheRegistryForDeviceGpu() {
        if (System.getProperty("tornado.load.api.implementation") != null) {
            // -Ptornado tests run with TornadoVM's argfile: the device starts.
            assertEquals("gpu", Backends.open("gpu").device());
            return;
        }
        // Without TornadoVM's runtime the provider is found, then fails naming what is missing: never the CPU.
        var e = assertThrows(BackendUnavailableException.class, () -> Backends.open("gpu"));
        assertTrue(e.getMessage().startsWith("device 'gpu': "), e.getMessage());
        assertTrue(!e.getMessage().contains("no backend for it on the class path"), e.getMessage());
    }

    @Test
    void aBuildWithoutTheTornadoProfileSaysSo() {
        var e = assertThrows(BackendUnavailableException.class,
                () -> GpuBackendProvider.open("org.mofa4j.gpu.tornado.NoSuchBackend"));
        assertTrue(e.getMessage().contains("built without the TornadoVM backend"), e.getMessage());
        assertTrue(e.getMessage().contains("-Ptornado"), e.getMessage());
    }

    @Test
    void servesTheGpuDevice() {
        assertEquals("gpu", new GpuBackendProvider().device());
    }
}
