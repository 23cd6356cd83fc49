package org.mofa4j.gpu.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Tiled fp32 matrix multiply on strided views, {@code C_b (+)= A_b·B_b}, written as a TornadoVM KernelContext kernel
 * with local (shared) memory. The CPU reference is {@code org.mofa4j.tensor.kernels.Gemm} (the parity tests compare
 * against it and EJML).
 *
 * <p>Views: element (i, j) of A_b is {@code a[aOff_b + i·aRs + j·aCs]}, likewise B_b and C_b; A·Bᵀ and Aᵀ·B are the
 * same kernel with swapped strides, a batch is one launch. Layout of {@code dims} ({@link #DIMS} ints):
 * {@code [m, n, k, aRs, aCs, bRs, bCs, cRs, cCs, accumulate(0|1)]}; {@code offsets} holds
 * {@code [aOff_b, bOff_b, cOff_b]} for each batch b.
 *
 * <p>Grid: 1-D, one work-group of {@link #TILE}² work-items per {@link #TILE}×{@link #TILE} output tile, groups
 * ordered (batch, tile row, tile column): {@code global = batches·⌈m/T⌉·⌈n/T⌉·T²}, {@code local = T²}. A 1-D grid
 * is used on purpose: 2-D KernelContext grids gave wrong results on PoCL in the project's TornadoVM study. Each
 * work-item owns one C element; per k-tile the group loads a T×T tile of A and of B into local memory (zeros past
 * the edges), synchronises, and accumulates T products.
 */
public final class GemmKernel {
    /** Tile edge; the work-group has TILE² work-items. */
    public static final int TILE = 16;
    /** Ints in the {@code dims} array. */
    public static final int DIMS = 10;

    private GemmKernel() {}

    /** The kernel; see the class comment for the arguments. */
    public static void sgemm(KernelContext ctx, FloatArray a, FloatArray b, FloatArray c, IntArray dims,
            IntArray offsets) {
        int m = dims.get(0);
        int n = dims.get(1);
        int k = dims.get(2);
        int aRs = dims.get(3);
        int aCs = dims.get(4);
        int bRs = dims.get(5);
        int bCs = dims.get(6);
        int cRs = dims.get(7);
        int cCs = dims.get(8);
        int accumulate = dims.get(9);
        int tilesM = (m + TILE - 1) / TILE;
        int tilesN = (n + TILE - 1) / TILE;
        int group = ctx.groupIdx;
        int batch = group / (tilesM * tilesN);
        int tile = group - batch * tilesM * tilesN;
        int tileRow = tile / tilesN;
        int tileCol = tile - tileRow * tilesN;
        int lid = ctx.localIdx;
        int ty = lid / TILE;
        int tx = lid - ty * TILE;
        int row = tileRow * TILE + ty;
        int col = tileCol * TILE + tx;
        int aOff = offsets.get(3 * batch);
        int bOff = offsets.get(3 * batch + 1);
        int cOff = offsets.get(3 * batch + 2);

        float[] aTile = ctx.allocateFloatLocalArray(TILE * TILE); // [TILE rows of A, TILE k]
        float[] bTile = ctx.allocateFloatLocalArray(TILE * TILE); // [TILE k, TILE cols of B]
        float sum = 0.0f;
        for (int p0 = 0; p0 < k; p0 += TILE) {
            int ak = p0 + tx;
            float av = 0.0f;
            if (row < m && ak < k) {
                av = a.get(aOff + row * aRs + ak * aCs);
            }
            aTile[ty * TILE + tx] = av;
            int bk = p0 + ty;
            float bv = 0.0f;
            if (bk < k && col < n) {
                bv = b.get(bOff + bk * bRs + col * bCs);
            }
            bTile[ty * TILE + tx] = bv;
            ctx.localBarrier();
            for (int q = 0; q < TILE; q++) {
                sum += aTile[ty * TILE + q] * bTile[q * TILE + tx];
            }
            ctx.localBarrier();
        }
        if (row < m && col < n) {
            int ci = cOff + row * cRs + col * cCs;
            if (accumulate != 0) {
                c.set(ci, c.get(ci) + sum);
            } else {
                c.set(ci, sum);
            }
        }
    }

    /** Work-items of the launch for a batch of [m, k]·[k, n] products. */
    public static long globalSize(int batches, int m, int n) {
        return (long) batches * ((m + TILE - 1) / TILE) * ((n + TILE - 1) / TILE) * TILE * TILE;
    }

    /** Fills {@code dims} for one launch. */
    public static void setDims(IntArray dims, int m, int n, int k, int aRs, int aCs, int bRs, int bCs, int cRs,
            int cCs, boolean accumulate) {
        int[] v = {m, n, k, aRs, aCs, bRs, bCs, cRs, cCs, accumulate ? 1 : 0};
        for (int i = 0; i < v.length; i++) {
            dims.set(i, v[i]);
        }
    }
}
