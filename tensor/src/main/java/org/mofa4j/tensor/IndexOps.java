package org.mofa4j.tensor;

import java.util.Arrays;

/**
 * Structure and indexing ops: concat, stack, split, gather, indexSelect, and the scatter adjoints
 * scatterAdd (of gather) and indexAdd (of indexSelect).
 *
 * <p>Results are fresh contiguous tensors, except {@link #split} (views) and the two {@code ...Add} ops,
 * which modify {@code self}. All ops read any strided input. Index values are checked before anything is
 * written, so an out-of-range index leaves {@code self} unchanged.
 *
 * <p>Written for axis 0 (other axes likewise), with {@code index} an {@link IntTensor}:
 * <pre>
 *   gather:      out[i][j]           = a[index[i][j]][j]         out has index's shape
 *   scatterAdd:  self[index[i][j]][j] += src[i][j]                index, src same shape
 *   indexSelect: out[i][...]         = a[index[i]][...]          index 1-D
 *   indexAdd:    self[index[i]][...] += src[i][...]               index 1-D
 * </pre>
 * scatterAdd and indexAdd accumulate duplicated indices sequentially in row-major order of {@code index},
 * so results are deterministic.
 */
final class IndexOps {
    private IndexOps() {}

    // ---------------------------------------------------------------- concat, stack, split

    /** Joins {@code parts} along an existing axis. Shapes: [.., n_k, ..] → [.., Σ n_k, ..]. */
    static Tensor concat(int axis, Tensor[] parts) {
        Tensor first = checkParts("concat", parts);
        int rank = first.shape.length;
        int a = Shapes.axis("concat", axis, rank);
        long total = 0;
        for (int k = 0; k < parts.length; k++) {
            Tensor p = parts[k];
            checkSameDtype("concat", k, p, first);
            if (p.shape.length != rank) {
                throw new ShapeException("concat: part " + k + " has shape " + Shapes.str(p.shape) + " (rank "
                        + p.shape.length + ") but part 0 has shape " + Shapes.str(first.shape) + " (rank " + rank + ")");
            }
            for (int i = 0; i < rank; i++) {
                if (i != a && p.shape[i] != first.shape[i]) {
                    throw new ShapeException("concat: part " + k + " has shape " + Shapes.str(p.shape)
                            + " but part 0 has shape " + Shapes.str(first.shape) + "; all dimensions except axis "
                            + axis + " must match");
                }
            }
            total += p.shape[a];
        }
        int[] outShape = first.shape.clone();
        if (total > Integer.MAX_VALUE) {
            throw new ShapeException("concat: axis " + axis + " would have " + total + " entries, more than 2^31-1");
        }
        outShape[a] = (int) total;
        Tensor out = Tensor.zeros(first.dtype, outShape);
        int start = 0;
        for (Tensor p : parts) {
            ElementwiseOps.copyInto(p, out.narrow(a, start, p.shape[a]));
            start += p.shape[a];
        }
        return out;
    }

    /** Joins equally shaped {@code parts} along a new axis in [-(rank+1), rank]: k × [..] → [.., k, ..]. */
    static Tensor stack(int axis, Tensor[] parts) {
        Tensor first = checkParts("stack", parts);
        int a = Shapes.axis("stack", axis, first.shape.length + 1);
        Tensor[] lifted = new Tensor[parts.length];
        for (int k = 0; k < parts.length; k++) {
            Tensor p = parts[k];
            checkSameDtype("stack", k, p, first);
            if (!Shapes.same(p.shape, first.shape)) {
                throw new ShapeException("stack: part " + k + " has shape " + Shapes.str(p.shape)
                        + " but part 0 has shape " + Shapes.str(first.shape) + "; all shapes must be equal");
            }
            lifted[k] = p.unsqueeze(a);
        }
        return concat(a, lifted);
    }

    /** Views of consecutive pieces of {@code a} along {@code axis}; the sizes must sum to the axis size. */
    static Tensor[] split(Tensor a, int axis, int[] sizes) {
        int ax = Shapes.axis("split", axis, a.shape.length);
        long sum = 0;
        for (int k = 0; k < sizes.length; k++) {
            if (sizes[k] < 0) {
                throw new ShapeException("split: size " + k + " is negative (" + sizes[k] + ") in "
                        + Arrays.toString(sizes));
            }
            sum += sizes[k];
        }
        if (sum != a.shape[ax]) {
            throw new ShapeException("split: sizes " + Arrays.toString(sizes) + " sum to " + sum + " but axis " + axis
                    + " has size " + a.shape[ax] + " (shape " + Shapes.str(a.shape) + "); the sizes must sum to the axis "
                    + "size");
        }
        Tensor[] out = new Tensor[sizes.length];
        int start = 0;
        for (int k = 0; k < sizes.length; k++) {
            out[k] = a.narrow(ax, start, sizes[k]);
            start += sizes[k];
        }
        return out;
    }

    private static Tensor checkParts(String op, Tensor[] parts) {
        if (parts == null || parts.length == 0) {
            throw new ShapeException(op + ": parts is empty (0 tensors); needs at least one tensor");
        }
        for (int k = 0; k < parts.length; k++) {
            if (parts[k] == null) {
                throw new ShapeException(op + ": part " + k + " is null");
            }
        }
        return parts[0];
    }

    private static void checkSameDtype(String op, int k, Tensor p, Tensor first) {
        if (p.dtype != first.dtype) {
            throw new ShapeException(op + ": part " + k + " (shape " + Shapes.str(p.shape) + ") is " + p.dtype
                    + " but part 0 (shape " + Shapes.str(first.shape) + ") is " + first.dtype);
        }
    }

    // ---------------------------------------------------------------- gather, scatterAdd

    /** out = a gathered along {@code axis} at {@code index}; out has index's shape. */
    static Tensor gather(Tensor a, int axis, IntTensor index) {
        int ax = checkGatherShapes("gather", a, "a", axis, index);
        checkIndexValues("gather", index, ax, a.shape[ax]);
        int[] shape = index.shape();
        Tensor out = Tensor.zeros(a.dtype, shape);
        int[] idxStrides = Shapes.contiguousStrides(shape);
        int axisStride = a.strides[ax];
        int[] aStrides = a.strides.clone();
        aStrides[ax] = 0; // the index supplies the coordinate along axis
        int[] idx = index.data();
        StridedLoop loop = new StridedLoop(shape, new int[][] {out.strides, idxStrides, aStrides},
                new int[] {0, 0, a.offset});
        if (a.f != null) {
            float[] src = a.f;
            float[] dst = out.f;
            loop.runAll((n, o, s) -> {
                for (int k = 0; k < n; k++) {
                    dst[o[0] + k * s[0]] = src[o[2] + k * s[2] + idx[o[1] + k * s[1]] * axisStride];
                }
            });
        } else {
            double[] src = a.d;
            double[] dst = out.d;
            loop.runAll((n, o, s) -> {
                for (int k = 0; k < n; k++) {
                    dst[o[0] + k * s[0]] = src[o[2] + k * s[2] + idx[o[1] + k * s[1]] * axisStride];
                }
            });
        }
        return out;
    }

    /** self[.. index[i..] at axis ..] += src[i..]; index and src have the same shape. Modifies: self. */
    static void scatterAdd(Tensor self, int axis, IntTensor index, Tensor src) {
        int ax = checkGatherShapes("scatterAdd", self, "self", axis, index);
        checkSameDtype("scatterAdd", self, src);
        if (!Shapes.same(src.shape, index.shape())) {
            throw new ShapeException("scatterAdd: src has shape " + Shapes.str(src.shape) + " but index has shape "
                    + Shapes.str(index.shape()) + "; they must be equal");
        }
        checkWritable("scatterAdd", self, src);
        checkIndexValues("scatterAdd", index, ax, self.shape[ax]);
        int[] shape = index.shape();
        int[] idxStrides = Shapes.contiguousStrides(shape);
        int axisStride = self.strides[ax];
        int[] selfStrides = self.strides.clone();
        selfStrides[ax] = 0;
        int[] idx = index.data();
        // Sequential, in row-major order of index: duplicates accumulate deterministically.
        StridedLoop loop = new StridedLoop(shape, new int[][] {selfStrides, idxStrides, src.strides},
                new int[] {self.offset, 0, src.offset});
        if (self.f != null) {
            float[] dst = self.f;
            float[] s2 = src.f;
            loop.runAll((n, o, s) -> {
                for (int k = 0; k < n; k++) {
                    dst[o[0] + k * s[0] + idx[o[1] + k * s[1]] * axisStride] += s2[o[2] + k * s[2]];
                }
            });
        } else {
            double[] dst = self.d;
            double[] s2 = src.d;
            loop.runAll((n, o, s) -> {
                for (int k = 0; k < n; k++) {
                    dst[o[0] + k * s[0] + idx[o[1] + k * s[1]] * axisStride] += s2[o[2] + k * s[2]];
                }
            });
        }
    }

    /** Checks index has t's rank and fits inside t off the axis; returns the normalised axis. */
    private static int checkGatherShapes(String op, Tensor t, String name, int axis, IntTensor index) {
        int rank = t.shape.length;
        int ax = Shapes.axis(op, axis, rank);
        int[] is = index.shape();
        if (is.length != rank) {
            throw new ShapeException(op + ": index has shape " + Shapes.str(is) + " (rank " + is.length + ") but "
                    + name + " has shape " + Shapes.str(t.shape) + " (rank " + rank + "); ranks must be equal");
        }
        for (int i = 0; i < rank; i++) {
            if (i != ax && is[i] > t.shape[i]) {
                throw new ShapeException(op + ": index has shape " + Shapes.str(is) + ", larger than " + name
                        + " of shape " + Shapes.str(t.shape) + " at dimension " + i + " (only axis " + axis
                        + " may be larger)");
            }
        }
        return ax;
    }

    // ---------------------------------------------------------------- indexSelect, indexAdd

    /** Whole slices of {@code a} along {@code axis} at the 1-D {@code index}: [.., n, ..] → [.., index.numel(), ..]. */
    static Tensor indexSelect(Tensor a, int axis, IntTensor index) {
        int ax = Shapes.axis("indexSelect", axis, a.shape.length);
        checkIndexVector("indexSelect", index);
        checkIndexValues("indexSelect", index, ax, a.shape[ax]);
        int[] idx = index.data();
        int[] outShape = a.shape.clone();
        outShape[ax] = idx.length;
        Tensor out = Tensor.zeros(a.dtype, outShape);
        if (a.isContiguous()) {
            // a viewed as [outer, n, inner], out as [outer, m, inner]: copy runs of `inner` (rows of an embedding).
            int outer = prod(a.shape, 0, ax);
            int inner = prod(a.shape, ax + 1, a.shape.length);
            int n = a.shape[ax];
            Object src = a.f != null ? a.f : a.d;
            Object dst = out.f != null ? out.f : out.d;
            for (int o = 0; o < outer; o++) {
                int srcBase = a.offset + o * n * inner;
                int dstBase = o * idx.length * inner;
                for (int i = 0; i < idx.length; i++) {
                    System.arraycopy(src, srcBase + idx[i] * inner, dst, dstBase + i * inner, inner);
                }
            }
        } else {
            for (int i = 0; i < idx.length; i++) {
                ElementwiseOps.copyInto(a.select(ax, idx[i]), out.select(ax, i));
            }
        }
        return out;
    }

    /** self.select(axis, index[i]) += src.select(axis, i), for i in order. Modifies: self. */
    static void indexAdd(Tensor self, int axis, IntTensor index, Tensor src) {
        int ax = Shapes.axis("indexAdd", axis, self.shape.length);
        checkIndexVector("indexAdd", index);
        checkSameDtype("indexAdd", self, src);
        int[] idx = index.data();
        int[] expected = self.shape.clone();
        expected[ax] = idx.length;
        if (!Shapes.same(src.shape, expected)) {
            throw new ShapeException("indexAdd: src has shape " + Shapes.str(src.shape) + ", expected "
                    + Shapes.str(expected) + " (self " + Shapes.str(self.shape) + " with axis " + axis
                    + " of size index.numel() = " + idx.length + ")");
        }
        checkWritable("indexAdd", self, src);
        checkIndexValues("indexAdd", index, ax, self.shape[ax]);
        if (self.isContiguous() && src.isContiguous()) {
            // self as [outer, n, inner], src as [outer, m, inner]; per element the adds still run in index order.
            int outer = prod(self.shape, 0, ax);
            int inner = prod(self.shape, ax + 1, self.shape.length);
            int n = self.shape[ax];
            for (int o = 0; o < outer; o++) {
                int dstBase = self.offset + o * n * inner;
                int srcBase = src.offset + o * idx.length * inner;
                for (int i = 0; i < idx.length; i++) {
                    addRun(src, srcBase + i * inner, self, dstBase + idx[i] * inner, inner);
                }
            }
        } else {
            for (int i = 0; i < idx.length; i++) {
                ElementwiseOps.binaryInPlace(BinaryOp.ADD, self.select(ax, idx[i]), src.select(ax, i));
            }
        }
    }

    private static void addRun(Tensor src, int from, Tensor dst, int to, int n) {
        if (dst.f != null) {
            float[] s = src.f;
            float[] t = dst.f;
            for (int k = 0; k < n; k++) {
                t[to + k] += s[from + k];
            }
        } else {
            double[] s = src.d;
            double[] t = dst.d;
            for (int k = 0; k < n; k++) {
                t[to + k] += s[from + k];
            }
        }
    }

    private static void checkIndexVector(String op, IntTensor index) {
        if (index.rank() != 1) {
            throw new ShapeException(op + ": index must be 1-D, got shape " + Shapes.str(index.shape()));
        }
    }

    // ---------------------------------------------------------------- shared checks and strided moves

    /** Every index value must lie in [0, size); the error names the value, its position and the axis size. */
    private static void checkIndexValues(String op, IntTensor index, int axis, int size) {
        int[] idx = index.data();
        for (int i = 0; i < idx.length; i++) {
            int v = idx[i];
            if (v < 0 || v >= size) {
                throw new ShapeException(op + ": index value " + v + " at position "
                        + Arrays.toString(unravel(i, index.shape())) + " is out of range for axis " + axis
                        + " of size " + size);
            }
        }
    }

    private static void checkSameDtype(String op, Tensor self, Tensor src) {
        if (self.dtype != src.dtype) {
            throw new ShapeException(op + ": self is " + self.dtype + " but src is " + src.dtype
                    + "; dtypes must match");
        }
    }

    /** self must be writable element by element: no broadcast dimension and no storage shared with src. */
    private static void checkWritable(String op, Tensor self, Tensor src) {
        for (int i = 0; i < self.shape.length; i++) {
            if (self.shape[i] > 1 && self.strides[i] == 0) {
                throw new ShapeException(op + ": self (shape " + Shapes.str(self.shape) + ", strides "
                        + Shapes.str(self.strides) + ") has a broadcast (stride-0) dimension " + i
                        + "; write into a tensor that owns its elements");
            }
        }
        if (self.sharesStorage(src)) {
            throw new ShapeException(op + ": src shares storage with self; pass a copy of src");
        }
    }

    private static int[] unravel(int flat, int[] shape) {
        int[] pos = new int[shape.length];
        for (int i = shape.length - 1; i >= 0; i--) {
            pos[i] = flat % shape[i];
            flat /= shape[i];
        }
        return pos;
    }

    private static int prod(int[] shape, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) {
            p *= shape[i];
        }
        return p;
    }
}
