package org.mofa4j.gpu.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Row reductions of a row-major x [rows, cols]: sum, max and RMS = √(Σⱼ x²/cols), as KernelContext kernels with
 * one work-group of {@link #GROUP} work-items per row: each work-item folds a strided slice of the row, then a
 * local-memory tree reduction (with {@code localBarrier()}) combines the partials and work-item 0 writes the row's
 * result. One group per row keeps every reduction inside one work-group, the pattern that is portable (a
 * cross-group single-kernel reduction is not, e.g. on PoCL). Grid: 1-D, {@code global = rows·GROUP},
 * {@code local = GROUP}. {@code dims = [rows, cols]}. CPU references: {@code Tensor.sum/max} along the last axis
 * and float64 loops.
 */
public final class RowReductionKernels {
    /** Work-items per row (a power of two). */
    public static final int GROUP = 64;

    private RowReductionKernels() {}

    /** out[r] = Σⱼ x[r, j]. */
    public static void rowSum(KernelContext ctx, FloatArray x, FloatArray out, IntArray dims) {
        int cols = dims.get(1);
        int row = ctx.groupIdx;
        int lid = ctx.localIdx;
        float[] part = ctx.allocateFloatLocalArray(GROUP);
        float s = 0.0f;
        for (int j = lid; j < cols; j += GROUP) {
            s += x.get(row * cols + j);
        }
        part[lid] = s;
        for (int stride = GROUP / 2; stride > 0; stride /= 2) {
            ctx.localBarrier();
            if (lid < stride) {
                part[lid] = part[lid] + part[lid + stride];
            }
        }
        if (lid == 0) {
            out.set(row, part[0]);
        }
    }

    /** out[r] = maxⱼ x[r, j] (cols ≥ 1). */
    public static void rowMax(KernelContext ctx, FloatArray x, FloatArray out, IntArray dims) {
        int cols = dims.get(1);
        int row = ctx.groupIdx;
        int lid = ctx.localIdx;
        float[] part = ctx.allocateFloatLocalArray(GROUP);
        float s = x.get(row * cols);
        for (int j = lid; j < cols; j += GROUP) {
            s = TornadoMath.max(s, x.get(row * cols + j));
        }
        part[lid] = s;
        for (int stride = GROUP / 2; stride > 0; stride /= 2) {
            ctx.localBarrier();
            if (lid < stride) {
                part[lid] = TornadoMath.max(part[lid], part[lid + stride]);
            }
        }
        if (lid == 0) {
            out.set(row, part[0]);
        }
    }

    /** out[r] = √(Σⱼ x[r, j]² / cols). */
    public static void rowRms(KernelContext ctx, FloatArray x, FloatArray out, IntArray dims) {
        int cols = dims.get(1);
        int row = ctx.groupIdx;
        int lid = ctx.localIdx;
        float[] part = ctx.allocateFloatLocalArray(GROUP);
        float s = 0.0f;
        for (int j = lid; j < cols; j += GROUP) {
            float v = x.get(row * cols + j);
            s += v * v;
        }
        part[lid] = s;
        for (int stride = GROUP / 2; stride > 0; stride /= 2) {
            ctx.localBarrier();
            if (lid < stride) {
                part[lid] = part[lid] + part[lid + stride];
            }
        }
        if (lid == 0) {
            out.set(row, TornadoMath.sqrt(part[0] / cols));
        }
    }
}
