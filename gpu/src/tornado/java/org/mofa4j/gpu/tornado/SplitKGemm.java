package org.mofa4j.gpu.tornado;

import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * C [m, n] (+)= A·B for one product whose 128×128 output tiles are too few to keep a large GPU busy (the MLP-down
 * product of GPT-2 small, 4096×768 outputs, is 192 tiles for 132 SMs): the k range is cut into s equal slices that
 * run as s batches of {@link GemmKernelWide} in one launch, slice t writing A[:, K_t]·B[K_t, :] to
 * {@code scratch[t·m·n ...]}, and a second task sums the slices into C's (strided) view:
 * <pre>
 *   P_t = A[:, t·k/s : (t+1)·k/s] · B[t·k/s : (t+1)·k/s, :]      t = 0 … s−1   (one wide launch, s batches)
 *   C  (+)= Σ_t P_t                                                           (sumSlices, one work-item per c_ij)
 * </pre>
 * The sum runs in slice order, so the result differs from the unsplit kernel only by the association of the k sum.
 */
final class SplitKGemm {
    /** Most slices; the scratch buffer holds this many m×n partial products. */
    static final int MAX_SPLITS = 4;
    /** Output tiles (128×128, times slices) that {@link #splitsFor} aims for: about two per SM of an H100. */
    static final int TARGET_TILES = 256;
    /**
     * Shortest k slice: on the H100, 1024³ in 4 slices of 256 (9.2 TFLOP/s) lost to the unsplit 64×64 kernel
     * (10.4), while 4096×3072·3072×768 in 2 slices of 1536 gained 17% over the unsplit wide kernel.
     */
    static final int MIN_SLICE = 1024;

    private final GemmLaunch partials;
    private final IntArray sumDims = new IntArray(7); // m, n, splits, cOff, cRs, cCs, accumulate
    private final WorkerGrid1D sumGrid = new WorkerGrid1D(256);
    private final int maxOutputs;

    /** Adds the two tasks {@code taskId} and {@code taskId + "Sum"}; C views of up to {@code maxOutputs} elements. */
    SplitKGemm(TaskGraph graph, String graphName, String taskId, FloatArray a, FloatArray b, FloatArray c,
            int maxOutputs, GridScheduler scheduler) {
        this.maxOutputs = maxOutputs;
        FloatArray scratch = new FloatArray(MAX_SPLITS * maxOutputs);
        partials = new GemmLaunch(graph, graphName, taskId, a, b, scratch, MAX_SPLITS, scheduler,
                GemmLaunch.Kernel.WIDE);
        graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, sumDims);
        graph.task(taskId + "Sum", SplitKGemm::sumSlices, new KernelContext(), scratch, c, sumDims);
        sumGrid.setLocalWork(256, 1, 1);
        scheduler.addWorkerGrid(graphName + "." + taskId + "Sum", sumGrid);
    }

    /**
     * The number of k slices for an [m, k]·[k, n] product: the smallest s in {2, 4} that divides k, leaves slices
     * of at least {@link #MIN_SLICE} and brings the tile count to {@link #TARGET_TILES}; 1 (do not split) when
     * none does or the product already has enough tiles.
     */
    static int splitsFor(int m, int n, int k) {
        if (m < GemmKernelWide.BLOCK || n < GemmKernelWide.BLOCK) {
            return 1;
        }
        long tiles = (long) ((m + GemmKernelWide.BLOCK - 1) / GemmKernelWide.BLOCK)
                * ((n + GemmKernelWide.BLOCK - 1) / GemmKernelWide.BLOCK);
        if (tiles >= TARGET_TILES) {
            return 1;
        }
        for (int s = 2; s <= MAX_SPLITS; s *= 2) {
            if (k % s == 0 && k / s >= MIN_SLICE && tiles * s >= TARGET_TILES) {
                return s;
            }
        }
        return 1;
    }

    /** Sets one product: views as in {@link GemmKernel} (offsets aOff, bOff, cOff), {@code splits} dividing k. */
    void set(int m, int n, int k, int splits, int aOff, int aRs, int aCs, int bOff, int bRs, int bCs, int cOff,
            int cRs, int cCs, boolean accumulate) {
        if (splits < 1 || splits > MAX_SPLITS || k % splits != 0 || (long) m * n > maxOutputs) {
            throw new IllegalArgumentException("SplitKGemm: [" + m + ", " + k + "]·[" + k + ", " + n + "] in "
                    + splits + " slices (at most " + MAX_SPLITS + ", dividing k; at most " + maxOutputs
                    + " outputs)");
        }
        int slice = k / splits;
        int[] aOffs = new int[splits];
        int[] bOffs = new int[splits];
        int[] sOffs = new int[splits];
        for (int t = 0; t < splits; t++) {
            aOffs[t] = aOff + t * slice * aCs;
            bOffs[t] = bOff + t * slice * bRs;
            sOffs[t] = t * m * n;
        }
        partials.set(splits, m, n, slice, aOffs, aRs, aCs, bOffs, bRs, bCs, sOffs, n, 1, false);
        int[] d = {m, n, splits, cOff, cRs, cCs, accumulate ? 1 : 0};
        for (int i = 0; i < d.length; i++) {
            sumDims.set(i, d[i]);
        }
        sumGrid.setGlobalWork(((long) m * n + 255) / 256 * 256, 1, 1);
    }

    /** Bytes of the per-execution parameter uploads. */
    long parameterBytes() {
        return partials.parameterBytes() + 4L * sumDims.getSize();
    }

    /** c[cOff + i·cRs + j·cCs] (+)= Σ_t scratch[t·m·n + i·n + j], one work-item per output. */
    static void sumSlices(KernelContext ctx, FloatArray scratch, FloatArray c, IntArray d) {
        int m = d.get(0);
        int n = d.get(1);
        int splits = d.get(2);
        int e = ctx.globalIdx;
        if (e < m * n) {
            int i = e / n;
            int j = e - i * n;
            float sum = 0.0f;
            for (int t = 0; t < splits; t++) {
                sum += scratch.get(t * m * n + e);
            }
            int ci = d.get(3) + i * d.get(4) + j * d.get(5);
            if (d.get(6) != 0) {
                c.set(ci, c.get(ci) + sum);
            } else {
                c.set(ci, sum);
            }
        }
    }
}
