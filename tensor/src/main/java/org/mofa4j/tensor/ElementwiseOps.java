package org.mofa4j.tensor;

import org.mofa4j.tensor.kernels.KernelMode;
import org.mofa4j.tensor.kernels.Parallel;
import org.mofa4j.tensor.kernels.ScalarElementwise;
import org.mofa4j.tensor.kernels.VectorElementwise;

/**
 * Elementwise ops with NumPy broadcasting, on any strided views.
 *
 * <p>Each op checks dtypes and shapes, lines its operands up over the output's index space with
 * {@link StridedLoop} (broadcast dimensions get stride 0), and hands every innermost run to a kernel:
 * {@link VectorElementwise} for f32 in {@link KernelMode.Mode#VECTOR}, {@link ScalarElementwise} otherwise (f64
 * always). Results are fresh contiguous tensors, except for the in-place ops, which modify their first argument.
 *
 * <p>Threads: large ops (see {@link Split}) are cut into tasks, whole runs or pieces of one run that start at
 * multiples of the task size, and given to {@link Parallel}. Every element is computed by the same code path
 * whatever the thread count, so results are bit-identical for any count.
 *
 * <p>Aliasing: in-place ops and {@code copyInto} read an operand that overlaps the destination in any way other
 * than element-for-element (same storage position for every index) from a copy, so overlap never corrupts a
 * result. Writing into a view with a stride-0 (expanded) dimension is an error, since elements would collide.
 *
 * <p>f32 scalars ({@code binaryScalar}, {@code clamp} bounds, {@code axpy}'s alpha, {@code fill}) are rounded to
 * float first: {@code a.add(s)} is {@code a.add(Tensor.scalar(F32, s))}.
 */
final class ElementwiseOps {
    /**
     * How an op is cut into parallel tasks: ops on fewer than {@code minParallel} elements run on the calling
     * thread; larger ones run as tasks of {@code taskElements} elements (a multiple of every vector length).
     * The aim is at least ~50 µs of single-thread work before splitting, since waking a pool thread costs
     * several µs, and tasks of ≥ 10 µs.
     */
    record Split(int minParallel, int taskElements) {}

    /** Memory-bound ops (add, copy, clamp, where, vector sqrt, ...): 0.1–1 ns per element. */
    static final Split CHEAP = new Split(1 << 17, 1 << 15);
    /** Vector exp, log, tanh, sigmoid: about 0.6 ns per element. */
    static final Split MODERATE = new Split(1 << 16, 1 << 13);
    /** Scalar transcendentals (pow, erf, and exp/log/tanh/sigmoid in scalar mode or f64): 5–50 ns per element. */
    static final Split COSTLY = new Split(1 << 12, 1 << 11);

    private ElementwiseOps() {}

    // ------------------------------------------------------------------------ copy and fill

    /** dst = src, src broadcast to dst's shape, any dtype to any dtype. Modifies: dst. */
    static void copyInto(Tensor src, Tensor dst) {
        String op = "copyFrom";
        requireWritable(op, dst);
        int[] srcStrides = broadcastStrides(op, src, dst.shape);
        if (src.dtype == dst.dtype && sameElements(src, srcStrides, dst)) {
            return; // copying every element onto itself
        }
        if (overlaps(src, srcStrides, dst)) {
            src = src.copy();
            srcStrides = broadcastStrides(op, src, dst.shape);
        }
        StridedLoop loop = loop(dst.shape, new int[][] {dst.strides, srcStrides}, dst, src);
        float[] of = dst.f;
        double[] od = dst.d;
        float[] af = src.f;
        double[] ad = src.d;
        StridedLoop.Row row;
        if (of != null) {
            row = af != null
                    ? (n, p, s) -> ScalarElementwise.copy(n, of, p[0], s[0], af, p[1], s[1])
                    : (n, p, s) -> ScalarElementwise.copy(n, of, p[0], s[0], ad, p[1], s[1]);
        } else {
            row = af != null
                    ? (n, p, s) -> ScalarElementwise.copy(n, od, p[0], s[0], af, p[1], s[1])
                    : (n, p, s) -> ScalarElementwise.copy(n, od, p[0], s[0], ad, p[1], s[1]);
        }
        forEachRun(loop, CHEAP, row);
    }

    /** Sets every element of t (any view) to v. Modifies: t. */
    static void fill(Tensor t, double v) {
        // An expanded dimension addresses one element many times: visit it once.
        int[] shape = t.shape.clone();
        for (int i = 0; i < shape.length; i++) {
            if (t.strides[i] == 0 && shape[i] > 1) {
                shape[i] = 1;
            }
        }
        StridedLoop loop = new StridedLoop(shape, new int[][] {t.strides}, new int[] {t.offset});
        float[] of = t.f;
        double[] od = t.d;
        float vf = (float) v;
        forEachRun(loop, CHEAP, of != null
                ? (n, p, s) -> ScalarElementwise.fill(n, vf, of, p[0], s[0])
                : (n, p, s) -> ScalarElementwise.fill(n, v, od, p[0], s[0]));
    }

    // ------------------------------------------------------------------------ binary

    /** a op b, broadcast, in a new tensor of the operands' dtype. */
    static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        String name = op.opName();
        requireSameDtype(name, a, b);
        Tensor out = Tensor.zeros(a.dtype, Shapes.broadcast(name, a.shape, b.shape));
        runBinary(op, out, a, b);
        return out;
    }

    /** a op s, with s rounded to a's dtype. */
    static Tensor binaryScalar(BinaryOp op, Tensor a, double s) {
        return binary(op, a, Tensor.scalar(a.dtype, s));
    }

    /** self = self op b, b broadcast to self's shape. Modifies: self. */
    static void binaryInPlace(BinaryOp op, Tensor self, Tensor b) {
        String name = op.opName() + "InPlace";
        requireSameDtype(name, self, b);
        requireWritable(name, self);
        runBinary(op, self, self, readableWhileWriting(name, b, self));
    }

    /** self = self op s. Modifies: self. */
    static void binaryScalarInPlace(BinaryOp op, Tensor self, double s) {
        requireWritable(op.opName() + "InPlace", self);
        runBinary(op, self, self, Tensor.scalar(self.dtype, s));
    }

    /** out = a op b; out has the broadcast shape and may be a itself (element-for-element). */
    private static void runBinary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        String name = op.opName();
        StridedLoop loop = loop(out.shape,
                new int[][] {out.strides, broadcastStrides(name, a, out.shape), broadcastStrides(name, b, out.shape)},
                out, a, b);
        Split split = op == BinaryOp.POW ? COSTLY : CHEAP;
        if (out.f != null) {
            float[] o = out.f;
            float[] x = a.f;
            float[] y = b.f;
            forEachRun(loop, split, vectorMode()
                    ? (n, p, s) -> VectorElementwise.binary(op, n, o, p[0], s[0], x, p[1], s[1], y, p[2], s[2])
                    : (n, p, s) -> ScalarElementwise.binary(op, n, o, p[0], s[0], x, p[1], s[1], y, p[2], s[2]));
        } else {
            double[] o = out.d;
            double[] x = a.d;
            double[] y = b.d;
            forEachRun(loop, split,
                    (n, p, s) -> ScalarElementwise.binary(op, n, o, p[0], s[0], x, p[1], s[1], y, p[2], s[2]));
        }
    }

    /** y += alpha·x (one fma per element), x broadcast to y's shape, alpha rounded to y's dtype. Modifies: y. */
    static void axpyInPlace(Tensor y, double alpha, Tensor x) {
        String name = "addScaledInPlace";
        requireSameDtype(name, y, x);
        requireWritable(name, y);
        Tensor src = readableWhileWriting(name, x, y);
        StridedLoop loop = loop(y.shape, new int[][] {y.strides, broadcastStrides(name, src, y.shape)}, y, src);
        if (y.f != null) {
            float[] o = y.f;
            float[] a = src.f;
            float al = (float) alpha;
            forEachRun(loop, CHEAP, vectorMode()
                    ? (n, p, s) -> VectorElementwise.axpy(n, al, o, p[0], s[0], a, p[1], s[1])
                    : (n, p, s) -> ScalarElementwise.axpy(n, al, o, p[0], s[0], a, p[1], s[1]));
        } else {
            double[] o = y.d;
            double[] a = src.d;
            forEachRun(loop, CHEAP, (n, p, s) -> ScalarElementwise.axpy(n, alpha, o, p[0], s[0], a, p[1], s[1]));
        }
    }

    // ------------------------------------------------------------------------ unary, clamp, where

    /** op(a) in a new tensor. */
    static Tensor unary(UnaryOp op, Tensor a) {
        Tensor out = Tensor.zeros(a.dtype, a.shape);
        StridedLoop loop = loop(a.shape, new int[][] {out.strides, a.strides}, out, a);
        boolean vector = a.f != null && vectorMode();
        Split split = switch (op) {
            case NEG, ABS, SQUARE, SIGN, RECIPROCAL, SQRT, RSQRT -> CHEAP;
            case EXP, LOG, TANH, SIGMOID -> vector ? MODERATE : COSTLY;
            case ERF -> COSTLY;
        };
        if (a.f != null) {
            float[] o = out.f;
            float[] x = a.f;
            forEachRun(loop, split, vector
                    ? (n, p, s) -> VectorElementwise.unary(op, n, o, p[0], s[0], x, p[1], s[1])
                    : (n, p, s) -> ScalarElementwise.unary(op, n, o, p[0], s[0], x, p[1], s[1]));
        } else {
            double[] o = out.d;
            double[] x = a.d;
            forEachRun(loop, split, (n, p, s) -> ScalarElementwise.unary(op, n, o, p[0], s[0], x, p[1], s[1]));
        }
        return out;
    }

    /** min(max(a, lo), hi) in a new tensor; needs lo ≤ hi; NaN stays NaN. */
    static Tensor clamp(Tensor a, double lo, double hi) {
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("clamp: need lo <= hi, got lo=" + lo + ", hi=" + hi
                    + " (tensor of shape " + Shapes.str(a.shape) + ")");
        }
        Tensor out = Tensor.zeros(a.dtype, a.shape);
        StridedLoop loop = loop(a.shape, new int[][] {out.strides, a.strides}, out, a);
        if (a.f != null) {
            float[] o = out.f;
            float[] x = a.f;
            float l = (float) lo;
            float h = (float) hi;
            forEachRun(loop, CHEAP, vectorMode()
                    ? (n, p, s) -> VectorElementwise.clamp(n, l, h, o, p[0], s[0], x, p[1], s[1])
                    : (n, p, s) -> ScalarElementwise.clamp(n, l, h, o, p[0], s[0], x, p[1], s[1]));
        } else {
            double[] o = out.d;
            double[] x = a.d;
            forEachRun(loop, CHEAP, (n, p, s) -> ScalarElementwise.clamp(n, lo, hi, o, p[0], s[0], x, p[1], s[1]));
        }
        return out;
    }

    /** cond ≠ 0 ? a : b, all three broadcast together; cond may have either dtype, a and b must match. */
    static Tensor where(Tensor cond, Tensor a, Tensor b) {
        String name = "where";
        requireSameDtype(name, a, b);
        int[] shape = Shapes.broadcast(name, Shapes.broadcast(name, cond.shape, a.shape), b.shape);
        Tensor out = Tensor.zeros(a.dtype, shape);
        StridedLoop loop = loop(shape, new int[][] {out.strides, broadcastStrides(name, cond, shape),
                broadcastStrides(name, a, shape), broadcastStrides(name, b, shape)}, out, cond, a, b);
        float[] cf = cond.f;
        double[] cd = cond.d;
        // runs: p[0], s[0] address out; p[1], s[1] cond; p[2], s[2] a; p[3], s[3] b
        if (out.f != null) {
            float[] o = out.f;
            float[] x = a.f;
            float[] y = b.f;
            forEachRun(loop, CHEAP, vectorMode() && cf != null
                    ? (n, p, s) -> VectorElementwise.where(n, cf, p[1], s[1],
                            o, p[0], s[0], x, p[2], s[2], y, p[3], s[3])
                    : (n, p, s) -> ScalarElementwise.where(n, cf, cd, p[1], s[1],
                            o, p[0], s[0], x, p[2], s[2], y, p[3], s[3]));
        } else {
            double[] o = out.d;
            double[] x = a.d;
            double[] y = b.d;
            forEachRun(loop, CHEAP, (n, p, s) -> ScalarElementwise.where(n, cf, cd, p[1], s[1],
                    o, p[0], s[0], x, p[2], s[2], y, p[3], s[3]));
        }
        return out;
    }

    // ------------------------------------------------------------------------ iteration and threads

    /**
     * Test seam until {@link KernelMode} can override the thread count: while &gt; 0, the thread count these ops
     * use instead of {@link KernelMode#threads()}.
     */
    static volatile int threadsOverride;

    private static int threads() {
        int t = threadsOverride;
        return t > 0 ? t : KernelMode.threads();
    }

    static boolean vectorMode() {
        return KernelMode.current() == KernelMode.Mode.VECTOR;
    }

    /** A loop over {@code shape} through the given tensors, read with the given (broadcast) strides. */
    static StridedLoop loop(int[] shape, int[][] strides, Tensor... tensors) {
        int[] offsets = new int[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            offsets[i] = tensors[i].offset;
        }
        return new StridedLoop(shape, strides, offsets);
    }

    /**
     * Runs {@code body} over every run of the loop: on the calling thread when the loop is small or there is one
     * kernel thread, else as tasks on {@link Parallel}. Long runs are cut into pieces that start at multiples of
     * the task size; short runs are grouped whole. Either way each element goes through the same vector body or
     * scalar tail as in a single-threaded pass, so the bits do not depend on the thread count.
     */
    static void forEachRun(StridedLoop loop, Split split, StridedLoop.Row body) {
        int rows = loop.rows();
        int len = loop.rowLength();
        int threads = threads();
        int task = split.taskElements();
        if (threads <= 1 || (long) rows * len < split.minParallel()) {
            loop.runAll(body);
        } else if (len >= 2 * task) {
            int pieces = (len + task - 1) / task;
            Parallel.forRange(rows * pieces, threads, t -> {
                int row = t / pieces;
                int from = (t % pieces) * task;
                loop.run(row, row + 1, (n, p, s) -> {
                    for (int k = 0; k < p.length; k++) {
                        p[k] += from * s[k];
                    }
                    body.run(Math.min(task, n - from), p, s);
                });
            });
        } else {
            int rowsPerTask = Math.max(1, task / len);
            int tasks = (rows + rowsPerTask - 1) / rowsPerTask;
            Parallel.forRange(tasks, threads, t -> loop.run(t * rowsPerTask, Math.min(rows, (t + 1) * rowsPerTask), body));
        }
    }

    // ------------------------------------------------------------------------ checks

    static void requireSameDtype(String op, Tensor a, Tensor b) {
        if (a.dtype != b.dtype) {
            throw new IllegalArgumentException(op + ": dtypes differ, " + a.dtype + " " + Shapes.str(a.shape)
                    + " and " + b.dtype + " " + Shapes.str(b.shape) + "; convert one with to()");
        }
    }

    /** Strides that read t broadcast to {@code shape} (0 on broadcast dimensions); throws if it does not fit. */
    private static int[] broadcastStrides(String op, Tensor t, int[] shape) {
        int lead = shape.length - t.shape.length;
        if (lead < 0) {
            throw new ShapeException(op + ": shape " + Shapes.str(t.shape) + " cannot be broadcast to "
                    + Shapes.str(shape) + " (more dimensions)");
        }
        int[] out = new int[shape.length];
        for (int i = 0; i < t.shape.length; i++) {
            int have = t.shape[i];
            int want = shape[lead + i];
            if (have != want && have != 1) {
                throw new ShapeException(op + ": shape " + Shapes.str(t.shape) + " cannot be broadcast to "
                        + Shapes.str(shape) + " (dimension " + (lead + i) + ": " + have + " vs " + want + ")");
            }
            out[lead + i] = have == 1 ? 0 : t.strides[i];
        }
        return out;
    }

    /** Writing through a stride-0 dimension would make several indices write one element. */
    private static void requireWritable(String op, Tensor t) {
        if (t.numel() == 0) {
            return;
        }
        for (int i = 0; i < t.shape.length; i++) {
            if (t.strides[i] == 0 && t.shape[i] > 1) {
                throw new ShapeException(op + ": cannot write into an expanded view: dimension " + i + " of shape "
                        + Shapes.str(t.shape) + " has stride 0 (strides " + Shapes.str(t.strides)
                        + "); write into a contiguous() copy");
            }
        }
    }

    /**
     * src broadcast-checked against dst's shape, as it can be read while dst is written: src itself when it
     * does not overlap dst or aliases it element-for-element, else a contiguous copy.
     */
    private static Tensor readableWhileWriting(String op, Tensor src, Tensor dst) {
        int[] strides = broadcastStrides(op, src, dst.shape);
        return !sameElements(src, strides, dst) && overlaps(src, strides, dst) ? src.copy() : src;
    }

    /** Whether src (read with {@code srcStrides} over dst's shape) addresses exactly dst's element at every index. */
    private static boolean sameElements(Tensor src, int[] srcStrides, Tensor dst) {
        if (!src.sharesStorage(dst) || src.offset != dst.offset) {
            return false;
        }
        for (int i = 0; i < dst.shape.length; i++) {
            if (dst.shape[i] > 1 && srcStrides[i] != dst.strides[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether the storage ranges src and dst address intersect (conservative: ranges, not exact elements). */
    private static boolean overlaps(Tensor src, int[] srcStrides, Tensor dst) {
        if (!src.sharesStorage(dst) || src.numel() == 0 || dst.numel() == 0) {
            return false;
        }
        long srcLast = src.offset;
        long dstLast = dst.offset;
        for (int i = 0; i < dst.shape.length; i++) {
            srcLast += (long) (dst.shape[i] - 1) * srcStrides[i];
            dstLast += (long) (dst.shape[i] - 1) * dst.strides[i];
        }
        return src.offset <= dstLast && dst.offset <= srcLast;
    }
}
