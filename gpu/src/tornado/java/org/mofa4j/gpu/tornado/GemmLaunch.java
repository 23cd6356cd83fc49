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
    /** The three GEMM kernels. */
    public enum Kernel {
        /** {@link GemmKernel#sgemm}: 16×16 tiles, one output per work-item. */
        TILED,
        /** {@link GemmKernel#sgemmBlocked}: 64×64 tiles, 4×4 outputs per work-item. */
        BLOCKED,
        /** {@link GemmKernelWide#sgemm}: 128×128 tiles, 8×8 outputs per work-item. */
        WIDE;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static Kernel parse(String s) {
            for (Kernel k : values()) {
                if (k.label().equals(s)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("GEMM kernel must be tiled, blocked or wide, got '" + s + "'");
        }
    }

    /**
     * {@code -Dmofa4j.gpu.gemm=auto|wide|blocked|tiled} (default {@code auto}): one kernel for every product, or
     * auto: {@link Kernel#WIDE} when both m and n are at least 128 and the product has at least
     * {@link #WIDE_MIN_TILES} 128×128 output tiles (enough work-groups to fill a large GPU), {@link Kernel#BLOCKED}
     * when both are at least 64, {@link Kernel#TILED} for skinny products such as G·V [m, r], where a wide tile would
     * mostly compute padding.
     */
    static final String POLICY = System.getProperty("mofa4j.gpu.gemm", "auto");

    /** 128×128 output tiles a product needs before auto picks {@link Kernel#WIDE}. */
    static final int WIDE_MIN_TILES = 96;

    /** The kernel {@link #POLICY} picks for an [m, ·]·[·, n] product. */
    public static Kernel kernelFor(int m, int n) {
        if (!POLICY.equals("auto")) {
            return Kernel.parse(POLICY);
        }
        long wideTiles = (long) ((m + GemmKernelWide.BLOCK - 1) / GemmKernelWide.BLOCK)
                * ((n + GemmKernelWide.BLOCK - 1) / GemmKernelWide.BLOCK);
        if (m >= GemmKernelWide.BLOCK && n >= GemmKernelWide.BLOCK && wideTiles >= WIDE_MIN_TILES) {
            return Kernel.WIDE;
        }
        return m >= GemmKernel.BLOCK && n >= GemmKernel.BLOCK ? Kernel.BLOCKED : Kernel.TILED;
    }

    /** Whether {@link #POLICY} picks a register-blocked kernel (blocked or wide) for an [m, ·]·[·, n] product. */
    public static boolean blockedFor(int m, int n) {
        return kernelFor(m, n) != Kernel.TILED;
    }

    final IntArray dims = new IntArray(GemmKernel.DIMS);
    final IntArray offsets;
    private final WorkerGrid1D grid = new WorkerGrid1D(GemmKernel.TILE * GemmKernel.TILE);
    private final int maxBatches;
    private final Kernel kernel;

    /** Adds task {@code taskId} running {@link Kernel#BLOCKED} ({@code blocked}) or {@link Kernel#TILED}. */
    GemmLaunch(TaskGraph graph, String graphName, String taskId, FloatArray a, FloatArray b, FloatArray c,
            int maxBatches, GridScheduler scheduler, boolean blocked) {
        this(graph, graphName, taskId, a, b, c, maxBatches, scheduler, blocked ? Kernel.BLOCKED : Kernel.TILED);
    }

    /** Adds task {@code taskId} running the given kernel. */
    GemmLaunch(TaskGraph graph, String graphName, String taskId, FloatArray a, FloatArray b, FloatArray c,
            int maxBatches, GridScheduler scheduler, Kernel kernel) {
        this.maxBatches = maxBatches;
        this.offsets = new IntArray(3 * maxBatches);
        this.kernel = kernel;
        graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, dims, offsets);
        switch (kernel) {
            case TILED -> graph.task(taskId, GemmKernel::sgemm, new KernelContext(), a, b, c, dims, offsets);
            case BLOCKED -> graph.task(taskId, GemmKernel::sgemmBlocked, new KernelContext(), a, b, c, dims, offsets);
            case WIDE -> graph.task(taskId, GemmKernelWide::sgemm, new KernelContext(), a, b, c, dims, offsets);
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
        long global = switch (kernel) {
            case TILED -> GemmKernel.globalSize(batches, m, n);
            case BLOCKED -> GemmKernel.blockedGlobalSize(batches, m, n);
            case WIDE -> GemmKernelWide.globalSize(batches, m, n);
        };
        grid.setGlobalWork(Math.max(GemmKernel.TILE * GemmKernel.TILE, global), 1, 1);
    }

    /** Bytes of the per-execution dims/offsets upload. */
    long parameterBytes() {
        return 4L * (dims.getSize() + offsets.getSize());
    }
}
