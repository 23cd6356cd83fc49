package org.mofa4j.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API sgemm: packed, register-tiled, cache-blocked and multithreaded, computing exactly the arithmetic in
 * {@link Gemm}'s class comment (bit-identical to {@link ScalarGemm} and for any thread count).
 *
 * <p>Structure (GotoBLAS/BLIS style), with L = lanes, NR = 2L, MR = 4 (AVX2) or 6 (AVX-512), KC = {@link Gemm#KC}:
 * <pre>
 *   for each column block jc of C (k·NC floats of packed B, at most B_PACK_MAX):
 *       pack B[:, jc:jc+NC] into NR-wide panels            Bp: [NC/NR][k][NR]      (parallel over panels)
 *       parallel over tasks = disjoint blocks of C (about MC rows × all or part of the panels):
 *         for each chunk of CHUNK_PANELS panels (A in place) or all the task's panels (A packed):
 *           for each k-block pc:
 *               A rows of the task: read in place when row-major (aCs = 1), else packed into
 *                                   MR-tall panels Ap: [rows/MR][KC][MR]
 *               for each B panel jp of the chunk:     // Bp[jp][pc:pc+KC]: KC·NR floats, stays in L1/L2
 *                   for each MR rows:  C[MR×NR tile] (+)= A[MR rows, pc-block] · Bp[jp][pc-block]   (micro-kernel)
 * </pre>
 * The micro-kernels ({@link VectorGemmKernels}) hold the tile in 2·MR vector registers. Edges (m % MR, n % NR)
 * use zero-padded panels and write through a small temporary tile; so does a C whose columns are not contiguous.
 * Pack buffers live in per-thread workspaces that grow on demand and are reused; the packed-B buffer of the
 * calling thread may reach {@link #B_PACK_MAX} floats (16 MiB).
 *
 * <p>Why these choices (measured with 2-vCPU AMD EPYC, AVX-512, JDK 25, on a shared machine, best of runs):
 * 1 thread reaches 85–100 GFLOP/s on 512³–1024³ (~110 on 256³), 2 threads 180–198. MR = 6 with 512-bit vectors
 * (12 accumulators of 32 registers) beat MR = 4 by ~10 %; with 16 registers (AVX2, or {@code -XX:UseAVX=2}) MR = 6
 * spills and runs at half the speed of MR = 4 (60–87 GFLOP/s). Reading row-major A in place is as fast as packing
 * it for square shapes and ~1.5× faster with few B panels (4096×768·768×64: 61 → 93 GFLOP/s), where packing A is
 * not repaid. Chunking the panels (C block kept in L2) gained a few %. KC = 128 or 192 was no faster than 256.
 * Problems under {@link #SMALL_FLOPS} run the scalar loops, faster there.
 */
final class VectorGemm {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> S = SPECIES;
    private static final int L = S.length();
    /** Micro-tile width: two vectors. */
    static final int NR = 2 * L;
    /** Micro-tile height: 6 with 512-bit vectors (AVX-512 has 32 vector registers), else 4 (16 registers). */
    static final int MR = S.vectorBitSize() >= 512 ? 6 : 4;
    /** Target rows per task (the task's A rows × KC: 128 KiB, in L2). */
    static final int MC = 128;
    /**
     * With A read in place, a task walks its panels in chunks of about 512 columns, so that its C block
     * (MC × 512 floats, 256 KiB) stays in L2 across the k-blocks instead of being re-read from L3 for each.
     */
    static final int CHUNK_PANELS = Math.max(1, 512 / NR);
    private static final int KC = Gemm.KC;
    /** Largest packed-B buffer, in floats (16 MiB); a wider B is processed in column blocks. */
    static final int B_PACK_MAX = 1 << 22;
    /** Below this many flops (2·m·n·k, about 8³) the scalar loops are faster than packing. */
    static final long SMALL_FLOPS = 1024;
    /** Below about this many flops per extra thread, threading costs more than it saves (2 threads from ~128³). */
    static final long MIN_FLOPS_PER_THREAD = 1L << 21;

    private VectorGemm() {
    }

    static int lanes() {
        return L;
    }

    static int vectorBits() {
        return S.vectorBitSize();
    }

    /** C (+)= A·B; m, n, k > 0 and views validated by {@link Gemm}. */
    static void sgemm(int m, int n, int k,
                      float[] a, int aOff, int aRs, int aCs,
                      float[] b, int bOff, int bRs, int bCs,
                      float[] c, int cOff, int cRs, int cCs,
                      boolean accumulate, int threads) {
        long flops = 2L * m * n * k;
        if (flops < SMALL_FLOPS || (long) k * NR > Integer.MAX_VALUE / 2) {   // tiny, or a panel too long to index
            ScalarGemm.rowsF(0, m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, cCs, accumulate);
            return;
        }
        int t = (int) Math.max(1, Math.min(threads, flops / MIN_FLOPS_PER_THREAD));
        new Plan(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, cCs, accumulate).run(t);
    }

    /** Per-thread pack buffers, grown on demand and kept. */
    private static final class Workspace {
        float[] a = new float[0];
        float[] b = new float[0];
        final float[] tile = new float[MR * NR];

        float[] a(int size) {
            if (a.length < size) {
                a = new float[size];
            }
            return a;
        }

        float[] b(int size) {
            if (b.length < size) {
                b = new float[size];
            }
            return b;
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** One sgemm call: the operands plus the current column block and its blocking. */
    private static final class Plan {
        final int m, n, k;
        final float[] a, b, c;
        final int aOff, aRs, aCs, bOff, bRs, bCs, cOff, cRs, cCs;
        final boolean accumulate;
        // Set per column block by run(); published to helper threads by Parallel's task hand-off.
        int jc, panels, rowPanels, mBlocks, nGroups, panelsPerGroup;
        float[] bp;   // Bp: [panels][k][NR]

        Plan(int m, int n, int k, float[] a, int aOff, int aRs, int aCs, float[] b, int bOff, int bRs, int bCs,
             float[] c, int cOff, int cRs, int cCs, boolean accumulate) {
            this.m = m;
            this.n = n;
            this.k = k;
            this.a = a;
            this.aOff = aOff;
            this.aRs = aRs;
            this.aCs = aCs;
            this.b = b;
            this.bOff = bOff;
            this.bRs = bRs;
            this.bCs = bCs;
            this.c = c;
            this.cOff = cOff;
            this.cRs = cRs;
            this.cCs = cCs;
            this.accumulate = accumulate;
        }

        void run(int threads) {
            int maxPanels = Math.max(1, B_PACK_MAX / (k * NR));
            int colBlocks = ceilDiv(ceilDiv(n, NR), maxPanels);
            int nc = ceilDiv(ceilDiv(n, colBlocks), NR) * NR;   // columns per block, a multiple of NR
            int blocks = ceilDiv(m, MC);
            if (threads > 1 && blocks % threads != 0 && m >= 4 * threads * MR) {
                blocks = ceilDiv(blocks, threads) * threads;     // whole rounds of tasks
            }
            rowPanels = ceilDiv(m, MR);
            mBlocks = Math.min(blocks, rowPanels);
            for (jc = 0; jc < n; jc += nc) {
                panels = ceilDiv(Math.min(nc, n - jc), NR);
                nGroups = 1;
                if (threads > 1 && mBlocks % threads != 0) {
                    nGroups = Math.min(panels, 2 * threads);     // few rows: split the columns too
                }
                panelsPerGroup = ceilDiv(panels, nGroups);
                nGroups = ceilDiv(panels, panelsPerGroup);
                bp = WORKSPACE.get().b(panels * k * NR);
                Parallel.forRange(panels, threads, this::packPanel);
                Parallel.forRange(mBlocks * nGroups, threads, this::computeBlock);
            }
            bp = null;
        }

        /** Packs panel jp: Bp[jp][p][q] = B[p, jc + jp·NR + q], zero beyond column n. */
        void packPanel(int jp) {
            int j0 = jc + jp * NR;
            int nr = Math.min(NR, n - j0);
            int dst = jp * k * NR;
            if (bCs == 1 && nr == NR) {
                for (int p = 0, src = bOff + j0; p < k; p++, src += bRs, dst += NR) {
                    FloatVector.fromArray(S, b, src).intoArray(bp, dst);
                    FloatVector.fromArray(S, b, src + L).intoArray(bp, dst + L);
                }
                return;
            }
            if (Math.abs(bCs) <= Math.abs(bRs)) {                // rows of B are the short stride
                for (int p = 0, src = bOff + j0 * bCs; p < k; p++, src += bRs, dst += NR) {
                    for (int q = 0; q < nr; q++) {
                        bp[dst + q] = b[src + q * bCs];
                    }
                    for (int q = nr; q < NR; q++) {
                        bp[dst + q] = 0f;
                    }
                }
            } else {                                             // columns of B are the short stride (Bᵀ stored)
                for (int q = 0; q < NR; q++) {
                    if (q < nr) {
                        for (int p = 0, src = bOff + (j0 + q) * bCs; p < k; p++, src += bRs) {
                            bp[dst + p * NR + q] = b[src];
                        }
                    } else {
                        for (int p = 0; p < k; p++) {
                            bp[dst + p * NR + q] = 0f;
                        }
                    }
                }
            }
        }

        /** Task t: C[i0:i1, panels jp0..jp1 of this column block] (+)= A[i0:i1, :]·B[:, those columns]. */
        void computeBlock(int t) {
            int ib = t / nGroups;                                // row block ib: MR-panels spread evenly
            int i0 = (int) ((long) ib * rowPanels / mBlocks) * MR;
            int i1 = Math.min(m, (int) ((long) (ib + 1) * rowPanels / mBlocks) * MR);
            int jp0 = (t % nGroups) * panelsPerGroup;
            int jp1 = Math.min(panels, jp0 + panelsPerGroup);
            // Row-major A is read in place: as fast as packed A for square shapes and ~1.5x faster for few B
            // panels (skinny n), where packing is not repaid. Only a ragged last row panel is packed then.
            boolean direct = aCs == 1;
            int chunk = direct ? CHUNK_PANELS : jp1 - jp0;      // packed A would be re-packed for every chunk
            for (int jq = jp0; jq < jp1; jq += chunk) {
                computeChunk(i0, i1, jq, Math.min(jp1, jq + chunk), direct);
            }
        }

        /** C[i0:i1, panels jp0..jp1] (+)= A[i0:i1, :]·B[:, those panels], k-block by k-block. */
        private void computeChunk(int i0, int i1, int jp0, int jp1, boolean direct) {
            int rows = i1 - i0;
            int fullRows = direct ? rows - rows % MR : 0;       // rows read in place; the rest is packed
            Workspace ws = WORKSPACE.get();
            float[] ap = ws.a(ceilDiv(rows - fullRows, MR) * MR * KC);
            float[] tile = ws.tile;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packA(i0 + fullRows, rows - fullRows, pc, kc, ap);
                boolean overwrite = pc == 0 && !accumulate;
                for (int jp = jp0; jp < jp1; jp++) {
                    int j = jc + jp * NR;
                    int nr = Math.min(NR, n - j);
                    int bo = jp * k * NR + pc * NR;              // Bp[jp][pc]
                    for (int r0 = 0; r0 < rows; r0 += MR) {
                        int i = i0 + r0;
                        int mr = Math.min(MR, i1 - i);
                        boolean inPlace = r0 < fullRows;
                        int aIdx = inPlace ? aOff + i * aRs + pc : (r0 - fullRows) * kc;   // A[i, pc] or Ap[ip]
                        if (mr == MR && nr == NR && cCs == 1) {
                            kernel(inPlace, kc, aIdx, ap, bo, c, cOff + i * cRs + j, cRs, overwrite);
                        } else {
                            kernel(inPlace, kc, aIdx, ap, bo, tile, 0, NR, true);
                            mergeTile(tile, mr, nr, cOff + i * cRs + j * cCs, overwrite);
                        }
                    }
                }
            }
        }

        /** Runs the micro-kernel for MR (a constant: C2 folds the branches) on in-place A or packed Ap. */
        private void kernel(boolean inPlace, int kc, int aIdx, float[] ap, int bo, float[] cc, int co, int ldc,
                            boolean overwrite) {
            if (MR == 6) {
                if (inPlace) {
                    VectorGemmKernels.direct6(kc, a, aIdx, aRs, bp, bo, cc, co, ldc, overwrite);
                } else {
                    VectorGemmKernels.packed6(kc, ap, aIdx, bp, bo, cc, co, ldc, overwrite);
                }
            } else {
                if (inPlace) {
                    VectorGemmKernels.direct4(kc, a, aIdx, aRs, bp, bo, cc, co, ldc, overwrite);
                } else {
                    VectorGemmKernels.packed4(kc, ap, aIdx, bp, bo, cc, co, ldc, overwrite);
                }
            }
        }

        /** Packs Ap[ip][p][r] = A[i0 + ip·MR + r, pc + p] for p &lt; kc, zero beyond row i0 + rows. */
        private void packA(int i0, int rows, int pc, int kc, float[] ap) {
            for (int r0 = 0, dst = 0; r0 < rows; r0 += MR, dst += kc * MR) {
                int mr = Math.min(MR, rows - r0);
                int src = aOff + (i0 + r0) * aRs + pc * aCs;     // A[i0 + r0, pc]
                if (Math.abs(aCs) <= Math.abs(aRs)) {            // rows of A are contiguous-ish: walk along p
                    for (int r = 0; r < mr; r++) {
                        for (int p = 0, s = src + r * aRs, d = dst + r; p < kc; p++, s += aCs, d += MR) {
                            ap[d] = a[s];
                        }
                    }
                } else {                                         // Aᵀ stored: walk down the column
                    for (int p = 0, s = src, d = dst; p < kc; p++, s += aCs, d += MR) {
                        for (int r = 0; r < mr; r++) {
                            ap[d + r] = a[s + r * aRs];
                        }
                    }
                }
                if (mr < MR) {
                    for (int p = 0, d = dst; p < kc; p++, d += MR) {
                        for (int r = mr; r < MR; r++) {
                            ap[d + r] = 0f;
                        }
                    }
                }
            }
        }

        /** C[tile at cBase] (+)= tile[0:mr, 0:nr], through C's strides. */
        private void mergeTile(float[] tile, int mr, int nr, int cBase, boolean overwrite) {
            for (int r = 0; r < mr; r++) {
                int co = cBase + r * cRs;
                for (int q = 0; q < nr; q++) {
                    int idx = co + q * cCs;
                    c[idx] = overwrite ? tile[r * NR + q] : c[idx] + tile[r * NR + q];
                }
            }
        }
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }
}
