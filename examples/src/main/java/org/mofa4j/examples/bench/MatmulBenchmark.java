package org.mofa4j.examples.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.ejml.concurrency.EjmlConcurrency;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.ejml.dense.row.CommonOps_MT_FDRM;
import org.mofa4j.tensor.kernels.Gemm;
import org.mofa4j.tensor.kernels.KernelMode;
import org.mofa4j.tensor.kernels.KernelMode.Mode;

/**
 * fp32 matmul throughput, {@code C[m×n] = A[m×k]·B[k×n]} on row-major arrays, GFLOP/s = 2·m·n·k / time / 10⁹:
 * mofa4j's vector sgemm on 1 and N threads, its scalar twin on 1 thread, EJML {@code CommonOps_FDRM.mult} on one
 * thread and {@code CommonOps_MT_FDRM.mult} on N. Every case warms up, then repeats for a time budget; the table
 * gives the minimum and median time. A final line {@code JSON {...}} holds every number for scripts.
 *
 * <p>Usage: {@code MatmulBenchmark [--quick] [--shapes 1024,4096x768x64] [--threads N] [--no-slow]}, where a shape
 * is {@code m x k x n} (or one number for a cube) and {@code --no-slow} skips the scalar and EJML rows.
 */
public final class MatmulBenchmark {

    /** A problem C[m×n] = A[m×k]·B[k×n]; its name is {@code m x k x n}. */
    public record Shape(int m, int k, int n) {
        public String name() {
            return m + "x" + k + "x" + n;
        }

        double flops() {
            return 2.0 * m * n * k;
        }

        /** Parses {@code 1024} (a cube) or {@code 4096x768x64}. */
        static Shape parse(String s) {
            String[] p = s.trim().toLowerCase(Locale.ROOT).split("x");
            try {
                if (p.length == 1) {
                    int d = Integer.parseInt(p[0]);
                    return new Shape(d, d, d);
                }
                if (p.length == 3) {
                    return new Shape(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
                }
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
            throw new IllegalArgumentException("MatmulBenchmark: shape must be N or MxKxN, got '" + s + "'");
        }
    }

    /** The default shapes: two cubes, a skinny low-rank projection and a GPT-2 MLP-sized product. */
    public static final List<Shape> DEFAULT_SHAPES = List.of(
            new Shape(512, 512, 512), new Shape(1024, 1024, 1024),
            new Shape(4096, 768, 64), new Shape(768, 3072, 768));

    /** Run options; {@link #parse(String[])} reads them from the command line. */
    public record Options(List<Shape> shapes, int threads, boolean quick, boolean slowRows) {
        static Options parse(String[] args) {
            List<Shape> shapes = DEFAULT_SHAPES;
            int threads = 2;
            boolean quick = false, slow = true;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> quick = true;
                    case "--no-slow" -> slow = false;
                    case "--threads" -> threads = Integer.parseInt(value(args, ++i));
                    case "--shapes" -> shapes = java.util.Arrays.stream(value(args, ++i).split(","))
                            .map(Shape::parse).toList();
                    default -> throw new IllegalArgumentException("MatmulBenchmark: unknown argument '" + args[i]
                            + "'; use --quick, --no-slow, --threads N, --shapes 1024,4096x768x64");
                }
            }
            if (threads < 1) {
                throw new IllegalArgumentException("MatmulBenchmark: --threads must be >= 1, got " + threads);
            }
            return new Options(shapes, threads, quick, slow);
        }

        private static String value(String[] args, int i) {
            if (i >= args.length) {
                throw new IllegalArgumentException("MatmulBenchmark: " + args[i - 1] + " needs a value");
            }
            return args[i];
        }

        BenchTimer.Budget fast() {
            return quick ? new BenchTimer.Budget(0.1, 0.3, 3, 200) : new BenchTimer.Budget(0.5, 1.5, 5, 1000);
        }

        BenchTimer.Budget slow() {
            return quick ? new BenchTimer.Budget(0, 0.3, 1, 20) : new BenchTimer.Budget(0, 1.5, 3, 100);
        }
    }

    private MatmulBenchmark() {
    }

    /**
     * Measures every shape with every implementation and returns one row per (shape, implementation).
     * Also checks each shape's mofa4j result against EJML's and fails if they differ by more than rounding.
     */
    public static List<BenchRow> matmulRows(Options opt) {
        Gemm.warmUp();
        EjmlConcurrency.setMaxThreads(opt.threads());
        List<BenchRow> rows = new ArrayList<>();
        Random rnd = new Random(42);
        for (Shape s : opt.shapes()) {
            int m = s.m(), k = s.k(), n = s.n();
            FMatrixRMaj a = random(rnd, m, k), b = random(rnd, k, n), c = new FMatrixRMaj(m, n);
            Runnable vector1 = () -> Gemm.sgemm(m, n, k, a.data, 0, k, 1, b.data, 0, n, 1, c.data, 0, n, 1, false, 1);
            Runnable vectorN = () -> Gemm.sgemm(m, n, k, a.data, 0, k, 1, b.data, 0, n, 1, c.data, 0, n, 1, false,
                    opt.threads());
            try (var _ = KernelMode.override(KernelMode.vectorAvailable() ? Mode.VECTOR : Mode.SCALAR)) {
                String impl = KernelMode.current() == Mode.VECTOR ? "mofa4j-vector" : "mofa4j-scalar*";
                rows.add(row(s, impl, 1, vector1, opt.fast()));
                rows.add(row(s, impl, opt.threads(), vectorN, opt.fast()));
                vectorN.run();
            }
            checkAgainstEjml(s, a, b, c);
            if (opt.slowRows()) {
                try (var _ = KernelMode.override(Mode.SCALAR)) {
                    rows.add(row(s, "mofa4j-scalar", 1, vector1, opt.slow()));
                }
                rows.add(row(s, "ejml", 1, () -> CommonOps_FDRM.mult(a, b, c), opt.slow()));
                rows.add(row(s, "ejml-mt", opt.threads(), () -> CommonOps_MT_FDRM.mult(a, b, c), opt.slow()));
            }
        }
        return rows;
    }

    private static BenchRow row(Shape s, String impl, int threads, Runnable op, BenchTimer.Budget budget) {
        double[] t = BenchTimer.measure(op, budget);
        return new BenchRow("matmul", s.name(), impl, threads, t.length, t[0], BenchTimer.median(t), s.flops() / 1e9,
                "GFLOP/s");
    }

    private static FMatrixRMaj random(Random rnd, int rows, int cols) {
        FMatrixRMaj x = new FMatrixRMaj(rows, cols);
        for (int i = 0; i < x.data.length; i++) {
            x.data[i] = rnd.nextFloat() * 2 - 1;
        }
        return x;
    }

    /** Fails loudly if ours and EJML's differ beyond fp32 rounding of a k-term sum (relative to Σ|a||b|). */
    private static void checkAgainstEjml(Shape s, FMatrixRMaj a, FMatrixRMaj b, FMatrixRMaj ours) {
        FMatrixRMaj ref = new FMatrixRMaj(s.m(), s.n());
        CommonOps_FDRM.mult(a, b, ref);
        double worst = 0;
        for (int i = 0; i < ref.data.length; i++) {
            worst = Math.max(worst, Math.abs(ref.data[i] - ours.data[i]));
        }
        // |a|,|b| < 1: Σ|a||b| <= k; two fp32 sums of k terms differ by at most ~2·k·2⁻²⁴·k.
        double bound = 2.0 * s.k() * s.k() * 0x1p-24;
        if (!(worst <= bound)) {
            throw new IllegalStateException("MatmulBenchmark: " + s.name() + " differs from EJML by " + worst
                    + " (bound " + bound + ")");
        }
    }

    /** Derived ratios the targets are stated in, for each shape that has the needed rows. */
    static List<String> summary(List<BenchRow> rows, int threads) {
        List<String> out = new ArrayList<>();
        for (String shape : rows.stream().map(BenchRow::shape).distinct().toList()) {
            BenchRow oursN = find(rows, shape, "mofa4j-vector", threads);
            BenchRow ejml = find(rows, shape, "ejml", 1);
            if (oursN != null && ejml != null) {
                out.add(String.format(Locale.ROOT, "\"%s\":{\"vector_%dt_best\":%.2f,\"vs_ejml_1t_best\":%.2f,"
                                + "\"vs_ejml_1t_median\":%.2f}", shape, threads, oursN.rateBest(),
                        oursN.rateBest() / ejml.rateBest(), oursN.rateMedian() / ejml.rateMedian()));
            }
        }
        return out;
    }

    static BenchRow find(List<BenchRow> rows, String shape, String impl, int threads) {
        for (BenchRow r : rows) {
            if (r.shape().equals(shape) && r.impl().equals(impl) && r.threads() == threads) {
                return r;
            }
        }
        return null;
    }

    /** First field of /proc/loadavg, or -1 where there is none: a hint of how busy a shared machine was. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    public static void main(String[] args) {
        Options opt = Options.parse(args);
        String kernels = KernelMode.describe();
        String jvm = System.getProperty("java.vm.name") + " " + Runtime.version();
        System.out.println(kernels);
        System.out.println(jvm + ", " + Runtime.getRuntime().availableProcessors() + " processors");
        double loadBefore = loadAverage();
        List<BenchRow> rows = matmulRows(opt);
        double loadAfter = loadAverage();

        System.out.println();
        System.out.println(BenchRow.tableHeader());
        for (BenchRow r : rows) {
            System.out.println(r.toTableLine());
        }
        List<String> summary = summary(rows, opt.threads());
        System.out.println();
        for (String line : summary) {
            System.out.println("summary " + line);
        }
        StringBuilder json = new StringBuilder();
        json.append("{\"benchmark\":\"matmul\",\"kernels\":").append(BenchRow.Json.str(kernels))
                .append(",\"jvm\":").append(BenchRow.Json.str(jvm))
                .append(",\"processors\":").append(Runtime.getRuntime().availableProcessors())
                .append(",\"threads\":").append(opt.threads())
                .append(",\"quick\":").append(opt.quick())
                .append(String.format(Locale.ROOT, ",\"loadavg_before\":%.2f,\"loadavg_after\":%.2f",
                        loadBefore, loadAfter))
                .append(",\"rows\":[");
        for (int i = 0; i < rows.size(); i++) {
            json.append(i == 0 ? "" : ",").append(rows.get(i).toJson());
        }
        json.append("],\"summary\":{").append(String.join(",", summary)).append("}}");
        System.out.println("JSON " + json);
    }
}
