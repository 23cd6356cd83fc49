package org.mofa4j.gpu.tornado;

import static org.junit.jupiter.api.Assertions.fail;

import org.mofa4j.tensor.Tensor;

/** Test helpers: random tensors and an element-wise closeness check that reports the worst element. */
final class ParityCheck {
    private ParityCheck() {}

    /** |expected − actual| ≤ tol·max(1, |expected|) for every element; prints the worst relative error. */
    static double close(String what, Tensor expected, Tensor actual, double tol) {
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        if (e.length != a.length) {
            fail(what + ": " + e.length + " elements expected, got " + a.length);
        }
        double worst = 0;
        int at = -1;
        for (int i = 0; i < e.length; i++) {
            double err = Math.abs(e[i] - a[i]) / Math.max(1.0, Math.abs(e[i]));
            if (!(err <= worst)) {
                worst = err;
                at = i;
            }
        }
        System.out.printf("parity %-48s max rel err %.3e%n", what, worst);
        if (!(worst <= tol)) {
            fail(what + ": element " + at + " expected " + e[at] + ", got " + a[at] + " (relative error " + worst
                    + " > " + tol + ")");
        }
        return worst;
    }
}
