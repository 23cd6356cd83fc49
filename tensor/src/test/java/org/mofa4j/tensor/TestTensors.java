package org.mofa4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;

/** Shared test helpers: random tensors, random non-contiguous views of them, and closeness checks. */
public final class TestTensors {
    private TestTensors() {}

    /** A contiguous tensor with values uniform in [-1, 1), filled without using any tensor op. */
    public static Tensor random(Random rnd, DType dtype, int... shape) {
        int n = Shapes.numel("random", shape);
        if (dtype == DType.F32) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = rnd.nextFloat() * 2 - 1;
            }
            return Tensor.wrap(v, shape);
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextDouble() * 2 - 1;
        }
        return Tensor.wrap(v, shape);
    }

    /**
     * A tensor with the given logical shape and random values, built as a non-contiguous view:
     * a slice with offset, a transposed layout or an expanded (stride-0) axis, chosen at random.
     */
    public static Tensor randomView(Random rnd, DType dtype, int... shape) {
        int kind = rnd.nextInt(4);
        int rank = shape.length;
        if (kind == 0 || rank == 0) {
            return random(rnd, dtype, shape);
        }
        if (kind == 1) {
            // a slice of a bigger buffer: pad every axis and start at 1
            int[] big = shape.clone();
            for (int i = 0; i < rank; i++) {
                big[i] += 2;
            }
            Tensor t = random(rnd, dtype, big);
            for (int i = 0; i < rank; i++) {
                t = t.narrow(i, 1, shape[i]);
            }
            return t;
        }
        if (kind == 2 && rank >= 2) {
            // stored transposed: make [.., b, a] then swap the last two axes
            int[] swapped = shape.clone();
            swapped[rank - 1] = shape[rank - 2];
            swapped[rank - 2] = shape[rank - 1];
            return random(rnd, dtype, swapped).transpose(-1, -2);
        }
        // broadcast along one axis of the shape
        int axis = rnd.nextInt(rank);
        int[] one = shape.clone();
        one[axis] = 1;
        return random(rnd, dtype, one).expand(shape);
    }

    /** Every element of {@code actual} within {@code atol + rtol·|expected|} of {@code expected}. */
    public static void assertClose(double[] expected, Tensor actual, double atol, double rtol) {
        double[] got = actual.toDoubleArray();
        if (got.length != expected.length) {
            fail("size differs: expected " + expected.length + " elements, got " + got.length + " (shape "
                    + Shapes.str(actual.shape()) + ")");
        }
        for (int i = 0; i < got.length; i++) {
            double e = expected[i];
            double g = got[i];
            boolean bothNaN = Double.isNaN(e) && Double.isNaN(g);
            boolean sameInf = Double.isInfinite(e) && e == g;
            if (!bothNaN && !sameInf && !(Math.abs(e - g) <= atol + rtol * Math.abs(e))) {
                fail("element " + i + " of shape " + Shapes.str(actual.shape()) + ": expected " + e + ", got " + g
                        + " (atol " + atol + ", rtol " + rtol + ")");
            }
        }
    }

    /** Same shape and bitwise-equal values. */
    public static void assertBitEqual(Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray(), 0.0);
    }

    /** A random shape of the given rank with dimensions in [1, maxDim], sometimes with size-1 axes. */
    public static int[] randomShape(Random rnd, int rank, int maxDim) {
        int[] s = new int[rank];
        for (int i = 0; i < rank; i++) {
            s[i] = rnd.nextInt(5) == 0 ? 1 : 1 + rnd.nextInt(maxDim);
        }
        return s;
    }
}
