package org.mofa4j.tensor;

import java.util.Arrays;

/**
 * A strided view over row-major float32 or float64 storage.
 *
 * <p>Element {@code (i0, ..., ik)} lives at {@code storage[offset + Σ ij·strides[j]]}. Views
 * ({@link #reshape}, {@link #transpose}, {@link #narrow}, {@link #expand}, ...) share storage and
 * never copy; every other op returns a fresh contiguous tensor, except those named {@code ...InPlace},
 * {@link #fill} and {@link #copyFrom}, which modify {@code this} and say so. Strides may be 0
 * (broadcast) but never negative.
 *
 * <p>Binary ops follow NumPy broadcasting and require both operands to have the same dtype.
 */
public final class Tensor {
    final DType dtype;
    /** Storage when dtype is F32, else null. */
    final float[] f;
    /** Storage when dtype is F64, else null. */
    final double[] d;
    final int[] shape;
    final int[] strides;
    final int offset;
    /** Shared by every view of one storage; bumped by each in-place write (see {@link #version()}). */
    final StorageVersion version;

    /** A tensor over fresh storage (a new version counter). Views must use the other constructor. */
    Tensor(DType dtype, float[] f, double[] d, int[] shape, int[] strides, int offset) {
        this(dtype, f, d, shape, strides, offset, new StorageVersion());
    }

    /** A view sharing {@code version} with the tensor whose storage it addresses. */
    Tensor(DType dtype, float[] f, double[] d, int[] shape, int[] strides, int offset, StorageVersion version) {
        this.dtype = dtype;
        this.f = f;
        this.d = d;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.version = version;
    }

    // ---------------------------------------------------------------- creation

    /** A new contiguous zero tensor. */
    public static Tensor zeros(DType dtype, int... shape) {
        int n = Shapes.numel("zeros", shape);
        int[] s = shape.clone();
        return dtype == DType.F32
                ? new Tensor(dtype, new float[n], null, s, Shapes.contiguousStrides(s), 0)
                : new Tensor(dtype, null, new double[n], s, Shapes.contiguousStrides(s), 0);
    }

    public static Tensor zeros(int... shape) {
        return zeros(DType.F32, shape);
    }

    public static Tensor ones(DType dtype, int... shape) {
        return full(dtype, 1.0, shape);
    }

    public static Tensor ones(int... shape) {
        return full(DType.F32, 1.0, shape);
    }

    public static Tensor full(DType dtype, double value, int... shape) {
        return zeros(dtype, shape).fill(value);
    }

    public static Tensor full(double value, int... shape) {
        return full(DType.F32, value, shape);
    }

    /** A new zero tensor with this tensor's dtype and shape. */
    public static Tensor zerosLike(Tensor t) {
        return zeros(t.dtype, t.shape);
    }

    /** A 0-d tensor. */
    public static Tensor scalar(DType dtype, double value) {
        return full(dtype, value);
    }

    public static Tensor scalar(double value) {
        return full(DType.F32, value);
    }

    /** Wraps {@code storage} without copying, as a contiguous tensor of the given shape. */
    public static Tensor wrap(float[] storage, int... shape) {
        checkLength("wrap", storage.length, shape);
        int[] s = shape.clone();
        return new Tensor(DType.F32, storage, null, s, Shapes.contiguousStrides(s), 0);
    }

    /** Wraps {@code storage} without copying, as a contiguous F64 tensor of the given shape. */
    public static Tensor wrap(double[] storage, int... shape) {
        checkLength("wrap", storage.length, shape);
        int[] s = shape.clone();
        return new Tensor(DType.F64, null, storage, s, Shapes.contiguousStrides(s), 0);
    }

    /** Copies {@code values} into a new F32 tensor of the given shape. */
    public static Tensor of(float[] values, int... shape) {
        return wrap(values.clone(), shape);
    }

    /** Copies {@code values} into a new F64 tensor of the given shape. */
    public static Tensor of(double[] values, int... shape) {
        return wrap(values.clone(), shape);
    }

    /** A 1-D F32 tensor holding the values. */
    public static Tensor vector(float... values) {
        return of(values, values.length);
    }

    /** [start, start+step, ...) up to but excluding {@code end}. */
    public static Tensor arange(DType dtype, double start, double end, double step) {
        if (step == 0 || Double.isNaN(step)) {
            throw new ShapeException("arange: step must be non-zero, got " + step);
        }
        int n = (int) Math.max(0, Math.ceil((end - start) / step));
        Tensor t = zeros(dtype, n);
        for (int i = 0; i < n; i++) {
            t.setFlat(i, start + i * step);
        }
        return t;
    }

    public static Tensor arange(int n) {
        return arange(DType.F32, 0, n, 1);
    }

    /** The n×n identity. */
    public static Tensor eye(DType dtype, int n) {
        Tensor t = zeros(dtype, n, n);
        for (int i = 0; i < n; i++) {
            t.setFlat(i * n + i, 1.0);
        }
        return t;
    }

    public static Tensor eye(int n) {
        return eye(DType.F32, n);
    }

    private static void checkLength(String op, int length, int[] shape) {
        int n = Shapes.numel(op, shape);
        if (n != length) {
            throw new ShapeException(op + ": shape " + Shapes.str(shape) + " needs " + n
                    + " elements but the array has " + length);
        }
    }

    // ---------------------------------------------------------------- metadata

    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** Size along {@code axis} (negative counts from the end). */
    public int dim(int axis) {
        return shape[Shapes.axis("dim", axis, shape.length)];
    }

    public int rank() {
        return shape.length;
    }

    public int numel() {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    /** A copy of the strides, in elements. */
    public int[] strides() {
        return strides.clone();
    }

    /** Index of element (0, ..., 0) in the storage array. */
    public int offset() {
        return offset;
    }

    /** F32 storage array, shared. Throws for F64 tensors. Element i of a contiguous tensor is at offset()+i. */
    public float[] data() {
        if (f == null) {
            throw new IllegalStateException("data: tensor is " + dtype + ", use dataF64()");
        }
        return f;
    }

    /** F64 storage array, shared. Throws for F32 tensors. */
    public double[] dataF64() {
        if (d == null) {
            throw new IllegalStateException("dataF64: tensor is " + dtype + ", use data()");
        }
        return d;
    }

    /** True when the strides are row-major for the shape (size-1 dimensions may have any stride). */
    public boolean isContiguous() {
        if (numel() == 0) {
            return true;
        }
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /** True when this tensor is contiguous, starts at offset 0 and uses its whole storage array. */
    public boolean coversStorage() {
        int length = f != null ? f.length : d.length;
        return offset == 0 && length == numel() && isContiguous();
    }

    /** True when both tensors view the same storage array. */
    public boolean sharesStorage(Tensor other) {
        return (f != null && f == other.f) || (d != null && d == other.d);
    }

    /**
     * How many in-place writes the storage has seen, through this tensor or any view of it. Autograd
     * records it when it saves a tensor for backward and refuses to use the tensor if it changed. Writes
     * made directly into {@link #data()} are not seen: call {@link #markModified()} after them.
     */
    public int version() {
        return version.value;
    }

    /** Records an in-place write to the storage (bumps {@link #version()}). */
    public void markModified() {
        version.value++;
    }

    // ---------------------------------------------------------------- element access

    /** Element at the given index, widened to double. */
    public double get(int... index) {
        int p = position("get", index);
        return f != null ? f[p] : d[p];
    }

    /** Sets one element (rounded to the dtype). Modifies this tensor's storage. */
    public void set(double value, int... index) {
        int p = position("set", index);
        markModified();
        if (f != null) {
            f[p] = (float) value;
        } else {
            d[p] = value;
        }
    }

    /** The value of a one-element tensor. */
    public double item() {
        if (numel() != 1) {
            throw new ShapeException("item: tensor of shape " + Shapes.str(shape) + " has " + numel()
                    + " elements, expected 1");
        }
        return f != null ? f[offset] : d[offset];
    }

    /** Element at row-major position i of the logical (not storage) order. */
    public double getFlat(int i) {
        int p = storagePosition(i);
        return f != null ? f[p] : d[p];
    }

    /**
     * The logical row-major index of the first NaN or ±Inf element, or −1 when every element is finite. One pass
     * over a contiguous tensor's storage (a strided view is made contiguous first). Not modified: this tensor.
     */
    public int firstNonFinite() {
        Tensor c = contiguous();
        int n = c.numel();
        int o = c.offset;
        if (c.f != null) {
            for (int i = 0; i < n; i++) {
                if (!Float.isFinite(c.f[o + i])) {
                    return i;
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                if (!Double.isFinite(c.d[o + i])) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** Sets the element at logical row-major position i. Modifies this tensor's storage. */
    public void setFlat(int i, double value) {
        int p = storagePosition(i);
        markModified();
        if (f != null) {
            f[p] = (float) value;
        } else {
            d[p] = value;
        }
    }

    private int storagePosition(int flat) {
        int p = offset;
        for (int i = shape.length - 1; i >= 0; i--) {
            int s = shape[i];
            p += (flat % s) * strides[i];
            flat /= s;
        }
        return p;
    }

    private int position(String op, int[] index) {
        if (index.length != shape.length) {
            throw new ShapeException(op + ": " + index.length + " indices for a tensor of shape "
                    + Shapes.str(shape) + "; expected one index per axis (" + shape.length + ")");
        }
        int p = offset;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new ShapeException(op + ": index " + Arrays.toString(index) + " out of range for shape "
                        + Shapes.str(shape));
            }
            p += index[i] * strides[i];
        }
        return p;
    }

    /** The elements in logical row-major order, as a new float array. */
    public float[] toFloatArray() {
        Tensor c = to(DType.F32).contiguous();
        return Arrays.copyOfRange(c.f, c.offset, c.offset + c.numel());
    }

    /** The elements in logical row-major order, as a new double array. */
    public double[] toDoubleArray() {
        Tensor c = to(DType.F64).contiguous();
        return Arrays.copyOfRange(c.d, c.offset, c.offset + c.numel());
    }

    // ---------------------------------------------------------------- copies and conversion

    /** This tensor if contiguous, else a contiguous copy. */
    public Tensor contiguous() {
        return isContiguous() ? this : copy();
    }

    /** A new contiguous tensor with the same values. */
    public Tensor copy() {
        return zeros(dtype, shape).copyFrom(this);
    }

    /** This tensor if already of {@code target} dtype, else a converted contiguous copy. */
    public Tensor to(DType target) {
        return target == dtype ? this : zeros(target, shape).copyFrom(this);
    }

    /**
     * Copies {@code src} (broadcast to this shape, any dtype) into this tensor.
     * Modifies: this. Returns this.
     */
    public Tensor copyFrom(Tensor src) {
        ElementwiseOps.copyInto(src, this);
        markModified();
        return this;
    }

    /** Sets every element to {@code value}. Modifies: this. Returns this. */
    public Tensor fill(double value) {
        ElementwiseOps.fill(this, value);
        markModified();
        return this;
    }

    /** Sets every element to zero. Modifies: this. Returns this. */
    public Tensor zero() {
        return fill(0.0);
    }

    // ---------------------------------------------------------------- views (no copy)

    /**
     * Same elements, new shape (one dimension may be -1). A view when the strides allow it,
     * otherwise a contiguous copy.
     */
    public Tensor reshape(int... newShape) {
        int[] target = inferShape("reshape", shape, newShape);
        int[] viewStrides = viewStrides(target);
        return viewStrides != null ? new Tensor(dtype, f, d, target, viewStrides, offset, version) : copy().view(target);
    }

    /** Like {@link #reshape} but never copies: throws when the strides do not allow a view. */
    public Tensor view(int... newShape) {
        int[] target = inferShape("view", shape, newShape);
        int[] viewStrides = viewStrides(target);
        if (viewStrides == null) {
            throw new ShapeException("view: cannot view a tensor of shape " + Shapes.str(shape) + " with strides "
                    + Shapes.str(strides) + " as " + Shapes.str(target) + "; call contiguous() or reshape()");
        }
        return new Tensor(dtype, f, d, target, viewStrides, offset, version);
    }

    /** Flattens to 1-D. */
    public Tensor flatten() {
        return reshape(numel());
    }

    static int[] inferShape(String op, int[] from, int[] to) {
        int known = 1;
        int infer = -1;
        for (int i = 0; i < to.length; i++) {
            if (to[i] == -1) {
                if (infer >= 0) {
                    throw new ShapeException(op + ": only one dimension may be -1 in " + Shapes.str(to));
                }
                infer = i;
            } else if (to[i] < 0) {
                throw new ShapeException(op + ": negative dimension " + to[i] + " in " + Shapes.str(to));
            } else {
                known *= to[i];
            }
        }
        int n = Shapes.numel(op, from);
        int[] out = to.clone();
        if (infer >= 0) {
            if (known == 0 || n % known != 0) {
                throw new ShapeException(op + ": cannot infer -1 in " + Shapes.str(to) + " for " + n + " elements (shape "
                        + Shapes.str(from) + ")");
            }
            out[infer] = n / known;
        } else if (known != n) {
            throw new ShapeException(op + ": shape " + Shapes.str(from) + " has " + n + " elements, " + Shapes.str(to)
                    + " needs " + known);
        }
        return out;
    }

    /**
     * Strides that view this tensor's elements with {@code target} shape, or null if impossible.
     * Old dimensions are grouped into chunks that are contiguous among themselves; each chunk must be
     * covered exactly by consecutive new dimensions, which then get strides inside that chunk.
     */
    private int[] viewStrides(int[] target) {
        if (isContiguous() || numel() == 0) {
            return Shapes.contiguousStrides(target);
        }
        int[] out = new int[target.length];
        int newI = target.length - 1;
        int chunkBase = strides[shape.length - 1];
        long oldCount = 1;
        long newCount = 1;
        for (int oldI = shape.length - 1; oldI >= 0; oldI--) {
            oldCount *= shape[oldI];
            boolean chunkEnds = oldI == 0
                    || (shape[oldI - 1] != 1 && strides[oldI - 1] != oldCount * chunkBase);
            if (!chunkEnds) {
                continue;
            }
            while (newI >= 0 && (newCount < oldCount || target[newI] == 1)) {
                out[newI] = (int) (newCount * chunkBase);
                newCount *= target[newI];
                newI--;
            }
            if (newCount != oldCount) {
                return null;
            }
            if (oldI > 0) {
                chunkBase = strides[oldI - 1];
                oldCount = 1;
                newCount = 1;
            }
        }
        return newI == -1 ? out : null;
    }

    /** Swaps two axes. */
    public Tensor transpose(int axis0, int axis1) {
        int a = Shapes.axis("transpose", axis0, shape.length);
        int b = Shapes.axis("transpose", axis1, shape.length);
        int[] perm = new int[shape.length];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        perm[a] = b;
        perm[b] = a;
        return permute(perm);
    }

    /** Transpose of a 2-D tensor; for higher ranks swaps the last two axes. */
    public Tensor t() {
        if (shape.length < 2) {
            throw new ShapeException("t: needs rank ≥ 2, got shape " + Shapes.str(shape));
        }
        return transpose(-2, -1);
    }

    /** Reorders axes: output axis i is input axis perm[i]. */
    public Tensor permute(int... perm) {
        if (perm.length != shape.length) {
            throw new ShapeException("permute: " + Arrays.toString(perm) + " has " + perm.length
                    + " axes, tensor of shape " + Shapes.str(shape) + " has " + shape.length);
        }
        boolean[] seen = new boolean[perm.length];
        int[] s = new int[perm.length];
        int[] st = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            int a = Shapes.axis("permute", perm[i], shape.length);
            if (seen[a]) {
                throw new ShapeException("permute: axis " + perm[i] + " repeated in " + Arrays.toString(perm));
            }
            seen[a] = true;
            s[i] = shape[a];
            st[i] = strides[a];
        }
        return new Tensor(dtype, f, d, s, st, offset, version);
    }

    /** Elements start ≤ i < start+length along {@code axis}. */
    public Tensor narrow(int axis, int start, int length) {
        int a = Shapes.axis("narrow", axis, shape.length);
        if (start < 0 || length < 0 || start + length > shape[a]) {
            throw new ShapeException("narrow: start " + start + " and length " + length + " select [" + start + ", "
                    + (start + length) + "), out of bounds for axis " + axis + " of size " + shape[a] + " (shape "
                    + Shapes.str(shape) + "); need start ≥ 0, length ≥ 0 and start + length ≤ " + shape[a]);
        }
        int[] s = shape.clone();
        s[a] = length;
        return new Tensor(dtype, f, d, s, strides.clone(), offset + (length == 0 ? 0 : start * strides[a]), version);
    }

    /** Elements start, start+step, ... below end along {@code axis} (Python slice semantics, step ≥ 1). */
    public Tensor slice(int axis, int start, int end, int step) {
        int a = Shapes.axis("slice", axis, shape.length);
        if (step < 1) {
            throw new ShapeException("slice: step must be ≥ 1, got " + step);
        }
        int n = shape[a];
        int lo = Math.max(0, Math.min(n, start < 0 ? start + n : start));
        int hi = Math.max(lo, Math.min(n, end < 0 ? end + n : end));
        int len = (hi - lo + step - 1) / step;
        int[] s = shape.clone();
        int[] st = strides.clone();
        s[a] = len;
        st[a] = strides[a] * step;
        return new Tensor(dtype, f, d, s, st, offset + (len == 0 ? 0 : lo * strides[a]), version);
    }

    /** Indexes one position along {@code axis}, removing that axis. */
    public Tensor select(int axis, int index) {
        int a = Shapes.axis("select", axis, shape.length);
        int i = index < 0 ? index + shape[a] : index;
        if (i < 0 || i >= shape[a]) {
            throw new ShapeException("select: index " + index + " out of range for axis " + axis + " of size "
                    + shape[a] + " (shape " + Shapes.str(shape) + ")");
        }
        return new Tensor(dtype, f, d, remove(shape, a), remove(strides, a), offset + i * strides[a], version);
    }

    /** Broadcasts size-1 dimensions (and new leading ones) to {@code target}; -1 keeps a size. Stride 0, no copy. */
    public Tensor expand(int... target) {
        if (target.length < shape.length) {
            throw new ShapeException("expand: cannot expand shape " + Shapes.str(shape) + " to fewer dimensions "
                    + Shapes.str(target));
        }
        int lead = target.length - shape.length;
        int[] s = new int[target.length];
        int[] st = new int[target.length];
        for (int i = 0; i < target.length; i++) {
            int src = i - lead;
            int have = src >= 0 ? shape[src] : 1;
            int want = target[i] == -1 && src >= 0 ? have : target[i];
            if (want < 0) {
                throw new ShapeException("expand: invalid size " + target[i] + " at dimension " + i + " of "
                        + Shapes.str(target));
            }
            if (have == want) {
                s[i] = want;
                st[i] = src >= 0 ? strides[src] : 0;
            } else if (have == 1) {
                s[i] = want;
                st[i] = 0;
            } else {
                throw new ShapeException("expand: shape " + Shapes.str(shape) + " cannot be expanded to "
                        + Shapes.str(target) + " (dimension " + i + " has size " + have + ")");
            }
        }
        return new Tensor(dtype, f, d, s, st, offset, version);
    }

    /** Removes every size-1 dimension. */
    public Tensor squeeze() {
        int keep = 0;
        for (int s : shape) {
            keep += s == 1 ? 0 : 1;
        }
        int[] s = new int[keep];
        int[] st = new int[keep];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (shape[i] != 1) {
                s[j] = shape[i];
                st[j++] = strides[i];
            }
        }
        return new Tensor(dtype, f, d, s, st, offset, version);
    }

    /** Removes {@code axis}, which must have size 1. */
    public Tensor squeeze(int axis) {
        int a = Shapes.axis("squeeze", axis, shape.length);
        if (shape[a] != 1) {
            throw new ShapeException("squeeze: axis " + axis + " has size " + shape[a] + ", not 1 (shape "
                    + Shapes.str(shape) + ")");
        }
        return new Tensor(dtype, f, d, remove(shape, a), remove(strides, a), offset, version);
    }

    /** Inserts a size-1 dimension at {@code axis} (in [-rank-1, rank]). */
    public Tensor unsqueeze(int axis) {
        int a = Shapes.axis("unsqueeze", axis, shape.length + 1);
        int[] s = new int[shape.length + 1];
        int[] st = new int[shape.length + 1];
        for (int i = 0, j = 0; i < s.length; i++) {
            if (i == a) {
                s[i] = 1;
                st[i] = a < shape.length ? strides[a] * shape[a] : 1;
            } else {
                s[i] = shape[j];
                st[i] = strides[j++];
            }
        }
        return new Tensor(dtype, f, d, s, st, offset, version);
    }

    private static int[] remove(int[] arr, int i) {
        int[] out = new int[arr.length - 1];
        System.arraycopy(arr, 0, out, 0, i);
        System.arraycopy(arr, i + 1, out, i, arr.length - i - 1);
        return out;
    }

    // ---------------------------------------------------------------- elementwise (ElementwiseOps)

    public Tensor add(Tensor b) { return ElementwiseOps.binary(BinaryOp.ADD, this, b); }
    public Tensor sub(Tensor b) { return ElementwiseOps.binary(BinaryOp.SUB, this, b); }
    public Tensor mul(Tensor b) { return ElementwiseOps.binary(BinaryOp.MUL, this, b); }
    public Tensor div(Tensor b) { return ElementwiseOps.binary(BinaryOp.DIV, this, b); }
    /** this^b elementwise. */
    public Tensor pow(Tensor b) { return ElementwiseOps.binary(BinaryOp.POW, this, b); }
    /** Elementwise max(this, b); NaN propagates. */
    public Tensor maximum(Tensor b) { return ElementwiseOps.binary(BinaryOp.MAX, this, b); }
    /** Elementwise min(this, b); NaN propagates. */
    public Tensor minimum(Tensor b) { return ElementwiseOps.binary(BinaryOp.MIN, this, b); }
    /** 1 where this &gt; b, else 0, in this dtype. */
    public Tensor gt(Tensor b) { return ElementwiseOps.binary(BinaryOp.GT, this, b); }
    public Tensor ge(Tensor b) { return ElementwiseOps.binary(BinaryOp.GE, this, b); }
    public Tensor lt(Tensor b) { return ElementwiseOps.binary(BinaryOp.LT, this, b); }
    public Tensor le(Tensor b) { return ElementwiseOps.binary(BinaryOp.LE, this, b); }
    public Tensor eq(Tensor b) { return ElementwiseOps.binary(BinaryOp.EQ, this, b); }

    public Tensor add(double s) { return ElementwiseOps.binaryScalar(BinaryOp.ADD, this, s); }
    public Tensor sub(double s) { return ElementwiseOps.binaryScalar(BinaryOp.SUB, this, s); }
    public Tensor mul(double s) { return ElementwiseOps.binaryScalar(BinaryOp.MUL, this, s); }
    public Tensor div(double s) { return ElementwiseOps.binaryScalar(BinaryOp.DIV, this, s); }
    public Tensor pow(double s) { return ElementwiseOps.binaryScalar(BinaryOp.POW, this, s); }
    public Tensor maximum(double s) { return ElementwiseOps.binaryScalar(BinaryOp.MAX, this, s); }
    public Tensor minimum(double s) { return ElementwiseOps.binaryScalar(BinaryOp.MIN, this, s); }
    public Tensor gt(double s) { return ElementwiseOps.binaryScalar(BinaryOp.GT, this, s); }
    public Tensor ge(double s) { return ElementwiseOps.binaryScalar(BinaryOp.GE, this, s); }
    public Tensor lt(double s) { return ElementwiseOps.binaryScalar(BinaryOp.LT, this, s); }
    public Tensor le(double s) { return ElementwiseOps.binaryScalar(BinaryOp.LE, this, s); }
    public Tensor eq(double s) { return ElementwiseOps.binaryScalar(BinaryOp.EQ, this, s); }

    public Tensor neg() { return ElementwiseOps.unary(UnaryOp.NEG, this); }
    public Tensor exp() { return ElementwiseOps.unary(UnaryOp.EXP, this); }
    public Tensor log() { return ElementwiseOps.unary(UnaryOp.LOG, this); }
    public Tensor sqrt() { return ElementwiseOps.unary(UnaryOp.SQRT, this); }
    /** 1/√x. */
    public Tensor rsqrt() { return ElementwiseOps.unary(UnaryOp.RSQRT, this); }
    public Tensor tanh() { return ElementwiseOps.unary(UnaryOp.TANH, this); }
    public Tensor abs() { return ElementwiseOps.unary(UnaryOp.ABS, this); }
    public Tensor square() { return ElementwiseOps.unary(UnaryOp.SQUARE, this); }
    public Tensor reciprocal() { return ElementwiseOps.unary(UnaryOp.RECIPROCAL, this); }
    /** -1, 0 or 1 (NaN stays NaN). */
    public Tensor sign() { return ElementwiseOps.unary(UnaryOp.SIGN, this); }
    /** 1/(1+e^-x). */
    public Tensor sigmoid() { return ElementwiseOps.unary(UnaryOp.SIGMOID, this); }
    /** The Gauss error function. */
    public Tensor erf() { return ElementwiseOps.unary(UnaryOp.ERF, this); }
    /** GELU, tanh approximation (GPT-2's): ½x(1 + tanh(√(2/π)(x + 0.044715x³))), fused into one pass. */
    public Tensor geluTanh() { return ActivationOps.geluTanh(this); }
    /** g·d/dx geluTanh(x), fused into one pass (tanh recomputed from x); x and g have the same shape. */
    public static Tensor geluTanhBackward(Tensor x, Tensor g) { return ActivationOps.geluTanhBackward(x, g); }

    /** min(max(this, lo), hi) elementwise; requires lo ≤ hi. */
    public Tensor clamp(double lo, double hi) { return ElementwiseOps.clamp(this, lo, hi); }

    /** cond ≠ 0 ? a : b, all three broadcast together. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) { return ElementwiseOps.where(cond, a, b); }

    /** this += b (b broadcast to this shape). Modifies: this. Returns this. */
    public Tensor addInPlace(Tensor b) { ElementwiseOps.binaryInPlace(BinaryOp.ADD, this, b); markModified(); return this; }
    /** this -= b. Modifies: this. */
    public Tensor subInPlace(Tensor b) { ElementwiseOps.binaryInPlace(BinaryOp.SUB, this, b); markModified(); return this; }
    /** this *= b. Modifies: this. */
    public Tensor mulInPlace(Tensor b) { ElementwiseOps.binaryInPlace(BinaryOp.MUL, this, b); markModified(); return this; }
    /** this /= b. Modifies: this. */
    public Tensor divInPlace(Tensor b) { ElementwiseOps.binaryInPlace(BinaryOp.DIV, this, b); markModified(); return this; }
    /** this += s. Modifies: this. */
    public Tensor addInPlace(double s) { ElementwiseOps.binaryScalarInPlace(BinaryOp.ADD, this, s); markModified(); return this; }
    /** this *= s. Modifies: this. */
    public Tensor mulInPlace(double s) { ElementwiseOps.binaryScalarInPlace(BinaryOp.MUL, this, s); markModified(); return this; }
    /** this += alpha·x (axpy; x broadcast to this shape). Modifies: this. */
    public Tensor addScaledInPlace(double alpha, Tensor x) { ElementwiseOps.axpyInPlace(this, alpha, x); markModified(); return this; }

    // ---------------------------------------------------------------- reductions (ReduceOps)

    /** Sum of all elements, in this tensor's dtype (f32 sums use blocked float accumulation), widened to double. */
    public double sumAll() { return ReduceOps.sum(this, new int[0], false).item(); }
    /** Sum over the given axes (empty = all). */
    public Tensor sum(int[] axes, boolean keepDim) { return ReduceOps.sum(this, axes, keepDim); }
    public Tensor sum(int axis, boolean keepDim) { return ReduceOps.sum(this, new int[] {axis}, keepDim); }
    public Tensor mean(int[] axes, boolean keepDim) { return ReduceOps.mean(this, axes, keepDim); }
    public Tensor mean(int axis, boolean keepDim) { return ReduceOps.mean(this, new int[] {axis}, keepDim); }
    public Tensor max(int[] axes, boolean keepDim) { return ReduceOps.max(this, axes, keepDim); }
    public Tensor max(int axis, boolean keepDim) { return ReduceOps.max(this, new int[] {axis}, keepDim); }
    public Tensor min(int[] axes, boolean keepDim) { return ReduceOps.min(this, axes, keepDim); }
    public Tensor min(int axis, boolean keepDim) { return ReduceOps.min(this, new int[] {axis}, keepDim); }
    /** Σ(x-mean)²/(N-correction) over the axes; correction 1 is the unbiased estimator. */
    public Tensor var(int[] axes, boolean keepDim, int correction) { return ReduceOps.var(this, axes, keepDim, correction); }
    /** log Σ exp(x) over the axes, computed stably (max subtracted). */
    public Tensor logsumexp(int[] axes, boolean keepDim) { return ReduceOps.logsumexp(this, axes, keepDim); }
    public Tensor logsumexp(int axis, boolean keepDim) { return ReduceOps.logsumexp(this, new int[] {axis}, keepDim); }
    /** Index of the (first) maximum along {@code axis}. */
    public IntTensor argmax(int axis, boolean keepDim) { return ReduceOps.argmax(this, axis, keepDim); }
    /** Flat row-major index of the (first) maximum. */
    public int argmax() { return ReduceOps.argmaxFlat(this); }
    /**
     * Sums broadcast dimensions away so the result has {@code targetShape} (the adjoint of expand). Returns this
     * tensor itself, not a copy, when its shape already is {@code targetShape}.
     */
    public Tensor sumTo(int... targetShape) { return ReduceOps.sumTo(this, targetShape); }
    /** Euclidean (Frobenius) norm of all elements, accumulated in double. */
    public double norm() { return ReduceOps.norm(this); }
    /** exp(x - max) / Σ exp(x - max) along {@code axis}. */
    public Tensor softmax(int axis) { return ReduceOps.softmax(this, axis); }
    /** x - logsumexp(x) along {@code axis}. */
    public Tensor logSoftmax(int axis) { return ReduceOps.logSoftmax(this, axis); }

    // ---------------------------------------------------------------- structure and indexing (IndexOps)

    /** Joins tensors along an existing axis; all other dimensions must match. */
    public static Tensor concat(int axis, Tensor... parts) { return IndexOps.concat(axis, parts); }
    /** Joins tensors along a new axis; all shapes must match. */
    public static Tensor stack(int axis, Tensor... parts) { return IndexOps.stack(axis, parts); }
    /** Views of consecutive pieces along {@code axis} with the given sizes (which must sum to the axis size). */
    public Tensor[] split(int axis, int... sizes) { return IndexOps.split(this, axis, sizes); }
    /** out[i][j][k] = this[index[i][j][k]][j][k] for axis 0 (and likewise for other axes); index has this rank. */
    public Tensor gather(int axis, IntTensor index) { return IndexOps.gather(this, axis, index); }
    /** Picks whole slices along {@code axis}: the result's axis has index.numel() entries. index is 1-D. */
    public Tensor indexSelect(int axis, IntTensor index) { return IndexOps.indexSelect(this, axis, index); }
    /** this[index[i][j]][j] += src[i][j] (axis 0; likewise for others): the adjoint of gather. Modifies: this. */
    public Tensor scatterAddInPlace(int axis, IntTensor index, Tensor src) { IndexOps.scatterAdd(this, axis, index, src); markModified(); return this; }
    /** this.select(axis, index[i]) += src.select(axis, i): the adjoint of indexSelect. Modifies: this. */
    public Tensor indexAddInPlace(int axis, IntTensor index, Tensor src) { IndexOps.indexAdd(this, axis, index, src); markModified(); return this; }

    // ---------------------------------------------------------------- matmul (MatmulOps)

    /**
     * Matrix product. 2-D: [m,k]·[k,n] → [m,n]. Batched: [..., m, k]·[..., k, n] → [..., m, n] with the
     * batch dimensions broadcast. 1-D operands are promoted as in NumPy. Transposed or strided operands are
     * read in place, never copied.
     */
    public Tensor matmul(Tensor b) { return MatmulOps.matmul(this, b); }

    /** out (+)= a·b for 2-D or batched operands; out must have the exact result shape. Modifies: out. */
    public static void matmulInto(Tensor a, Tensor b, Tensor out, boolean accumulate) { MatmulOps.matmulInto(a, b, out, accumulate); out.markModified(); }

    // ---------------------------------------------------------------- printing

    @Override
    public String toString() {
        int n = numel();
        int shown = Math.min(n, 10);
        StringBuilder sb = new StringBuilder("Tensor").append(Shapes.str(shape)).append(' ').append(dtype).append(" [");
        for (int i = 0; i < shown; i++) {
            sb.append(i == 0 ? "" : ", ").append(getFlat(i));
        }
        return sb.append(n > shown ? ", ...]" : "]").toString();
    }
}
