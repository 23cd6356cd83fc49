package org.mofa4j.gpu.tornado;

import java.util.Random;
import org.mofa4j.tensor.Tensor;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/** Benchmark and parity-test inputs: values uniform in [−1, 1) drawn from a seeded {@link Random}. */
final class UniformData {
    private UniformData() {}

    /** n values. */
    static float[] floats(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextFloat() * 2 - 1;
        }
        return v;
    }

    /** A tensor of the given shape. */
    static Tensor tensor(Random rnd, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return Tensor.wrap(floats(rnd, n), shape);
    }

    /** n values in a device-visible array. */
    static FloatArray floatArray(Random rnd, int n) {
        return FloatArray.fromArray(floats(rnd, n));
    }
}
