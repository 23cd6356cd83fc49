package org.mofa4j.gpu.tornado.resident;

import org.mofa4j.gpu.tornado.GemmKernel;
import org.mofa4j.gpu.tornado.GemmKernelWide;
import org.mofa4j.gpu.tornado.GemmLaunch;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.common.TaskPackage;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * A {@link GemmKernel} task of fixed shape inside the resident task graph: C [m, n] (+)= op(A)·op(B) on strided
 * views (element (i, j) of A is {@code a[aOff + i·aRs + j·aCs]}, likewise B and C). Unlike {@code GemmLaunch},
 * whose dims are re-uploaded per execution, the shape never changes here, so its dims and offsets arrays go to
 * the device with the first execution only (as the task's local arrays) and a step moves no GEMM parameters.
 */
final class FixedGemm {
    /** A view: array, offset, row stride, column stride. */
    record View(FloatArray array, int offset, int rowStride, int colStride) {}

    private FixedGemm() {}

    /** Adds task {@code taskId}: C = A·B ([m, k]·[k, n]), overwriting C. */
    static void add(Resident r, String taskId, int m, int n, int k, View a, View b, View c) {
        IntArray dims = new IntArray(GemmKernel.DIMS);
        GemmKernel.setDims(dims, m, n, k, a.rowStride(), a.colStride(), b.rowStride(), b.colStride(),
                c.rowStride(), c.colStride(), false);
        IntArray offsets = IntArray.fromElements(a.offset(), b.offset(), c.offset());
        GemmLaunch.Kernel kernel = GemmLaunch.kernelFor(m, n);
        String graphName = switch (kernel) {
            case TILED -> r.task(TaskPackage.createPackage(taskId, GemmKernel::sgemm, new KernelContext(), a.array(),
                    b.array(), c.array(), dims, offsets), dims, offsets);
            case BLOCKED -> r.task(TaskPackage.createPackage(taskId, GemmKernel::sgemmBlocked, new KernelContext(),
                    a.array(), b.array(), c.array(), dims, offsets), dims, offsets);
            case WIDE -> r.task(TaskPackage.createPackage(taskId, GemmKernelWide::sgemm, new KernelContext(),
                    a.array(), b.array(), c.array(), dims, offsets), dims, offsets);
        };
        long global = switch (kernel) {
            case TILED -> GemmKernel.globalSize(1, m, n);
            case BLOCKED -> GemmKernel.blockedGlobalSize(1, m, n);
            case WIDE -> GemmKernelWide.globalSize(1, m, n);
        };
        WorkerGrid1D grid = new WorkerGrid1D(GemmKernel.TILE * GemmKernel.TILE);
        grid.setGlobalWork(Math.max(GemmKernel.TILE * GemmKernel.TILE, global), 1, 1);
        grid.setLocalWork(GemmKernel.TILE * GemmKernel.TILE, 1, 1);
        GridScheduler scheduler = r.scheduler();
        scheduler.addWorkerGrid(graphName + "." + taskId, grid);
    }
}
