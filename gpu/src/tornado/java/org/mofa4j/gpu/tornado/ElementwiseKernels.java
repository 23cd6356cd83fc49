package org.mofa4j.gpu.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Elementwise maps as TornadoVM {@code @Parallel} loops (one work-item per element). Scalars that change between
 * executions are passed in a {@link FloatArray} ({@code alpha.get(0)}), because a task's Java scalars are fixed
 * when its graph is built. CPU references: {@code Tensor.add/mul/mulInPlace} and the float64 loops in the tests.
 */
public final class ElementwiseKernels {
    private ElementwiseKernels() {}

    /** out[i] = x[i] + y[i], i &lt; n. */
    public static void add(FloatArray x, FloatArray y, FloatArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out.set(i, x.get(i) + y.get(i));
        }
    }

    /** out[i] = x[i]·y[i], i &lt; n. */
    public static void mul(FloatArray x, FloatArray y, FloatArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out.set(i, x.get(i) * y.get(i));
        }
    }

    /** x[i] = alpha·x[i], i &lt; n. Modifies x. */
    public static void scale(FloatArray alpha, FloatArray x, int n) {
        float s = alpha.get(0);
        for (@Parallel int i = 0; i < n; i++) {
            x.set(i, s * x.get(i));
        }
    }

    /** y[i] += alpha·x[i], i &lt; n (BLAS axpy). Modifies y. */
    public static void axpy(FloatArray alpha, FloatArray x, FloatArray y, int n) {
        float s = alpha.get(0);
        for (@Parallel int i = 0; i < n; i++) {
            y.set(i, y.get(i) + s * x.get(i));
        }
    }
}
