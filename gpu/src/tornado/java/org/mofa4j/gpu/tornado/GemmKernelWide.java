package org.mofa4j.gpu.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The wide register-blocked GEMM for large products: a work-group of 16×16 = 256 work-items computes a 128×128 tile
 * of C, each work-item an 8×8 grid of outputs (rows ty + 16·i, columns tx + 16·j) in 64 registers, so that one
 * k-step does 64 multiply-adds per 16 local-memory loads (the 64×64 {@link GemmKernel#sgemmBlocked} does 16 per 8).
 * Per k-stage of {@link #DEPTH} the group stages a 128×16 slice of A (stored k-major, rows padded to
 * {@link #A_STRIDE} so that the transposing store hits 32 distinct banks) and a 16×128 slice of B in local memory,
 * 8 values of each per work-item; those values for the next stage are loaded into registers while the current
 * stage computes, so global-memory latency overlaps the multiply-adds. Same arguments, dims/offsets layout and views as {@link GemmKernel#sgemm}; grid:
 * 1-D, {@code global = batches·⌈m/128⌉·⌈n/128⌉·256}, {@code local = 256} ({@link #globalSize}).
 *
 * <p>The accumulators are 64 named locals rather than an array: TornadoVM maps them to registers without relying on
 * the device compiler to unroll and scalarise a private array.
 */
public final class GemmKernelWide {
    /** Output tile edge: 128×128 per work-group. */
    public static final int BLOCK = 128;
    /** k-depth of one local-memory stage. */
    public static final int DEPTH = 16;
    /** Row stride of the k-major A slice in local memory: 128 + 2, so the transposing store is conflict-free. */
    public static final int A_STRIDE = BLOCK + 2;

    private GemmKernelWide() {}

    /** The kernel; see the class comment. */
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
        int tilesM = (m + BLOCK - 1) / BLOCK;
        int tilesN = (n + BLOCK - 1) / BLOCK;
        int group = ctx.groupIdx;
        int batch = group / (tilesM * tilesN);
        int tile = group - batch * tilesM * tilesN;
        int row0 = (tile / tilesN) * BLOCK;
        int col0 = (tile - (tile / tilesN) * tilesN) * BLOCK;
        int lid = ctx.localIdx;
        int ty = lid / 16;
        int tx = lid - ty * 16;
        int aOff = offsets.get(3 * batch);
        int bOff = offsets.get(3 * batch + 1);
        int cOff = offsets.get(3 * batch + 2);

        float[] aTile = ctx.allocateFloatLocalArray(DEPTH * A_STRIDE); // [16 k][128 rows (+2 pad)]
        float[] bTile = ctx.allocateFloatLocalArray(DEPTH * BLOCK);    // [16 k][128 cols]
        float c00 = 0.0f, c01 = 0.0f, c02 = 0.0f, c03 = 0.0f, c04 = 0.0f, c05 = 0.0f, c06 = 0.0f, c07 = 0.0f;
        float c10 = 0.0f, c11 = 0.0f, c12 = 0.0f, c13 = 0.0f, c14 = 0.0f, c15 = 0.0f, c16 = 0.0f, c17 = 0.0f;
        float c20 = 0.0f, c21 = 0.0f, c22 = 0.0f, c23 = 0.0f, c24 = 0.0f, c25 = 0.0f, c26 = 0.0f, c27 = 0.0f;
        float c30 = 0.0f, c31 = 0.0f, c32 = 0.0f, c33 = 0.0f, c34 = 0.0f, c35 = 0.0f, c36 = 0.0f, c37 = 0.0f;
        float c40 = 0.0f, c41 = 0.0f, c42 = 0.0f, c43 = 0.0f, c44 = 0.0f, c45 = 0.0f, c46 = 0.0f, c47 = 0.0f;
        float c50 = 0.0f, c51 = 0.0f, c52 = 0.0f, c53 = 0.0f, c54 = 0.0f, c55 = 0.0f, c56 = 0.0f, c57 = 0.0f;
        float c60 = 0.0f, c61 = 0.0f, c62 = 0.0f, c63 = 0.0f, c64 = 0.0f, c65 = 0.0f, c66 = 0.0f, c67 = 0.0f;
        float c70 = 0.0f, c71 = 0.0f, c72 = 0.0f, c73 = 0.0f, c74 = 0.0f, c75 = 0.0f, c76 = 0.0f, c77 = 0.0f;
        // This work-item's share of a stage: A rows aRow + 16·l at depth aK, B rows bK + 2·l at column bCol.
        int aRow = lid / DEPTH;
        int aK = lid - aRow * DEPTH;
        int bK = lid / BLOCK;
        int bCol = lid - bK * BLOCK;
        float pa0 = 0.0f, pb0 = 0.0f;
        float pa1 = 0.0f, pb1 = 0.0f;
        float pa2 = 0.0f, pb2 = 0.0f;
        float pa3 = 0.0f, pb3 = 0.0f;
        float pa4 = 0.0f, pb4 = 0.0f;
        float pa5 = 0.0f, pb5 = 0.0f;
        float pa6 = 0.0f, pb6 = 0.0f;
        float pa7 = 0.0f, pb7 = 0.0f;
        int p = 0;
        pa0 = loadA(a, aOff, aRs, aCs, m, k, row0 + aRow + 0, p + aK);
        pb0 = loadB(b, bOff, bRs, bCs, n, k, p + bK + 0, col0 + bCol);
        pa1 = loadA(a, aOff, aRs, aCs, m, k, row0 + aRow + 16, p + aK);
        pb1 = loadB(b, bOff, bRs, bCs, n, k, p + bK + 2, col0 + bCol);
        pa2 = loadA(a, aOff, aRs, aCs, m, k, row0 + aRow + 32, p + aK);
        pb2 = loadB(b, bOff, bRs, bCs, n, k, p + bK + 4, col0 + bCol);
        pa3 = loadA(a, aOff, aRs, aCs, m, k, row0 + aRow + 48, p + aK);
        pb3 = loadB(b, bOff, bRs, bCs, n, k, p + bK + 6, col0 + bCol);
        pa4 = loadA(a, aOff, aRs, aCs, m, k, row0 + aRow + 64, p + aK);
        pb4 = loadB(b, bOff, bRs, bCs, n, k, p + bK + 8, col0 + bCol);
        pa5 = loadA(a, aOff, aRs, aCs, m, k, row0 + aRow + 80, p + aK);
        pb5 = loadB(b, bOff, bRs, bCs, n, k, p + bK + 10, col0 + bCol);
        pa6 = loadA(a, aOff, aRs, aCs, m, k, row0 + aRow + 96, p + aK);
        pb6 = loadB(b, bOff, bRs, bCs, n, k, p + bK + 12, col0 + bCol);
        pa7 = loadA(a, aOff, aRs, aCs, m, k, row0 + aRow + 112, p + aK);
        pb7 = loadB(b, bOff, bRs, bCs, n, k, p + bK + 14, col0 + bCol);
        for (int p0 = 0; p0 < k; p0 += DEPTH) {
            aTile[aK * A_STRIDE + aRow + 0] = pa0;
            bTile[(bK + 0) * BLOCK + bCol] = pb0;
            aTile[aK * A_STRIDE + aRow + 16] = pa1;
            bTile[(bK + 2) * BLOCK + bCol] = pb1;
            aTile[aK * A_STRIDE + aRow + 32] = pa2;
            bTile[(bK + 4) * BLOCK + bCol] = pb2;
            aTile[aK * A_STRIDE + aRow + 48] = pa3;
            bTile[(bK + 6) * BLOCK + bCol] = pb3;
            aTile[aK * A_STRIDE + aRow + 64] = pa4;
            bTile[(bK + 8) * BLOCK + bCol] = pb4;
            aTile[aK * A_STRIDE + aRow + 80] = pa5;
            bTile[(bK + 10) * BLOCK + bCol] = pb5;
            aTile[aK * A_STRIDE + aRow + 96] = pa6;
            bTile[(bK + 12) * BLOCK + bCol] = pb6;
            aTile[aK * A_STRIDE + aRow + 112] = pa7;
            bTile[(bK + 14) * BLOCK + bCol] = pb7;
            ctx.localBarrier();
            p = p0 + DEPTH;
            if (p < k) { // the next stage's global loads, in flight while this stage computes
                pa0 = loadA(a, aOff, aRs, aCs, m, k, row0 + aRow + 0, p + aK);
                pb0 = loadB(b, bOff, bRs, bCs, n, k, p + bK + 0, col0 + bCol);
                pa1 = loadA(a, aOff, aRs, aCs, m, k, row0 + aRow + 16, p + aK);
                pb1 = loadB(b, bOff, bRs, bCs, n, k, p + bK + 2, col0 + bCol);
                pa2 = loadA(a, aOff, aRs, aCs, m, k, row0 + aRow + 32, p + aK);
                pb2 = loadB(b, bOff, bRs, bCs, n, k, p + bK + 4, col0 + bCol);
                pa3 = loadA(a, aOff, aRs, aCs, m, k, row0 + aRow + 48, p + aK);
                pb3 = loadB(b, bOff, bRs, bCs, n, k, p + bK + 6, col0 + bCol);
                pa4 = loadA(a, aOff, aRs, aCs, m, k, row0 + aRow + 64, p + aK);
                pb4 = loadB(b, bOff, bRs, bCs, n, k, p + bK + 8, col0 + bCol);
                pa5 = loadA(a, aOff, aRs, aCs, m, k, row0 + aRow + 80, p + aK);
                pb5 = loadB(b, bOff, bRs, bCs, n, k, p + bK + 10, col0 + bCol);
                pa6 = loadA(a, aOff, aRs, aCs, m, k, row0 + aRow + 96, p + aK);
                pb6 = loadB(b, bOff, bRs, bCs, n, k, p + bK + 12, col0 + bCol);
                pa7 = loadA(a, aOff, aRs, aCs, m, k, row0 + aRow + 112, p + aK);
                pb7 = loadB(b, bOff, bRs, bCs, n, k, p + bK + 14, col0 + bCol);
            }
            for (int q = 0; q < DEPTH; q++) {
                int aBase = q * A_STRIDE + ty;
                int bBase = q * BLOCK + tx;
                float a0 = aTile[aBase + 0];
                float a1 = aTile[aBase + 16];
                float a2 = aTile[aBase + 32];
                float a3 = aTile[aBase + 48];
                float a4 = aTile[aBase + 64];
                float a5 = aTile[aBase + 80];
                float a6 = aTile[aBase + 96];
                float a7 = aTile[aBase + 112];
                float b0 = bTile[bBase + 0];
                float b1 = bTile[bBase + 16];
                float b2 = bTile[bBase + 32];
                float b3 = bTile[bBase + 48];
                float b4 = bTile[bBase + 64];
                float b5 = bTile[bBase + 80];
                float b6 = bTile[bBase + 96];
                float b7 = bTile[bBase + 112];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3; c04 += a0 * b4; c05 += a0 * b5; c06 += a0 * b6; c07 += a0 * b7;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3; c14 += a1 * b4; c15 += a1 * b5; c16 += a1 * b6; c17 += a1 * b7;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3; c24 += a2 * b4; c25 += a2 * b5; c26 += a2 * b6; c27 += a2 * b7;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3; c34 += a3 * b4; c35 += a3 * b5; c36 += a3 * b6; c37 += a3 * b7;
                c40 += a4 * b0; c41 += a4 * b1; c42 += a4 * b2; c43 += a4 * b3; c44 += a4 * b4; c45 += a4 * b5; c46 += a4 * b6; c47 += a4 * b7;
                c50 += a5 * b0; c51 += a5 * b1; c52 += a5 * b2; c53 += a5 * b3; c54 += a5 * b4; c55 += a5 * b5; c56 += a5 * b6; c57 += a5 * b7;
                c60 += a6 * b0; c61 += a6 * b1; c62 += a6 * b2; c63 += a6 * b3; c64 += a6 * b4; c65 += a6 * b5; c66 += a6 * b6; c67 += a6 * b7;
                c70 += a7 * b0; c71 += a7 * b1; c72 += a7 * b2; c73 += a7 * b3; c74 += a7 * b4; c75 += a7 * b5; c76 += a7 * b6; c77 += a7 * b7;
            }
            ctx.localBarrier();
        }
        int r = row0 + ty;
        int cc = col0 + tx;
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 0, cc + 0, c00);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 0, cc + 16, c01);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 0, cc + 32, c02);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 0, cc + 48, c03);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 0, cc + 64, c04);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 0, cc + 80, c05);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 0, cc + 96, c06);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 0, cc + 112, c07);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 16, cc + 0, c10);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 16, cc + 16, c11);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 16, cc + 32, c12);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 16, cc + 48, c13);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 16, cc + 64, c14);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 16, cc + 80, c15);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 16, cc + 96, c16);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 16, cc + 112, c17);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 32, cc + 0, c20);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 32, cc + 16, c21);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 32, cc + 32, c22);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 32, cc + 48, c23);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 32, cc + 64, c24);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 32, cc + 80, c25);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 32, cc + 96, c26);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 32, cc + 112, c27);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 48, cc + 0, c30);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 48, cc + 16, c31);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 48, cc + 32, c32);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 48, cc + 48, c33);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 48, cc + 64, c34);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 48, cc + 80, c35);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 48, cc + 96, c36);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 48, cc + 112, c37);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 64, cc + 0, c40);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 64, cc + 16, c41);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 64, cc + 32, c42);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 64, cc + 48, c43);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 64, cc + 64, c44);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 64, cc + 80, c45);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 64, cc + 96, c46);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 64, cc + 112, c47);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 80, cc + 0, c50);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 80, cc + 16, c51);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 80, cc + 32, c52);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 80, cc + 48, c53);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 80, cc + 64, c54);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 80, cc + 80, c55);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 80, cc + 96, c56);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 80, cc + 112, c57);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 96, cc + 0, c60);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 96, cc + 16, c61);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 96, cc + 32, c62);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 96, cc + 48, c63);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 96, cc + 64, c64);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 96, cc + 80, c65);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 96, cc + 96, c66);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 96, cc + 112, c67);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 112, cc + 0, c70);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 112, cc + 16, c71);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 112, cc + 32, c72);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 112, cc + 48, c73);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 112, cc + 64, c74);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 112, cc + 80, c75);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 112, cc + 96, c76);
        GemmKernel.store(c, cOff, cRs, cCs, m, n, accumulate, r + 112, cc + 112, c77);
    }

    private static float loadA(FloatArray a, int aOff, int aRs, int aCs, int m, int k, int row, int kk) {
        float v = 0.0f;
        if (row < m && kk < k) {
            v = a.get(aOff + row * aRs + kk * aCs);
        }
        return v;
    }

    private static float loadB(FloatArray b, int bOff, int bRs, int bCs, int n, int k, int kk, int col) {
        float v = 0.0f;
        if (kk < k && col < n) {
            v = b.get(bOff + kk * bRs + col * bCs);
        }
        return v;
    }

    /** Work-items of a launch for a batch of [m, ·]·[·, n] products. */
    public static long globalSize(int batches, int m, int n) {
        return (long) batches * ((m + BLOCK - 1) / BLOCK) * ((n + BLOCK - 1) / BLOCK) * 256;
    }
}
