package org.mofa4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.function.Consumer;

/**
 * Oracles for the index ops, written as plain loops over multi-indices with {@link Tensor#get}, plus helpers that
 * read tensors without any tensor op (so these tests do not depend on ElementwiseOps).
 */
final class IndexOpsReference {
    private IndexOpsReference() {}

    /** Calls body with every multi-index of shape in row-major order (the array is reused). */
    static void forEachIndex(int[] shape, Consumer<int[]> body) {
        for (int s : shape) {
            if (s == 0) {
                return;
            }
        }
        int[] pos = new int[shape.length];
        while (true) {
            body.accept(pos);
            int d = shape.length - 1;
            while (d >= 0 && ++pos[d] == shape[d]) {
                pos[d--] = 0;
            }
            if (d < 0) {
                return;
            }
        }
    }

    static int flat(int[] pos, int[] shape) {
        int f = 0;
        for (int i = 0; i < shape.length; i++) {
            f = f * shape[i] + pos[i];
        }
        return f;
    }

    /** The elements in logical row-major order, read one by one. */
    static double[] values(Tensor t) {
        double[] v = new double[t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.getFlat(i);
        }
        return v;
    }

    /** Same shape, same dtype and bit-identical values. */
    static void assertTensor(int[] shape, DType dtype, double[] expected, Tensor actual) {
        assertArrayEquals(shape, actual.shape(), "shape");
        assertEquals(dtype, actual.dtype(), "dtype");
        assertArrayEquals(expected, values(actual), 0.0);
    }

    /**
     * Row-major strides from offset 0. (Checked directly rather than with isContiguous(), which reports
     * zero-size tensors such as [2, 0] as non-contiguous.)
     */
    static void assertFreshContiguous(Tensor t) {
        assertArrayEquals(Shapes.contiguousStrides(t.shape()), t.strides(), "strides");
        assertEquals(0, t.offset(), "offset");
    }

    /** Rounds like the dtype does after every store. */
    static double round(DType dtype, double v) {
        return dtype == DType.F32 ? (float) v : v;
    }

    /** Index tensor of the given shape with values uniform in [0, bound). */
    static IntTensor randomIndex(Random rnd, int bound, int... shape) {
        IntTensor idx = IntTensor.zeros(shape);
        int[] d = idx.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = rnd.nextInt(bound);
        }
        return idx;
    }

    /** A writable (no stride-0) view with random values: contiguous, a narrowed slice, or a transposed layout. */
    static Tensor writableView(Random rnd, DType dtype, int... shape) {
        int kind = rnd.nextInt(3);
        int rank = shape.length;
        if (kind == 1) {
            int[] big = shape.clone();
            for (int i = 0; i < rank; i++) {
                big[i] += 2;
            }
            Tensor t = TestTensors.random(rnd, dtype, big);
            for (int i = 0; i < rank; i++) {
                t = t.narrow(i, 1, shape[i]);
            }
            return t;
        }
        if (kind == 2 && rank >= 2) {
            int[] swapped = shape.clone();
            swapped[rank - 1] = shape[rank - 2];
            swapped[rank - 2] = shape[rank - 1];
            return TestTensors.random(rnd, dtype, swapped).transpose(-1, -2);
        }
        return TestTensors.random(rnd, dtype, shape);
    }

    // ---------------------------------------------------------------- oracles

    static double[] gather(Tensor a, int axis, IntTensor index) {
        int[] shape = index.shape();
        double[] out = new double[index.numel()];
        forEachIndex(shape, pos -> {
            int[] src = pos.clone();
            src[axis] = index.get(pos);
            out[flat(pos, shape)] = a.get(src);
        });
        return out;
    }

    /** self's values after self[.. index[pos] ..] += src[pos] for pos in row-major order, rounded per add. */
    static double[] scatterAdd(Tensor self, int axis, IntTensor index, Tensor src) {
        int[] shape = self.shape();
        double[] out = values(self);
        forEachIndex(index.shape(), pos -> {
            int[] dst = pos.clone();
            dst[axis] = index.get(pos);
            int p = flat(dst, shape);
            out[p] = round(self.dtype(), out[p] + src.get(pos));
        });
        return out;
    }

    static double[] indexSelect(Tensor a, int axis, IntTensor index) {
        int[] shape = a.shape();
        shape[axis] = index.numel();
        double[] out = new double[Shapes.numel("ref", shape)];
        forEachIndex(shape, pos -> {
            int[] src = pos.clone();
            src[axis] = index.get(pos[axis]);
            out[flat(pos, shape)] = a.get(src);
        });
        return out;
    }

    /** self's values after self[.., index[i], ..] += src[.., i, ..] for i in order, rounded per add. */
    static double[] indexAdd(Tensor self, int axis, IntTensor index, Tensor src) {
        int[] shape = self.shape();
        double[] out = values(self);
        for (int i = 0; i < index.numel(); i++) {
            int row = index.get(i);
            int step = i;
            int[] sliceShape = src.shape();
            sliceShape[axis] = 1;
            forEachIndex(sliceShape, pos -> {
                int[] s = pos.clone();
                s[axis] = step;
                int[] d = pos.clone();
                d[axis] = row;
                int p = flat(d, shape);
                out[p] = round(self.dtype(), out[p] + src.get(s));
            });
        }
        return out;
    }

    static double[] concat(int axis, Tensor... parts) {
        int[] shape = parts[0].shape();
        int total = 0;
        for (Tensor p : parts) {
            total += p.dim(axis);
        }
        shape[axis] = total;
        double[] out = new double[Shapes.numel("ref", shape)];
        forEachIndex(shape, pos -> {
            int k = 0;
            int local = pos[axis];
            while (local >= parts[k].dim(axis)) {
                local -= parts[k].dim(axis);
                k++;
            }
            int[] src = pos.clone();
            src[axis] = local;
            out[flat(pos, shape)] = parts[k].get(src);
        });
        return out;
    }

    /** Σ a·b over logical elements, in double. */
    static double dot(Tensor a, Tensor b) {
        double[] x = values(a);
        double[] y = values(b);
        assertEquals(x.length, y.length, "dot: sizes");
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }
}
