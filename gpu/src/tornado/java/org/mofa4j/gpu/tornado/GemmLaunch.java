package org.mofa4j.gpu.tornado;

import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * One {@link GemmKernel} task inside a task graph, with its own dims/offsets arrays (uploaded at every execution,
 * 40 + 12·batches bytes) and worker grid, so that the graph is built once and each execution may run a different
 * shape or view: call {@link #set} before executing the plan.
 */
public final class GemmLaunch {
    /**
     * {@code -Dmofa4j.gpu.gemm=auto|blocked|tiled} (default {@code auto}): {@link GemmKernel#sgemmBlocked} (64×64
     * tiles, 4×4 outputs per work-item), {@link GemmKernel#sgemm} (16×16 tiles, one output per work-item), or auto:
     * blocked when both m and n are at least {@link GemmKernel#BLOCK}, tiled for skinny products such as G·V
     * [m, r], where a 64-wide tile would mostly compute padding.
     */
    static final String POLICY = System.getProperty("mofa4j.gpu.gemm", "auto");

    /** The kernel {@link #POLICY} picks for an [m, ·]·[·, n] product. */
    public static boolean blockedFor(int m, int n) {
        return switch (POLICY) {
            case "blocked" -> true;
            case "tiled" -> false;
            case "auto" -> m >= GemmKernel.BLOCK && n >= GemmKernel.BLOCK;
            default -> throw new IllegalArgumentException("mofa4j.gpu.gemm must be auto, blocked or tiled, got '"
                    + POLICY + "'");
        };
    }

    final IntArray dims = new IntArray(GemmKernel.DIMS);
    final IntArray offsets;
    private final WorkerGrid1D grid = new WorkerGrid1D(GemmKernel.TILE * GemmKernel.TILE);
    private final int maxBatches;
    private final boolean blocked;

    /** Adds task {@code taskId}, the kernel chosen explicitly ({@code blocked}: {@link GemmKernel#sgemmBlocked}). */
    GemmLaunch(TaskGraph graph, String graphName, String taskId, FloatArray a, FloatArray b, FloatArray c,
            int maxBatches, GridScheduler scheduler, boolean blocked) {
        this.maxBatches = maxBatches;
        this.offsets = new IntArray(3 * maxBatches);
        this.blocked = blocked;
        graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, dims, offsets);
        if (blocked) {
            graph.task(taskId, GemmKernel::sgemmBlocked, new KernelContext(), a, b, c, dims, offsets);
        } else {
            graph.task(taskId, GemmKernel::sgemm, new KernelContext(), a, b, c, dims, offsets);
        }
        grid.setLocalWork(GemmKernel.TILE * GemmKernel.TILE, 1, 1);
        scheduler.addWorkerGrid(graphName + "." + taskId, grid);
    }

    /** One contiguous product per launch: C [m, n] (+)= op(A)·op(B) with the given strides, offsets 0. */
    void set(int m, int n, int k, int aRs, int aCs, int bRs, int bCs, int cRs, int cCs, boolean accumulate) {
        set(1, m, n, k, new int[] {0}, aRs, aCs, new int[] {0}, bRs, bCs, new int[] {0}, cRs, cCs, accumulate);
    }

    void set(int batches, int m, int n, int k, int[] aOff, int aRs, int aCs, int[] bOff, int bRs, int bCs,
            int[] cOff, int cRs, int cCs, boolean accumulate) {
        if (batches > maxBatches) {
            throw new IllegalArgumentException("GemmLaunch: " + batches + " batches, built for " + maxBatches);
        }
        GemmKernel.setDims(dims, m, n, k, aRs, aCs, bRs, bCs, cRs, cCs, accumulate);
        for (int b = 0; b < batches; b++) {
            offsets.set(3 * b, aOff[b]);
            offsets.set(3 * b + 1, bOff[b]);
            offsets.set(3 * b + 2, cOff[b]);
        }
        long global = blocked ? GemmKernel.blockedGlobalSize(batches, m, n) : GemmKernel.globalSize(batches, m, n);
        grid.setGlobalWork(Math.max(GemmKernel.TILE * GemmKernel.TILE, global), 1, 1);
    }

    /** Bytes of the per-execution dims/offsets upload. */
    long parameterBytes() {
        return 4L * (dims.getSize() + offsets.getSize());
    }
}
