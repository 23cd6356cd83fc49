package org.mofa4j.gpu.tornado;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.mofa4j.tensor.backend.Backend;
import org.mofa4j.tensor.backend.BackendUnavailableException;
import org.mofa4j.tensor.backend.GemmBatch;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * The {@code gpu} device through TornadoVM: the tensor engine's fp32 products ({@link GemmBatch}) run as
 * {@link GemmKernel} or {@link GemmKernelWide} (wide, blocked or tiled per product, {@code -Dmofa4j.gpu.gemm},
 * see {@link GemmLaunch}) on
 * TornadoVM's default device.
 *
 * <p>Each call copies the host arrays the views address into device-visible {@link FloatArray}s, uploads
 * them (C only when accumulating or partly addressed), runs one launch for the whole batch and copies C back; {@link #bytesMoved()} counts every byte of it. A task
 * graph and execution plan is built once per (|a|, |b|, |c|, batches) and reused (a training step repeats the same
 * few shapes); least recently used plans are closed when their buffers pass {@code -Dmofa4j.gpu.planCacheMiB}
 * (default 1024). This path is <b>not</b> device-resident: the tensor engine's arrays live on the host, so operands
 * move at each call; {@link DeviceMoFaSgd} and {@link DeviceAdamW} are the resident paths.
 *
 * <p>{@code -Dmofa4j.gpu.minMacs=N} (default 1): products with fewer multiply-adds stay on the CPU (logged per call
 * with {@code -Dmofa4j.log.device=true}).
 */
public final class TornadoBackend implements Backend {
    /** Host + device bytes the cached plans may hold ({@code -Dmofa4j.gpu.planCacheMiB}, default 1024). */
    private static final long PLAN_CACHE_BYTES = Long.getLong("mofa4j.gpu.planCacheMiB", 1024L) << 20;

    private final TornadoDevice device;
    private final String description;
    private final long minMacs = Long.getLong("mofa4j.gpu.minMacs", 1L);
    private final AtomicLong moved = new AtomicLong();
    private final Map<String, Plan> plans = new LinkedHashMap<>(16, 0.75f, true);
    private long planBytes;
    private int plansBuilt; // graph names stay unique across evictions

    private final GemmLaunch.Kernel kernel; // null: per product, GemmLaunch.kernelFor

    private TornadoBackend(TornadoDevice device, GemmLaunch.Kernel kernel) {
        this.device = device;
        this.kernel = kernel;
        this.description = "TornadoVM " + device.getTornadoVMBackend() + ": " + device.getDeviceName() + " ("
                + device.getPlatformName() + "), " + (kernel == null ? GemmLaunch.POLICY : kernel.label())
                + " GEMM";
    }

    /**
     * Starts TornadoVM and picks its default device.
     *
     * @throws BackendUnavailableException when the JVM was started without TornadoVM's runtime (no
     *                                     {@code @tornado-argfile}) or the runtime finds no device
     */
    public static TornadoBackend open() {
        GemmLaunch.kernelFor(1, 1); // validates -Dmofa4j.gpu.gemm
        return new TornadoBackend(TornadoRuntime.defaultDevice(), null);
    }

    /** As {@link #open()}, with one GEMM kernel for every product: {@code blocked} or the 16×16 {@code tiled}. */
    public static TornadoBackend open(boolean blocked) {
        return open(blocked ? GemmLaunch.Kernel.BLOCKED : GemmLaunch.Kernel.TILED);
    }

    /** As {@link #open()}, with the given GEMM kernel for every product. */
    static TornadoBackend open(GemmLaunch.Kernel kernel) {
        return new TornadoBackend(TornadoRuntime.defaultDevice(), kernel);
    }

    @Override
    public String device() {
        return "gpu";
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public boolean accepts(int batches, int m, int n, int k) {
        return (long) batches * m * n * k >= minMacs;
    }

    @Override
    public synchronized void sgemm(GemmBatch g) {
        if (g.batches() == 0 || g.m() == 0 || g.n() == 0) {
            return;
        }
        // C's old values matter only when accumulating or when the views leave some of c untouched (the views
        // address distinct elements, so batches·m·n == |c| means they cover all of it).
        boolean uploadC = g.accumulate() || (long) g.batches() * g.m() * g.n() != g.c().length;
        GemmLaunch.Kernel use = kernel != null ? kernel : GemmLaunch.kernelFor(g.m(), g.n());
        int splits = kernel == null && g.batches() == 1 ? SplitKGemm.splitsFor(g.m(), g.n(), g.k()) : 1;
        Plan p = plan(g.a().length, g.b().length, g.c().length, g.batches(), uploadC, use, splits);
        copyIn(g.a(), p.a);
        copyIn(g.b(), p.b);
        if (uploadC) {
            copyIn(g.c(), p.c);
        }
        if (p.split != null) {
            p.split.set(g.m(), g.n(), g.k(), splits, g.aOff()[0], g.aRs(), g.aCs(), g.bOff()[0], g.bRs(), g.bCs(),
                    g.cOff()[0], g.cRs(), g.cCs(), g.accumulate());
        } else {
            p.gemm.set(g.batches(), g.m(), g.n(), g.k(), g.aOff(), g.aRs(), g.aCs(), g.bOff(), g.bRs(), g.bCs(),
                    g.cOff(), g.cRs(), g.cCs(), g.accumulate());
        }
        p.plan.withGridScheduler(p.scheduler).execute();
        MemorySegment.copy(p.c.getSegment(), ValueLayout.JAVA_FLOAT, 0, g.c(), 0, g.c().length);
        moved.addAndGet(4L * (g.a().length + g.b().length + (uploadC ? 2L : 1L) * g.c().length)
                + (p.split != null ? p.split.parameterBytes() : p.gemm.parameterBytes()));
    }

    @Override
    public long bytesMoved() {
        return moved.get();
    }

    private static void copyIn(float[] src, FloatArray dst) {
        MemorySegment.copy(src, 0, dst.getSegment(), ValueLayout.JAVA_FLOAT, 0, src.length);
    }

    private Plan plan(int la, int lb, int lc, int batches, boolean uploadC, GemmLaunch.Kernel kernel, int splits) {
        String key = la + "," + lb + "," + lc + "," + batches + "," + uploadC + "," + kernel + "," + splits;
        Plan p = plans.get(key);
        if (p == null) {
            long bytes = 4L * ((long) la + lb + lc) + (splits > 1 ? 4L * SplitKGemm.MAX_SPLITS * lc : 0);
            while (!plans.isEmpty() && planBytes + bytes > PLAN_CACHE_BYTES) {
                var eldest = plans.entrySet().iterator().next();
                eldest.getValue().close();
                planBytes -= eldest.getValue().bytes;
                plans.remove(eldest.getKey());
            }
            p = new Plan("mm" + (plansBuilt++), la, lb, lc, batches, uploadC, kernel, splits, device);
            plans.put(key, p);
            planBytes += p.bytes;
        }
        return p;
    }

    /** One graph: upload a, b, (c), dims, offsets; run the GEMM; download c. */
    private static final class Plan {
        final FloatArray a;
        final FloatArray b;
        final FloatArray c;
        final GemmLaunch gemm;  // null when split
        final SplitKGemm split; // null unless the product is cut into k slices
        final GridScheduler scheduler = new GridScheduler();
        final TornadoExecutionPlan plan;
        final long bytes;

        Plan(String name, int la, int lb, int lc, int batches, boolean uploadC, GemmLaunch.Kernel kernel,
                int splits, TornadoDevice device) {
            a = new FloatArray(la);
            b = new FloatArray(lb);
            c = new FloatArray(lc);
            bytes = 4L * ((long) la + lb + lc) + (splits > 1 ? 4L * SplitKGemm.MAX_SPLITS * lc : 0);
            TaskGraph graph = new TaskGraph(name).transferToDevice(DataTransferMode.EVERY_EXECUTION, a, b);
            if (uploadC) {
                graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, c);
            }
            if (splits > 1) {
                split = new SplitKGemm(graph, name, "sgemm", a, b, c, lc, scheduler);
                gemm = null;
            } else {
                gemm = new GemmLaunch(graph, name, "sgemm", a, b, c, batches, scheduler, kernel);
                split = null;
            }
            graph.transferToHost(DataTransferMode.EVERY_EXECUTION, c);
            plan = new TornadoExecutionPlan(graph.snapshot()).withDevice(device);
        }

        void close() {
            Plans.close(plan);
        }
    }
}
