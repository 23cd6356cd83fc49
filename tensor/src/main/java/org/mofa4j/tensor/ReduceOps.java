package org.mofa4j.tensor;

import java.util.Arrays;
import java.util.function.IntConsumer;
import org.mofa4j.tensor.kernels.KernelMode;
import org.mofa4j.tensor.kernels.Parallel;
import org.mofa4j.tensor.kernels.ReductionKernels;
import org.mofa4j.tensor.kernels.StridedReductions;

/**
 * Reductions over any set of axes, argmax, sumTo, norm, softmax and log-softmax, for any strided input.
 *
 * <p><b>Semantics.</b> Axes may be negative; an empty axes array means every axis; a repeated or out-of-range axis
 * throws naming the op. {@code keepDim} keeps reduced axes as size 1. Results are new contiguous tensors of the
 * input's dtype. For N reduced elements x:
 * <pre>
 *   sum = Σ x          mean = Σ x / N          max, min: NaN if any x is NaN
 *   var = Σ (x − mean)² / max(0, N − correction)            (two passes: mean first)
 *   logsumexp = m + log Σ exp(x − m),  m = max x            (m itself when m is ±inf or NaN)
 *   softmax   = exp(x − m) / Σ exp(x − m)                   along one axis
 *   logSoftmax = (x − m) − log Σ exp(x − m)
 * </pre>
 * As in PyTorch: var with N − correction ≤ 0 divides by 0, giving NaN when Σ(x − mean)² = 0 (always the case for
 * N = 1) and +inf otherwise; a softmax or log-softmax row that is all −inf, or holds +inf or NaN, gives NaN.
 * Over zero elements sum is 0, mean and var are NaN, logsumexp is −inf, and max, min and argmax throw.
 *
 * <p><b>Layouts.</b> Size-1 axes are dropped and adjacent axes that are contiguous with each other are merged,
 * separately for the kept and the reduced axes. Then one of two forms runs (a {@link Plan}):
 * <ul>
 *   <li>row form: each output reduces a few runs of its inputs; when some reduced axis has unit stride it becomes the
 *       run (reduction order changes only rounding), and fp32 runs go to the {@link ReductionKernels} of the
 *       current {@link KernelMode} (row sums, softmax over the last axis, full reductions). Other runs, and all
 *       fp64 work, go to {@link StridedReductions}.</li>
 *   <li>column form (fp32): when the innermost kept axis has unit stride, outputs are blocks of contiguous columns
 *       and the reduced axes are rows, reduced with the column kernels (bias gradients, [B·T, C] → [C]).</li>
 * </ul>
 *
 * <p><b>Accumulation.</b> fp32: the scalar twin and the strided path sum in double; the vector twin sums in float
 * lanes with blocking (see {@code VectorReductions}); partial sums of several runs are added in double. fp64: double.
 * {@link #norm} always accumulates Σx² in double.
 *
 * <p><b>Threads.</b> Work is split over outputs only, in pieces fixed by the shapes, never over a reduced axis, so
 * results are bit-identical for every thread count. Inputs under {@link #PARALLEL_MIN} elements stay on the caller.
 */
final class ReduceOps {
    private ReduceOps() {}

    /** Below this many input elements an op runs on the calling thread. */
    static final long PARALLEL_MIN = 1 << 16;
    /** About this many input elements per task. */
    static final int GRAIN = 1 << 14;
    /** The column form needs at least this many contiguous kept columns. */
    static final int MIN_COLUMNS = 8;
    /** Column-form tasks cover a multiple of this many columns. */
    static final int COLUMN_CHUNK = 128;

    /** Test hook: when &gt; 0, the thread count used instead of {@link KernelMode#threads()}. */
    static volatile int threadsOverride;

    private enum Kind { SUM, MEAN, MAX, MIN, VAR, LOGSUMEXP }

    static Tensor sum(Tensor a, int[] axes, boolean keepDim) {
        return reduce("sum", Kind.SUM, a, Shapes.axesMask("sum", axes, a.rank()), keepDim, 0);
    }

    static Tensor mean(Tensor a, int[] axes, boolean keepDim) {
        return reduce("mean", Kind.MEAN, a, Shapes.axesMask("mean", axes, a.rank()), keepDim, 0);
    }

    static Tensor max(Tensor a, int[] axes, boolean keepDim) {
        return reduce("max", Kind.MAX, a, Shapes.axesMask("max", axes, a.rank()), keepDim, 0);
    }

    static Tensor min(Tensor a, int[] axes, boolean keepDim) {
        return reduce("min", Kind.MIN, a, Shapes.axesMask("min", axes, a.rank()), keepDim, 0);
    }

    static Tensor var(Tensor a, int[] axes, boolean keepDim, int correction) {
        if (correction < 0) {
            throw new ShapeException("var: correction must be ≥ 0, got " + correction);
        }
        return reduce("var", Kind.VAR, a, Shapes.axesMask("var", axes, a.rank()), keepDim, correction);
    }

    static Tensor logsumexp(Tensor a, int[] axes, boolean keepDim) {
        return reduce("logsumexp", Kind.LOGSUMEXP, a, Shapes.axesMask("logsumexp", axes, a.rank()), keepDim, 0);
    }

    /** The adjoint of broadcasting: sums a's leading extra axes away, and axes where {@code shape} has 1. */
    static Tensor sumTo(Tensor a, int[] shape) {
        if (Arrays.equals(a.shape, shape)) {
            return a; // nothing to sum: the common case of a same-shape binary op's backward
        }
        int lead = a.rank() - shape.length;
        if (lead < 0) {
            throw new ShapeException("sumTo: target " + Shapes.str(shape) + " has more dimensions than the tensor's "
                    + Shapes.str(a.shape));
        }
        boolean[] mask = new boolean[a.rank()];
        Arrays.fill(mask, 0, lead, true);
        for (int j = 0; j < shape.length; j++) {
            int have = a.shape[lead + j];
            if (shape[j] == 1 && have != 1) {
                mask[lead + j] = true;
            } else if (shape[j] != have) {
                throw new ShapeException("sumTo: target " + Shapes.str(shape) + " does not broadcast to the tensor's "
                        + Shapes.str(a.shape) + " (target dimension " + j + " is " + shape[j] + ", tensor has " + have
                        + ")");
            }
        }
        return reduce("sumTo", Kind.SUM, a, mask, true, 0).view(shape);
    }

    // ---------------------------------------------------------------- reductions

    private static Tensor reduce(String op, Kind kind, Tensor a, boolean[] mask, boolean keepDim, int correction) {
        int count = 1;
        for (int i = 0; i < mask.length; i++) {
            count *= mask[i] ? a.shape[i] : 1;
        }
        if (count == 0 && (kind == Kind.MAX || kind == Kind.MIN)) {
            throw emptyAxis(op, a, mask);
        }
        Tensor out = Tensor.zeros(a.dtype, reducedShape(a.shape, mask, keepDim));
        int outCount = out.numel();
        if (outCount == 0) {
            return out;
        }
        if (count == 0) {
            double v = kind == Kind.SUM ? 0.0 : kind == Kind.LOGSUMEXP ? Double.NEGATIVE_INFINITY : Double.NaN;
            for (int o = 0; o < outCount; o++) {
                store(out, o, v);
            }
            return out;
        }
        Plan p = Plan.of(a, mask, a.dtype == DType.F32, true);
        if (p.columns) {
            reduceColumns(kind, a.f, p, out.f, correction, ReductionKernels.current());
        } else {
            reduceRows(kind, Runs.of(a, p), p, out, correction);
        }
        return out;
    }

    private static void reduceRows(Kind kind, Runs runs, Plan p, Tensor out, int correction) {
        int n = p.count;
        int perTask = Math.max(1, GRAIN / n);
        forTasks(ceilDiv(p.outCount, perTask), (long) p.outCount * n, t -> {
            int end = Math.min(p.outCount, (t + 1) * perTask);
            for (int o = t * perTask; o < end; o++) {
                int base = p.outBase[o];
                double v = switch (kind) {
                    case SUM -> runs.sum(base);
                    case MEAN -> runs.sum(base) / n;
                    case MAX -> runs.max(base);
                    case MIN -> runs.min(base);
                    case VAR -> runs.sumSquaredDeviations(base, runs.sum(base) / n) / Math.max(0, n - correction);
                    case LOGSUMEXP -> {
                        double m = runs.max(base);
                        yield Double.isInfinite(m) || Double.isNaN(m) ? m : m + Math.log(runs.sumExp(base, m));
                    }
                };
                store(out, o, v);
            }
        });
    }

    /** Column form: task t owns columns [c0, c0 + w) of one block and runs every pass over them. */
    private static void reduceColumns(Kind kind, float[] x, Plan p, float[] out, int correction, ReductionKernels k) {
        int rows = p.count;
        int width = p.width;
        int chunk = Math.max(COLUMN_CHUNK, ceilDiv(GRAIN / rows, COLUMN_CHUNK) * COLUMN_CHUNK);
        int chunks = ceilDiv(width, chunk);
        int[] rowOffs = p.rowOffsets;
        forTasks(p.blockBase.length * chunks, (long) p.outCount * rows, t -> {
            int b = t / chunks;
            int c0 = (t % chunks) * chunk;
            int w = Math.min(chunk, width - c0);
            int base = p.blockBase[b] + c0;
            int o = b * width + c0;
            switch (kind) {
                case SUM -> k.sumColumns(x, base, rowOffs, rows, out, o, w);
                case MEAN -> {
                    k.sumColumns(x, base, rowOffs, rows, out, o, w);
                    divide(out, o, w, rows);
                }
                case MAX -> k.maxColumns(x, base, rowOffs, rows, out, o, w);
                case MIN -> k.minColumns(x, base, rowOffs, rows, out, o, w);
                case VAR -> {
                    float[] mean = new float[w];
                    k.sumColumns(x, base, rowOffs, rows, mean, 0, w);
                    divide(mean, 0, w, rows);
                    k.sumSquaredDeviationsColumns(x, base, rowOffs, rows, mean, 0, out, o, w);
                    divide(out, o, w, Math.max(0, rows - correction));
                }
                case LOGSUMEXP -> {
                    float[] m = new float[w];
                    k.maxColumns(x, base, rowOffs, rows, m, 0, w);
                    k.sumExpColumns(x, base, rowOffs, rows, m, 0, out, o, w);
                    for (int i = 0; i < w; i++) {
                        float mi = m[i];
                        out[o + i] = Float.isFinite(mi) ? (float) (mi + Math.log(out[o + i])) : mi;
                    }
                }
            }
        });
    }

    private static void divide(float[] out, int off, int n, int divisor) {
        double d = divisor;
        for (int i = off; i < off + n; i++) {
            out[i] = (float) (out[i] / d);
        }
    }

    // ---------------------------------------------------------------- argmax, norm

    /** First index of the maximum along {@code axis}; a NaN counts as the maximum. */
    static IntTensor argmax(Tensor a, int axis, boolean keepDim) {
        int ax = Shapes.axis("argmax", axis, a.rank());
        boolean[] mask = new boolean[a.rank()];
        mask[ax] = true;
        if (a.shape[ax] == 0) {
            throw emptyAxis("argmax", a, mask);
        }
        IntTensor out = IntTensor.zeros(reducedShape(a.shape, mask, keepDim));
        if (out.numel() == 0) {
            return out;
        }
        Plan p = Plan.of(a, mask, false, false);
        Runs runs = Runs.of(a, p);
        int[] o = out.data();
        int perTask = Math.max(1, GRAIN / p.count);
        forTasks(ceilDiv(p.outCount, perTask), (long) p.outCount * p.count, t -> {
            int end = Math.min(p.outCount, (t + 1) * perTask);
            for (int i = t * perTask; i < end; i++) {
                o[i] = runs.argmaxRun(p.outBase[i]); // one reduced axis: a single run at offset 0
            }
        });
        return out;
    }

    /** Row-major flat index of the first maximum of all elements; a NaN counts as the maximum. */
    static int argmaxFlat(Tensor a) {
        int n = a.numel();
        if (n == 0) {
            throw new ShapeException("argmax: cannot reduce an empty tensor (shape " + Shapes.str(a.shape) + ")");
        }
        if (a.isContiguous()) {
            return a.f != null ? ReductionKernels.current().argmax(a.f, a.offset, n)
                    : StridedReductions.argmax(a.d, a.offset, n, 1);
        }
        // rows along the last axis, visited in row-major order
        int last = a.rank() - 1;
        int len = a.shape[last];
        int step = a.strides[last];
        int[] bases = offsets(a.shape, a.strides, last, a.offset);
        int best = -1;
        double bestValue = 0;
        for (int r = 0; r < bases.length; r++) {
            int i = a.f != null ? StridedReductions.argmax(a.f, bases[r], len, step)
                    : StridedReductions.argmax(a.d, bases[r], len, step);
            int pos = bases[r] + i * step;
            double v = a.f != null ? a.f[pos] : a.d[pos];
            if (Double.isNaN(v)) {
                return r * len + i;
            }
            if (best < 0 || v > bestValue) {
                best = r * len + i;
                bestValue = v;
            }
        }
        return best;
    }

    /** √(Σ x²) over all elements, accumulated in double. */
    static double norm(Tensor a) {
        if (a.numel() == 0) {
            return 0.0;
        }
        boolean[] all = new boolean[a.rank()];
        Arrays.fill(all, true);
        Plan p = Plan.of(a, all, false, true);
        Runs runs = Runs.of(a, p);
        double s = 0;
        for (int r : p.runOffsets) {
            s += runs.sumSquaresRun(p.outBase[0] + r);
        }
        return Math.sqrt(s);
    }

    // ---------------------------------------------------------------- softmax

    static Tensor softmax(Tensor a, int axis) {
        return softmax("softmax", a, axis, false);
    }

    static Tensor logSoftmax(Tensor a, int axis) {
        return softmax("logSoftmax", a, axis, true);
    }

    /**
     * Rows along {@code axis}: contiguous rows go straight to the kernels; other rows are gathered into (and
     * results scattered from) per-task scratch arrays.
     */
    private static Tensor softmax(String op, Tensor a, int axis, boolean log) {
        int ax = Shapes.axis(op, axis, a.rank());
        Tensor out = Tensor.zeros(a.dtype, a.shape);
        int total = out.numel();
        if (total == 0) {
            return out;
        }
        int n = a.shape[ax];
        int[] sizes = remove(a.shape, ax);
        int[] inBase = offsets(sizes, remove(a.strides, ax), sizes.length, a.offset);
        int[] outBase = offsets(sizes, remove(out.strides, ax), sizes.length, 0);
        int inStep = n == 1 ? 1 : a.strides[ax];
        int outStep = n == 1 ? 1 : out.strides[ax];
        int rows = inBase.length;
        int perTask = Math.max(1, GRAIN / n);
        if (a.dtype == DType.F64) {
            forTasks(ceilDiv(rows, perTask), total, t -> {
                int end = Math.min(rows, (t + 1) * perTask);
                for (int r = t * perTask; r < end; r++) {
                    StridedReductions.softmax(a.d, inBase[r], inStep, out.d, outBase[r], outStep, n, log);
                }
            });
            return out;
        }
        ReductionKernels k = ReductionKernels.current();
        float[] x = a.f;
        float[] y = out.f;
        forTasks(ceilDiv(rows, perTask), total, t -> {
            float[] xs = inStep == 1 ? null : new float[n];
            float[] ys = outStep == 1 ? null : new float[n];
            int end = Math.min(rows, (t + 1) * perTask);
            for (int r = t * perTask; r < end; r++) {
                float[] src = x;
                int srcOff = inBase[r];
                if (xs != null) {
                    for (int i = 0, q = srcOff; i < n; i++, q += inStep) {
                        xs[i] = x[q];
                    }
                    src = xs;
                    srcOff = 0;
                }
                float[] dst = ys != null ? ys : y;
                int dstOff = ys != null ? 0 : outBase[r];
                if (log) {
                    k.logSoftmax(src, srcOff, dst, dstOff, n);
                } else {
                    k.softmax(src, srcOff, dst, dstOff, n);
                }
                if (ys != null) {
                    for (int i = 0, q = outBase[r]; i < n; i++, q += outStep) {
                        y[q] = ys[i];
                    }
                }
            }
        });
        return out;
    }

    // ---------------------------------------------------------------- plans

    /**
     * Where each output's inputs are. Row form: output o reduces the runs
     * {@code outBase[o] + runOffsets[j] + i·runStep, i < runLength}. Column form: output {@code b·width + c} reduces
     * {@code blockBase[b] + rowOffsets[r] + c} over r. Offsets are storage indices; tables are built once per call.
     */
    private static final class Plan {
        int outCount;
        int count;
        int[] outBase;
        int[] runOffsets;
        int runLength = 1;
        int runStep = 1;
        boolean columns;
        int width;
        int[] blockBase;
        int[] rowOffsets;

        /**
         * @param columnsAllowed whether the column form may be chosen (fp32 reductions)
         * @param reorder        whether a unit-stride reduced axis may become the run (changes summation order)
         */
        static Plan of(Tensor a, boolean[] mask, boolean columnsAllowed, boolean reorder) {
            int rank = a.shape.length;
            int[] ks = new int[rank], kst = new int[rank], rs = new int[rank], rst = new int[rank];
            int nk = 0, nr = 0;
            Plan p = new Plan();
            p.outCount = 1;
            p.count = 1;
            for (int i = 0; i < rank; i++) {
                int size = a.shape[i];
                if (mask[i]) {
                    p.count *= size;
                } else {
                    p.outCount *= size;
                }
                if (size == 1) {
                    continue;
                }
                if (mask[i]) {
                    rs[nr] = size;
                    rst[nr++] = a.strides[i];
                } else {
                    ks[nk] = size;
                    kst[nk++] = a.strides[i];
                }
            }
            nk = merge(ks, kst, nk);
            nr = merge(rs, rst, nr);
            int unit = -1;
            for (int i = 0; i < nr; i++) {
                if (rst[i] == 1) {
                    unit = i;
                }
            }
            if (columnsAllowed && unit < 0 && nk > 0 && kst[nk - 1] == 1 && ks[nk - 1] >= MIN_COLUMNS) {
                p.columns = true;
                p.width = ks[nk - 1];
                p.blockBase = offsets(ks, kst, nk - 1, a.offset);
                p.rowOffsets = offsets(rs, rst, nr, 0);
                return p;
            }
            if (nr > 0) {
                int inner = reorder && unit >= 0 ? unit : nr - 1;
                p.runLength = rs[inner];
                p.runStep = rst[inner];
                System.arraycopy(rs, inner + 1, rs, inner, nr - inner - 1);
                System.arraycopy(rst, inner + 1, rst, inner, nr - inner - 1);
                nr--;
            }
            p.runOffsets = offsets(rs, rst, nr, 0);
            p.outBase = offsets(ks, kst, nk, a.offset);
            return p;
        }

        /** Merges neighbours (i, i+1) with stride[i] == stride[i+1]·size[i+1], in place; returns the new count. */
        private static int merge(int[] sizes, int[] strides, int n) {
            int m = 0;
            for (int i = 0; i < n; i++) {
                if (m > 0 && strides[m - 1] == strides[i] * sizes[i]) {
                    sizes[m - 1] *= sizes[i];
                    strides[m - 1] = strides[i];
                } else {
                    sizes[m] = sizes[i];
                    strides[m] = strides[i];
                    m++;
                }
            }
            return m;
        }
    }

    /** {@code start + Σ idx[d]·strides[d]} for every index over the first {@code n} dims, in row-major order. */
    private static int[] offsets(int[] sizes, int[] strides, int n, int start) {
        int count = 1;
        for (int d = 0; d < n; d++) {
            count *= sizes[d];
        }
        int[] out = new int[count];
        int[] idx = new int[n];
        int p = start;
        for (int i = 0; i < count; i++) {
            out[i] = p;
            for (int d = n - 1; d >= 0; d--) {
                p += strides[d];
                if (++idx[d] < sizes[d]) {
                    break;
                }
                p -= strides[d] * sizes[d];
                idx[d] = 0;
            }
        }
        return out;
    }

    /** The row-form reductions of one output, over all its runs, for one storage kind and run layout. */
    private abstract static class Runs {
        final int[] runOffsets;
        final int len;
        final int step;

        Runs(Plan p) {
            this.runOffsets = p.runOffsets;
            this.len = p.runLength;
            this.step = p.runStep;
        }

        static Runs of(Tensor a, Plan p) {
            if (a.dtype == DType.F64) {
                return new F64(p, a.d);
            }
            return p.runStep == 1 ? new F32Contiguous(p, a.f, ReductionKernels.current()) : new F32Strided(p, a.f);
        }

        abstract double sumRun(int p);

        abstract double sumSquaresRun(int p);

        abstract double sumSquaredDeviationsRun(int p, double center);

        abstract double sumExpRun(int p, double center);

        abstract double maxRun(int p);

        abstract double minRun(int p);

        abstract int argmaxRun(int p);

        final double sum(int base) {
            double s = 0;
            for (int r : runOffsets) {
                s += sumRun(base + r);
            }
            return s;
        }

        final double sumSquaredDeviations(int base, double center) {
            double s = 0;
            for (int r : runOffsets) {
                s += sumSquaredDeviationsRun(base + r, center);
            }
            return s;
        }

        final double sumExp(int base, double center) {
            double s = 0;
            for (int r : runOffsets) {
                s += sumExpRun(base + r, center);
            }
            return s;
        }

        final double max(int base) {
            double m = maxRun(base + runOffsets[0]);
            for (int j = 1; j < runOffsets.length; j++) {
                m = Math.max(m, maxRun(base + runOffsets[j]));
            }
            return m;
        }

        final double min(int base) {
            double m = minRun(base + runOffsets[0]);
            for (int j = 1; j < runOffsets.length; j++) {
                m = Math.min(m, minRun(base + runOffsets[j]));
            }
            return m;
        }

        private static final class F32Contiguous extends Runs {
            private final float[] x;
            private final ReductionKernels k;

            F32Contiguous(Plan p, float[] x, ReductionKernels k) {
                super(p);
                this.x = x;
                this.k = k;
            }

            @Override double sumRun(int p) { return k.sum(x, p, len); }
            @Override double sumSquaresRun(int p) { return k.sumSquares(x, p, len); }
            @Override double sumSquaredDeviationsRun(int p, double c) { return k.sumSquaredDeviations(x, p, len, c); }
            @Override double sumExpRun(int p, double c) { return k.sumExp(x, p, len, (float) c); }
            @Override double maxRun(int p) { return k.max(x, p, len); }
            @Override double minRun(int p) { return k.min(x, p, len); }
            @Override int argmaxRun(int p) { return k.argmax(x, p, len); }
        }

        private static final class F32Strided extends Runs {
            private final float[] x;

            F32Strided(Plan p, float[] x) {
                super(p);
                this.x = x;
            }

            @Override double sumRun(int p) { return StridedReductions.sum(x, p, len, step); }
            @Override double sumSquaresRun(int p) { return StridedReductions.sumSquaredDeviations(x, p, len, step, 0.0); }
            @Override double sumSquaredDeviationsRun(int p, double c) {
                return StridedReductions.sumSquaredDeviations(x, p, len, step, c);
            }
            @Override double sumExpRun(int p, double c) { return StridedReductions.sumExp(x, p, len, step, c); }
            @Override double maxRun(int p) { return StridedReductions.max(x, p, len, step); }
            @Override double minRun(int p) { return StridedReductions.min(x, p, len, step); }
            @Override int argmaxRun(int p) { return StridedReductions.argmax(x, p, len, step); }
        }

        private static final class F64 extends Runs {
            private final double[] x;

            F64(Plan p, double[] x) {
                super(p);
                this.x = x;
            }

            @Override double sumRun(int p) { return StridedReductions.sum(x, p, len, step); }
            @Override double sumSquaresRun(int p) { return StridedReductions.sumSquares(x, p, len, step); }
            @Override double sumSquaredDeviationsRun(int p, double c) {
                return StridedReductions.sumSquaredDeviations(x, p, len, step, c);
            }
            @Override double sumExpRun(int p, double c) { return StridedReductions.sumExp(x, p, len, step, c); }
            @Override double maxRun(int p) { return StridedReductions.max(x, p, len, step); }
            @Override double minRun(int p) { return StridedReductions.min(x, p, len, step); }
            @Override int argmaxRun(int p) { return StridedReductions.argmax(x, p, len, step); }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void forTasks(int tasks, long work, IntConsumer body) {
        if (tasks <= 1 || work < PARALLEL_MIN) {
            for (int t = 0; t < tasks; t++) {
                body.accept(t);
            }
        } else {
            int override = threadsOverride;
            Parallel.forRange(tasks, override > 0 ? override : KernelMode.threads(), body);
        }
    }

    private static void store(Tensor out, int o, double v) {
        if (out.f != null) {
            out.f[o] = (float) v;
        } else {
            out.d[o] = v;
        }
    }

    private static int[] reducedShape(int[] shape, boolean[] mask, boolean keepDim) {
        int kept = 0;
        for (int i = 0; i < shape.length; i++) {
            kept += keepDim || !mask[i] ? 1 : 0;
        }
        int[] out = new int[kept];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (!mask[i]) {
                out[j++] = shape[i];
            } else if (keepDim) {
                out[j++] = 1;
            }
        }
        return out;
    }

    private static ShapeException emptyAxis(String op, Tensor a, boolean[] mask) {
        StringBuilder axes = new StringBuilder();
        for (int i = 0; i < mask.length; i++) {
            if (mask[i]) {
                axes.append(axes.length() == 0 ? "" : ", ").append(i);
            }
        }
        return new ShapeException(op + ": cannot reduce an empty axis (shape " + Shapes.str(a.shape)
                + ", reduced axes [" + axes + "])");
    }

    private static int[] remove(int[] arr, int i) {
        int[] out = new int[arr.length - 1];
        System.arraycopy(arr, 0, out, 0, i);
        System.arraycopy(arr, i + 1, out, i, arr.length - i - 1);
        return out;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
