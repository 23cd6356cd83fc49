package org.mofa4j.examples.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mofa4j.autograd.Variable;
import org.mofa4j.optim.Optimizers;
import org.mofa4j.optim.StatefulOptimizer;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;
import org.mofa4j.tensor.kernels.Gemm;
import org.mofa4j.tensor.kernels.KernelMode;

/**
 * Optimizer step time and exact state size on one fp32 matrix parameter W [m, n] with a fixed random gradient
 * G [m, n] (N(0, 1), seed 7): every optimizer of {@link Optimizers#NAMES}, unfused, built by
 * {@link Optimizers#create} as the CLI builds it. Each case warms up (which includes MoFaSGD's and GaLore's
 * initial SVD), then times {@code step()} alone for a time budget and reports the minimum and median; the
 * state is {@link StatefulOptimizer#stateBytes()} after those steps. Rank-free methods are measured once per
 * shape; MoFaSGD (both update forms) and GaLore once per rank. GaLore refreshes its projector (an SVD) every
 * 200 steps: the minimum and median are the ordinary step, without that refresh.
 *
 * <p>Rates are in {@code Melem/s}: m·n / 10⁶ per step. A final line {@code JSON {...}} holds every number,
 * including {@code mofasgd_r8_over_adamw_768x3072}, the ratio of MoFaSGD's (r = 8) step time to AdamW's on
 * 768×3072 at the minimum and at the median.
 *
 * <p>Usage: {@code OptimizerBenchmark [--quick] [--shapes 768x768,768x3072] [--ranks 4,8]
 * [--optimizers adamw,mofasgd]}.
 */
public final class OptimizerBenchmark {

    /** One parameter shape W [m, n]; its name is {@code m x n}. */
    public record Shape(int m, int n) {
        public String name() {
            return m + "x" + n;
        }

        static Shape parse(String s) {
            String[] p = s.trim().toLowerCase(Locale.ROOT).split("x");
            try {
                if (p.length == 2) {
                    return new Shape(Integer.parseInt(p[0]), Integer.parseInt(p[1]));
                }
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
            throw new IllegalArgumentException("OptimizerBenchmark: shape must be MxN, got '" + s + "'");
        }
    }

    /** GPT-2 small's hidden matrices: attention projection and the two MLP matrices. */
    public static final List<Shape> DEFAULT_SHAPES = List.of(new Shape(768, 768), new Shape(768, 3072),
            new Shape(3072, 768));
    public static final List<Integer> DEFAULT_RANKS = List.of(4, 8, 16, 32);
    /** The optimizers whose state and step depend on the rank. */
    static final List<String> RANKED = List.of("mofasgd", "mofasgd-reciprocal", "galore");

    /** Run options; {@link #parse(String[])} reads them from the command line. */
    public record Options(List<Shape> shapes, List<Integer> ranks, List<String> optimizers, boolean quick) {
        public static Options defaults(boolean quick) {
            // mofasgd-all differs from mofasgd only in routing, so on one hidden matrix it is the same row
            List<String> names = Optimizers.NAMES.stream().filter(n -> !n.equals("mofasgd-all")).toList();
            return new Options(DEFAULT_SHAPES, DEFAULT_RANKS, names, quick);
        }

        static Options parse(String[] args) {
            Options o = defaults(false);
            List<Shape> shapes = o.shapes();
            List<Integer> ranks = o.ranks();
            List<String> optimizers = o.optimizers();
            boolean quick = false;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> quick = true;
                    case "--shapes" -> shapes = split(value(args, ++i)).stream().map(Shape::parse).toList();
                    case "--ranks" -> ranks = split(value(args, ++i)).stream().map(Integer::parseInt).toList();
                    case "--optimizers" -> optimizers = split(value(args, ++i)).stream()
                            .map(s -> s.toLowerCase(Locale.ROOT)).toList();
                    default -> throw new IllegalArgumentException("OptimizerBenchmark: unknown argument '" + args[i]
                            + "'; use --quick, --shapes 768x3072,..., --ranks 4,8,..., --optimizers adamw,...");
                }
            }
            for (String name : optimizers) {
                if (!Optimizers.NAMES.contains(name)) {
                    throw new IllegalArgumentException("OptimizerBenchmark: unknown optimizer '" + name
                            + "'; choose from " + Optimizers.NAMES);
                }
            }
            for (int r : ranks) {
                if (r < 1) {
                    throw new IllegalArgumentException("OptimizerBenchmark: ranks must be >= 1, got " + r);
                }
            }
            return new Options(shapes, ranks, optimizers, quick);
        }

        private static List<String> split(String s) {
            return java.util.Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
        }

        private static String value(String[] args, int i) {
            if (i >= args.length) {
                throw new IllegalArgumentException("OptimizerBenchmark: " + args[i - 1] + " needs a value");
            }
            return args[i];
        }

        BenchTimer.Budget budget() {
            return quick ? new BenchTimer.Budget(0.15, 0.3, 3, 500) : new BenchTimer.Budget(0.5, 1.5, 5, 2000);
        }
    }

    /**
     * One measured case.
     *
     * @param optimizer  a name of {@link Optimizers#NAMES}
     * @param rank       the rank, or 0 for rank-free methods
     * @param stateBytes exact optimizer state after the measured steps
     */
    public record Result(BenchRow row, String optimizer, int rank, long stateBytes) {
        /** State bytes per parameter element (AdamW fp32: 8). */
        public double bytesPerElement() {
            String[] mn = row.shape().split("x");
            return (double) stateBytes / ((double) Integer.parseInt(mn[0]) * Integer.parseInt(mn[1]));
        }

        String toJson() {
            String base = row.toJson();
            return base.substring(0, base.length() - 1) + ",\"optimizer\":" + BenchRow.Json.str(optimizer)
                    + ",\"rank\":" + rank + ",\"state_bytes\":" + stateBytes + "}";
        }
    }

    private OptimizerBenchmark() {
    }

    /** Measures every (shape, optimizer[, rank]) case. */
    public static List<Result> optimizerResults(Options opt) {
        Gemm.warmUp();
        List<Result> out = new ArrayList<>();
        for (Shape s : opt.shapes()) {
            Tensor grad = new Rng(7).normal(DType.F32, 0, 1, s.m(), s.n());
            for (String name : opt.optimizers()) {
                if (RANKED.contains(name)) {
                    for (int r : opt.ranks()) {
                        out.add(measure(s, name, r, grad, opt.budget()));
                    }
                } else {
                    out.add(measure(s, name, 0, grad, opt.budget()));
                }
            }
        }
        return out;
    }

    /** The results as plain benchmark rows (group {@code optim}), the state size in each row's note. */
    public static List<BenchRow> optimizerRows(Options opt) {
        return optimizerResults(opt).stream().map(Result::row).toList();
    }

    private static Result measure(Shape s, String name, int rank, Tensor grad, BenchTimer.Budget budget) {
        // A hidden-matrix name, so the low-rank methods take it rather than their AdamW fallback.
        Variable w = Variable.parameter(new Rng(11).normal(DType.F32, 0, 0.02, s.m(), s.n()), "h.0.mlp.c_fc.weight");
        Optimizers.Spec spec = new Optimizers.Spec(name, 1e-4, 0.1, 0.99, Math.max(rank, 1), 1e-4, false);
        StatefulOptimizer o = Optimizers.create(spec, List.of(w));
        Runnable step = () -> {
            w.setGrad(grad);
            o.step();
        };
        double[] t = BenchTimer.measure(step, budget);
        long bytes = o.stateBytes();
        String impl = rank == 0 ? name : name + " r=" + rank;
        String note = "state " + bytes + " B";
        BenchRow row = new BenchRow("optim", s.name(), impl, KernelMode.threads(), t.length, t[0],
                BenchTimer.median(t), (double) s.m() * s.n() / 1e6, "Melem/s", note);
        return new Result(row, name, rank, bytes);
    }

    /** MoFaSGD (r = 8) step time over AdamW's on 768×3072, at the minimum and the median; null if not measured. */
    static double[] mofaOverAdamw(List<Result> results) {
        Result mofa = null, adamw = null;
        for (Result r : results) {
            if (r.row().shape().equals("768x3072")) {
                if (r.optimizer().equals("mofasgd") && r.rank() == 8) {
                    mofa = r;
                } else if (r.optimizer().equals("adamw")) {
                    adamw = r;
                }
            }
        }
        if (mofa == null || adamw == null) {
            return null;
        }
        return new double[] {mofa.row().minSeconds() / adamw.row().minSeconds(),
                mofa.row().medianSeconds() / adamw.row().medianSeconds()};
    }

    static String tableHeader() {
        return String.format(Locale.ROOT, "%-10s %-24s %3s %5s %10s %10s %14s %8s", "shape", "optimizer", "thr",
                "reps", "min ms", "median ms", "state bytes", "B/elem");
    }

    static String tableLine(Result r) {
        BenchRow b = r.row();
        return String.format(Locale.ROOT, "%-10s %-24s %3d %5d %10.3f %10.3f %14d %8.3f", b.shape(), b.impl(),
                b.threads(), b.reps(), b.minSeconds() * 1e3, b.medianSeconds() * 1e3, r.stateBytes(),
                r.bytesPerElement());
    }

    public static void main(String[] args) {
        Options opt = Options.parse(args);
        String kernels = KernelMode.describe();
        String jvm = System.getProperty("java.vm.name") + " " + Runtime.version();
        System.out.println(kernels);
        System.out.println(jvm + ", " + Runtime.getRuntime().availableProcessors() + " processors");
        double loadBefore = MatmulBenchmark.loadAverage();
        List<Result> results = optimizerResults(opt);
        double loadAfter = MatmulBenchmark.loadAverage();

        System.out.println();
        System.out.println(tableHeader());
        for (Result r : results) {
            System.out.println(tableLine(r));
        }
        double[] ratio = mofaOverAdamw(results);
        System.out.println();
        if (ratio != null) {
            System.out.println(String.format(Locale.ROOT,
                    "MoFaSGD(r=8)/AdamW step time on 768x3072: %.2f (min), %.2f (median)", ratio[0], ratio[1]));
        }
        StringBuilder json = new StringBuilder();
        json.append("{\"benchmark\":\"optimizer-step\",\"kernels\":").append(BenchRow.Json.str(kernels))
                .append(",\"jvm\":").append(BenchRow.Json.str(jvm))
                .append(",\"processors\":").append(Runtime.getRuntime().availableProcessors())
                .append(",\"quick\":").append(opt.quick())
                .append(String.format(Locale.ROOT, ",\"loadavg_before\":%.2f,\"loadavg_after\":%.2f",
                        loadBefore, loadAfter))
                .append(",\"rows\":[");
        for (int i = 0; i < results.size(); i++) {
            json.append(i == 0 ? "" : ",").append(results.get(i).toJson());
        }
        json.append("]");
        if (ratio != null) {
            json.append(String.format(Locale.ROOT,
                    ",\"mofasgd_r8_over_adamw_768x3072\":{\"min\":%.3f,\"median\":%.3f}", ratio[0], ratio[1]));
        }
        json.append("}");
        System.out.println("JSON " + json);
    }
}
