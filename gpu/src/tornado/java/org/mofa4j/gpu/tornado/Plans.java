package org.mofa4j.gpu.tornado;

import uk.ac.manchester.tornado.api.TornadoExecutionPlan;

/** Closing TornadoVM execution plans (frees their device buffers) without a checked exception. */
public final class Plans {
    private Plans() {}

    public static void close(TornadoExecutionPlan plan) {
        try {
            plan.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing a TornadoVM execution plan failed: " + e, e);
        }
    }
}
