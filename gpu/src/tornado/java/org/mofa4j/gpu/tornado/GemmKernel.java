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

    /** Output tile edge of {@link #sgemmBlocked}: 64×64 per work-group of 16×16 work-items, 4×4 outputs each. */
    public static final int BLOCK = 64;
    /** k-depth of one local-memory stage of {@link #sgemmBlocked}. */
    public static final int BLOCK_K = 16;

    /**
     * The register-blocked variant: a work-group of TILE² = 256 work-items computes a 64×64 tile of C, each
     * work-item a 4×4 grid of outputs (rows ty + 16·i, columns tx + 16·j, so neighbours read neighbouring local
     * memory) held in 16 registers; per k-stage the group stages a 64×16 slice of A and a 16×64 slice of B in local
     * memory (4 loads each per work-item). 16 multiply-adds per 2 local loads instead of 1 per 2, which is what makes
     * a GPU GEMM compute-bound. Same arguments and dims/offsets layout as {@link #sgemm}; grid: 1-D,
     * {@code global = batches·⌈m/64⌉·⌈n/64⌉·256}, {@code local = 256} ({@link #blockedGlobalSize}).
     */
    public static void sgemmBlocked(KernelContext ctx, FloatArray a, FloatArray b, FloatArray c, IntArray dims,
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
        int tilesM = (m + BLOCK - 1) / BLOCK;
        int tilesN = (n + BLOCK - 1) / BLOCK;
        int group = ctx.groupIdx;
        int batch = group / (tilesM * tilesN);
        int tile = group - batch * tilesM * tilesN;
        int row0 = (tile / tilesN) * BLOCK;
        int col0 = (tile - (tile / tilesN) * tilesN) * BLOCK;
        int lid = ctx.localIdx;
        int ty = lid / TILE;
        int tx = lid - ty * TILE;
        int aOff = offsets.get(3 * batch);
        int bOff = offsets.get(3 * batch + 1);
        int cOff = offsets.get(3 * batch + 2);

        float[] aTile = ctx.allocateFloatLocalArray(BLOCK * BLOCK_K); // [64 rows][16 k]
        float[] bTile = ctx.allocateFloatLocalArray(BLOCK_K * BLOCK); // [16 k][64 cols]
        float c00 = 0.0f, c01 = 0.0f, c02 = 0.0f, c03 = 0.0f;
        float c10 = 0.0f, c11 = 0.0f, c12 = 0.0f, c13 = 0.0f;
        float c20 = 0.0f, c21 = 0.0f, c22 = 0.0f, c23 = 0.0f;
        float c30 = 0.0f, c31 = 0.0f, c32 = 0.0f, c33 = 0.0f;
        for (int p0 = 0; p0 < k; p0 += BLOCK_K) {
            for (int l = 0; l < 4; l++) {
                int e = lid + l * TILE * TILE;        // 0..1023
                int ar = e / BLOCK_K;                 // A slice: row 0..63, k 0..15
                int ak = e - ar * BLOCK_K;
                float av = 0.0f;
                if (row0 + ar < m && p0 + ak < k) {
                    av = a.get(aOff + (row0 + ar) * aRs + (p0 + ak) * aCs);
                }
                aTile[e] = av;
                int bk = e / BLOCK;                   // B slice: k 0..15, column 0..63
                int bc = e - bk * BLOCK;
                float bv = 0.0f;
                if (p0 + bk < k && col0 + bc < n) {
                    bv = b.get(bOff + (p0 + bk) * bRs + (col0 + bc) * bCs);
                }
                bTile[e] = bv;
            }
            ctx.localBarrier();
            for (int q = 0; q < BLOCK_K; q++) {
                float a0 = aTile[ty * BLOCK_K + q];
                float a1 = aTile[(ty + 16) * BLOCK_K + q];
                float a2 = aTile[(ty + 32) * BLOCK_K + q];
                float a3 = aTile[(ty + 48) * BLOCK_K + q];
                float b0 = bTile[q * BLOCK + tx];
                float b1 = bTile[q * BLOCK + tx + 16];
                float b2 = bTile[q * BLOCK + tx + 32];
                float b3 = bTile[q * BLOCK + tx + 48];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            ctx.localBarrier();
        }
        int r = row0 + ty;
        int cc = col0 + tx;
        store(c, cOff, cRs, cCs, m, n, accumulate, r, cc, c00);
        store(c, cOff, cRs, cCs, m, n, accumulate, r, cc + 16, c01);
        store(c, cOff, cRs, cCs, m, n, accumulate, r, cc + 32, c02);
        store(c, cOff, cRs, cCs, m, n, accumulate, r, cc + 48, c03);
        store(c, cOff, cRs, cCs, m, n, accumulate, r + 16, cc, c10);
        store(c, cOff, cRs, cCs, m, n, accumulate, r + 16, cc + 16, c11);
        store(c, cOff, cRs, cCs, m, n, accumulate, r + 16, cc + 32, c12);
        store(c, cOff, cRs, cCs, m, n, accumulate, r + 16, cc + 48, c13);
        store(c, cOff, cRs, cCs, m, n, accumulate, r + 32, cc, c20);
        store(c, cOff, cRs, cCs, m, n, accumulate, r + 32, cc + 16, c21);
        store(c, cOff, cRs, cCs, m, n, accumulate, r + 32, cc + 32, c22);
        store(c, cOff, cRs, cCs, m, n, accumulate, r + 32, cc + 48, c23);
        store(c, cOff, cRs, cCs, m, n, accumulate, r + 48, cc, c30);
        store(c, cOff, cRs, cCs, m, n, accumulate, r + 48, cc + 16, c31);
        store(c, cOff, cRs, cCs, m, n, accumulate, r + 48, cc + 32, c32);
        store(c, cOff, cRs, cCs, m, n, accumulate, r + 48, cc + 48, c33);
    }

    /** c[cOff + row·cRs + col·cCs] (+)= v when (row, col) is inside [m, n]; shared by the GEMM kernels. */
    static void store(FloatArray c, int cOff, int cRs, int cCs, int m, int n, int accumulate, int row,
            int col, float v) {
        if (row < m && col < n) {
            int ci = cOff + row * cRs + col * cCs;
            if (accumulate != 0) {
                c.set(ci, c.get(ci) + v);
            } else {
                c.set(ci, v);
            }
        }
    }

    /** Work-items of a {@link #sgemmBlocked} launch. */
    public static long blockedGlobalSize(int batches, int m, int n) {
        return (long) batches * ((m + BLOCK - 1) / BLOCK) * ((n + BLOCK - 1) / BLOCK) * TILE * TILE;
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
