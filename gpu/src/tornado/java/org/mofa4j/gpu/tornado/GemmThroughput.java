package org.mofa4j.gpu.tornado;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * The device GEMM's own throughput, operands resident: A [m, k] and B [k, n] are copied once, C [m, n] stays on the
 * device, and each timed execution uploads only the 52-byte dims/offsets. This is the number to hold against the
 * device's fp32 peak and cuBLAS; {@link GpuBench}'s per-call rows add the host↔device copies of an unresident call.
 *
 * <p>The result is checked after timing: 64 sampled entries of C against a float64 dot product, relative to
 * Σ|a·b| (the scale of the rounding error), so that a fast kernel that computes the wrong thing fails loudly.
 */
final class GemmThroughput {
    /** One measurement: the kernel, the shape, the best time and GFLOP/s, the worst sampled error. */
    record Result(String kernel, int m, int n, int k, double seconds, double gflops, double maxRelError) {
        String line() {
            return String.format(Locale.ROOT, "%-8s %5d x %5d x %5d  %9.3f ms  %10.1f GFLOP/s  err %.1e", kernel, m,
                    k, n, seconds * 1e3, gflops, maxRelError);
        }
    }

    /** Relative error (to Σ|a·b|) above which a sampled entry fails the check. */
    static final double TOLERANCE = 1e-5;

    /** Shapes [m, n, k]: square ones and GPT-2 small's products for 4,096 tokens (QKV, MLP up, MLP down, head). */
    static final int[][] SHAPES = {{256, 256, 256}, {1024, 1024, 1024}, {4096, 4096, 4096}, {4096, 2304, 768}, {4096, 3072, 768},
            {4096, 768, 3072}, {4096, 50257, 768}};

    private GemmThroughput() {}

    /**
     * Prints one line per shape and kernel, then one JSON line. Arguments: {@code --max-gflop G} skips shapes above
     * G GFLOP (default: none; use a small value on a CPU OpenCL device), {@code --kernel tiled|blocked|wide|all}.
     */
    public static void main(String[] args) {
        double maxGflop = Double.MAX_VALUE;
        String kernels = "all";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--max-gflop" -> maxGflop = Double.parseDouble(args[++i]);
                case "--kernel" -> kernels = args[++i];
                default -> throw new IllegalArgumentException("GemmThroughput: unknown argument '" + args[i]
                        + "' (--max-gflop G, --kernel tiled|blocked|wide|all)");
            }
        }
        TornadoDevice device = TornadoRuntime.defaultDevice();
        String name = device.getDeviceName() + " (" + device.getPlatformName() + ", "
                + device.getPhysicalDevice().getDeviceName() + ")";
        System.out.println("device: " + name);
        List<Result> results = new ArrayList<>();
        for (int[] s : SHAPES) {
            if (2.0 * s[0] * s[1] * s[2] / 1e9 > maxGflop) {
                System.out.printf(Locale.ROOT, "%dx%dx%d skipped (over --max-gflop)%n", s[0], s[2], s[1]);
                continue;
            }
            for (GemmLaunch.Kernel kernel : kernels.equals("all") ? List.of(GemmLaunch.Kernel.values())
                    : List.of(GemmLaunch.Kernel.parse(kernels))) {
                Result r = measure(device, s[0], s[1], s[2], kernel, 1.0);
                System.out.println(r.line());
                results.add(r);
            }
            int splits = SplitKGemm.splitsFor(s[0], s[1], s[2]);
            if (splits > 1 && (kernels.equals("all") || kernels.equals("wide"))) {
                Result r = measure(device, s[0], s[1], s[2], GemmLaunch.Kernel.WIDE, splits, 1.0);
                System.out.println(r.line());
                results.add(r);
            }
        }
        StringBuilder json = new StringBuilder("{\"device\":\"")
                .append(name.replace("\"", "'")).append("\",\"gemm\":[");
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            json.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"kernel\":\"%s\",\"m\":%d,\"n\":%d,\"k\":%d,\"ms\":%.4f,\"gflops\":%.1f}", r.kernel, r.m,
                    r.n, r.k, r.seconds * 1e3, r.gflops));
        }
        System.out.println(json.append("]}"));
        System.exit(0);
    }

    /**
     * Times C = A·B for one shape and kernel, repeating until
     * {@code minSeconds} have passed (at least 3 timed runs after 2 warm-ups); returns the best run.
     *
     * @throws IllegalStateException when a sampled entry of C is off by more than {@link #TOLERANCE}
     */
    static Result measure(TornadoDevice device, int m, int n, int k, GemmLaunch.Kernel kernel, double minSeconds) {
        return measure(device, m, n, k, kernel, 1, minSeconds);
    }

    /** As above; {@code splits} > 1 runs the product as {@link SplitKGemm} (wide kernel) in that many k slices. */
    static Result measure(TornadoDevice device, int m, int n, int k, GemmLaunch.Kernel kernel, int splits,
            double minSeconds) {
        Random rnd = new Random(7);
        FloatArray a = UniformData.floatArray(rnd, m * k);
        FloatArray b = UniformData.floatArray(rnd, k * n);
        FloatArray c = new FloatArray(m * n);
        String graphName = "gemmThroughput";
        TaskGraph graph = new TaskGraph(graphName).transferToDevice(DataTransferMode.FIRST_EXECUTION, a, b);
        GridScheduler scheduler = new GridScheduler();
        if (splits > 1) {
            SplitKGemm split = new SplitKGemm(graph, graphName, "mm", a, b, c, m * n, scheduler);
            split.set(m, n, k, splits, 0, k, 1, 0, n, 1, 0, n, 1, false);
        } else {
            new GemmLaunch(graph, graphName, "mm", a, b, c, 1, scheduler, kernel).set(m, n, k, k, 1, n, 1, n, 1, false);
        }
        graph.transferToHost(DataTransferMode.UNDER_DEMAND, c);
        String label = splits > 1 ? "wide/" + splits + "k" : kernel.label();
        TornadoExecutionPlan plan = new TornadoExecutionPlan(graph.snapshot());
        try {
            plan.withDevice(device).withGridScheduler(scheduler);
            plan.execute();
            plan.execute();
            double best = Double.MAX_VALUE;
            long start = System.nanoTime();
            int runs = 0;
            TornadoExecutionResult last = null;
            while (runs < 3 || (System.nanoTime() - start) / 1e9 < minSeconds) {
                long t0 = System.nanoTime();
                last = plan.execute();
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
                runs++;
            }
            last.transferToHost(c);
            double err = sampledError(a, b, c, m, n, k, rnd);
            if (err > TOLERANCE) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "device GEMM %dx%d·%dx%d (%s): sampled relative error %.2e > %.0e", m, k, k, n,
                        label, err, TOLERANCE));
            }
            return new Result(label, m, n, k, best, 2.0 * m * n * k / best / 1e9, err);
        } finally {
            Plans.close(plan);
        }
    }

    /** max over 64 random entries of |c_ij − Σ_p a_ip·b_pj| / Σ_p |a_ip·b_pj|, in float64. */
    private static double sampledError(FloatArray a, FloatArray b, FloatArray c, int m, int n, int k, Random rnd) {
        double worst = 0;
        for (int s = 0; s < 64; s++) {
            int i = rnd.nextInt(m);
            int j = rnd.nextInt(n);
            double dot = 0;
            double scale = 0;
            for (int p = 0; p < k; p++) {
                double t = (double) a.get(i * k + p) * b.get(p * n + j);
                dot += t;
                scale += Math.abs(t);
            }
            worst = Math.max(worst, Math.abs(c.get(i * n + j) - dot) / Math.max(scale, Double.MIN_NORMAL));
        }
        return worst;
    }
}
