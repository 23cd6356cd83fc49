package org.mofa4j.examples.cli;

import org.mofa4j.tensor.kernels.Gemm;
import org.mofa4j.tensor.kernels.KernelMode;

/** The start-up line every command prints, and kernel warm-up (Vector API code must not start in OSR). */
final class Startup {
    private Startup() {}

    static void announce() {
        System.out.println(KernelMode.describe());
        Gemm.warmUp();
    }
}
