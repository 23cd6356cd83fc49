package org.mofa4j.examples.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.mofa4j.examples.bench.BenchRow.Json;
import org.mofa4j.examples.bench.GptStepBenchmark.Flatness;
import org.mofa4j.examples.bench.GptStepBenchmark.HeapStats;
import org.mofa4j.examples.bench.GptStepBenchmark.Settings;
import org.mofa4j.examples.bench.GptStepBenchmark.StepResult;
import org.mofa4j.tensor.kernels.KernelMode;

/**
 * The whole {@code mofa4j bench} run: matmul, elementwise, the GPT training step against its PyTorch peer, and
 * (optionally) the heap-flatness check, reported as ONE table of {@link BenchRow}s, summary lines with the key
 * ratios, and one line {@code JSON {...}} holding every row and summary.
 *
 * <p>Sections measured in child JVMs (elementwise, GPT) get {@code -Dmofa4j.threads=N} there; matmul passes the
 * thread count to the kernel directly and runs in this JVM. Progress goes to stderr, results to stdout. A section
 * that fails is reported as a row whose note holds the error; the others still run, and {@link #run} returns 1.
 */
public final class BenchSuite {
    /** Section names accepted by {@code --only}. */
    public static final List<String> SECTIONS = List.of("matmul", "elementwise", "gpt");
    /** Heap change between checkpoints below which the flatness check says "flat". */
    static final double FLAT_TOLERANCE = 0.05;

    /**
     * @param sections    which of {@link #SECTIONS} to run
     * @param memory      run the heap-flatness check ({@code memorySteps} GPT steps)
     * @param threads     the multi-thread count (1-thread rows are always measured too)
     * @param python      the Python that runs the peer
     * @param peerScript  the peer script, or null to find it
     */
    public record Options(Set<String> sections, boolean memory, boolean quick, int threads, String python,
                          Path peerScript, int memorySteps) {
        public Options {
            for (String s : sections) {
                if (!SECTIONS.contains(s)) {
                    throw new IllegalArgumentException("--only: unknown section '" + s + "'; choose from " + SECTIONS);
                }
            }
            if (threads < 1) {
                throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
            }
            if (memorySteps < 4) {
                throw new IllegalArgumentException("--memory-steps must be >= 4, got " + memorySteps);
            }
            sections = Set.copyOf(sections);
        }
    }

    private final Options opt;
    private final PrintStream out;
    private final PrintStream log;
    private final List<BenchRow> rows = new ArrayList<>();
    private final List<String> summaryLines = new ArrayList<>();
    private final Map<String, String> summaryJson = new LinkedHashMap<>();
    private final Map<String, String> busyJson = new LinkedHashMap<>();
    private boolean failed;

    public BenchSuite(Options opt, PrintStream out, PrintStream log) {
        this.opt = opt;
        this.out = out;
        this.log = log;
    }

    /** Measures everything asked for and prints the table, summaries and JSON line; returns the exit code. */
    public int run() throws InterruptedException {
        String kernels = KernelMode.describe();
        String jvm = System.getProperty("java.vm.name") + " " + Runtime.version();
        int processors = Runtime.getRuntime().availableProcessors();
        out.println(kernels);
        out.println(jvm + ", " + processors + " processors, multi-thread rows at " + opt.threads() + " threads"
                + (opt.quick() ? ", QUICK budgets (smoke test, not for comparison)" : ""));
        double loadBefore = MatmulBenchmark.loadAverage();
        CpuTicks runStart = CpuTicks.read();

        if (opt.sections().contains("matmul")) {
            section("matmul", this::matmul);
        }
        if (opt.sections().contains("elementwise")) {
            section("elementwise", this::elementwise);
        }
        Settings settings = opt.quick() ? Settings.quick() : Settings.standard();
        if (opt.sections().contains("gpt")) {
            section("gpt", () -> gpt(settings));
        }
        if (opt.memory()) {
            section("memory", () -> memory(settings));
        }
        double loadAfter = MatmulBenchmark.loadAverage();
        double busy = CpuTicks.read().busySince(runStart);

        out.println();
        out.println(BenchRow.tableHeader());
        for (BenchRow r : rows) {
            out.println(r.toTableLine());
        }
        out.println();
        for (String s : summaryLines) {
            out.println("summary " + s);
        }
        out.printf(Locale.ROOT, "summary machine: load average %.2f before, %.2f after; all CPUs %s busy during the"
                + " run (ours included)%n", loadBefore, loadAfter, percent(busy));

        StringBuilder json = new StringBuilder("{\"benchmark\":\"mofa4j bench\"");
        json.append(",\"kernels\":").append(Json.str(kernels))
                .append(",\"jvm\":").append(Json.str(jvm))
                .append(",\"processors\":").append(processors)
                .append(",\"threads\":").append(opt.threads())
                .append(",\"quick\":").append(opt.quick())
                .append(",\"sections\":[").append(opt.sections().stream().sorted().map(Json::str)
                        .collect(Collectors.joining(","))).append(opt.memory() ? ",\"memory\"" : "").append(']')
                .append(",\"loadavg_before\":").append(Json.num(loadBefore, 2))
                .append(",\"loadavg_after\":").append(Json.num(loadAfter, 2))
                .append(",\"cpu_busy_fraction\":").append(Json.num(busy, 3))
                .append(",\"section_cpu_busy_fraction\":").append(object(busyJson))
                .append(",\"failed\":").append(failed)
                .append(",\"rows\":[").append(rows.stream().map(BenchRow::toJson).collect(Collectors.joining(",")))
                .append("],\"summary\":").append(object(summaryJson)).append('}');
        out.println("JSON " + json);
        return failed ? 1 : 0;
    }

    private interface Section {
        void run() throws IOException, InterruptedException;
    }

    private void section(String name, Section body) throws InterruptedException {
        log.println("bench: " + name + " ...");
        long t0 = System.nanoTime();
        CpuTicks start = CpuTicks.read();
        try {
            body.run();
        } catch (IOException | RuntimeException e) {
            failed = true;
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            rows.add(BenchRow.unavailable(name, "-", "-", 0, "", "FAILED: " + msg.lines().findFirst().orElse("")));
            log.println("bench: " + name + " failed: " + msg);
            if (Boolean.getBoolean("mofa4j.trace")) {
                e.printStackTrace(log);
            }
        }
        busyJson.put(name, Json.num(CpuTicks.read().busySince(start), 3));
        log.printf(Locale.ROOT, "bench: %s done in %.0f s%n", name, (System.nanoTime() - t0) / 1e9);
    }

    // ---- sections ----

    private void matmul() {
        List<BenchRow> m = MatmulBenchmark.matmulRows(new MatmulBenchmark.Options(MatmulBenchmark.DEFAULT_SHAPES,
                opt.threads(), opt.quick(), true));
        rows.addAll(m);
        Map<String, String> perShape = new LinkedHashMap<>();
        for (MatmulBenchmark.Shape s : MatmulBenchmark.DEFAULT_SHAPES) {
            BenchRow one = MatmulBenchmark.find(m, s.name(), "mofa4j-vector", 1);
            BenchRow many = MatmulBenchmark.find(m, s.name(), "mofa4j-vector", opt.threads());
            BenchRow ejml = MatmulBenchmark.find(m, s.name(), "ejml", 1);
            BenchRow ejmlMt = MatmulBenchmark.find(m, s.name(), "ejml-mt", opt.threads());
            if (one == null || many == null || ejml == null) {
                continue;
            }
            summaryLines.add(String.format(Locale.ROOT, "matmul %s: mofa4j %dt %.1f GFLOP/s best (%.1f median),"
                            + " 1t %.1f (%.1f); x EJML 1t: %.1f best, %.1f median%s", s.name(), opt.threads(),
                    many.rateBest(), many.rateMedian(), one.rateBest(), one.rateMedian(),
                    many.rateBest() / ejml.rateBest(), many.rateMedian() / ejml.rateMedian(),
                    ejmlMt == null ? "" : String.format(Locale.ROOT, "; x EJML-MT %dt: %.1f best", opt.threads(),
                            many.rateBest() / ejmlMt.rateBest())));
            perShape.put(s.name(), object(Map.of(
                    "vector_" + opt.threads() + "t_best", Json.num(many.rateBest(), 2),
                    "vector_" + opt.threads() + "t_median", Json.num(many.rateMedian(), 2),
                    "vector_1t_best", Json.num(one.rateBest(), 2),
                    "vs_ejml_1t_best", Json.num(many.rateBest() / ejml.rateBest(), 2),
                    "vs_ejml_1t_median", Json.num(many.rateMedian() / ejml.rateMedian(), 2),
                    "vector_1t_vs_ejml_1t_best", Json.num(one.rateBest() / ejml.rateBest(), 2))));
        }
        summaryJson.put("matmul", object(perShape));
    }

    private void elementwise() throws IOException, InterruptedException {
        List<BenchRow> e = ElementwiseBenchmark.rows(opt.threads(), opt.quick());
        rows.addAll(e);
        Map<String, String> perOp = new LinkedHashMap<>();
        for (String op : List.of("add", "exp")) {
            Map<String, String> fields = new LinkedHashMap<>();
            StringBuilder line = new StringBuilder("elementwise " + op + " (GB/s best/median):");
            for (BenchRow r : e) {
                if (r.group().equals(op)) {
                    String key = r.impl().replace("mofa4j-", "") + "_" + r.threads() + "t";
                    fields.put(key + "_best", Json.num(r.rateBest(), 2));
                    fields.put(key + "_median", Json.num(r.rateMedian(), 2));
                    line.append(String.format(Locale.ROOT, " %s %.1f/%.1f", key, r.rateBest(), r.rateMedian()));
                }
            }
            summaryLines.add(line.toString());
            perOp.put(op, object(fields));
        }
        summaryJson.put("elementwise", object(perOp));
    }

    private void gpt(Settings s) throws IOException, InterruptedException {
        String shape = s.shapeName();
        log.println("bench: gpt step, mofa4j, 1 thread (child JVM) ...");
        StepResult ours1 = GptStepBenchmark.inChildJvm(1, s);
        rows.addAll(ours1.rows(shape));
        log.println("bench: gpt step, PyTorch peer, 1 thread ...");
        PytorchPeer.Outcome peer = PytorchPeer.run(opt.python(), opt.peerScript(), 1, s);
        if (peer.available()) {
            rows.addAll(peer.result().rows(shape));
        } else {
            rows.add(BenchRow.unavailable("gpt-step", shape, "pytorch", 1, "tok/s",
                    "peer unavailable: " + peer.unavailableReason()));
        }
        StepResult oursN = null;
        if (opt.threads() > 1) {
            log.println("bench: gpt step, mofa4j, " + opt.threads() + " threads (child JVM) ...");
            oursN = GptStepBenchmark.inChildJvm(opt.threads(), s);
            rows.addAll(oursN.rows(shape));
        }

        Map<String, String> g = new LinkedHashMap<>();
        g.put("shape", Json.str(shape + "-V" + s.config().vocab()));
        g.put("parameters", Long.toString(ours1.parameters()));
        g.put("warmup_steps", Integer.toString(s.warmupSteps()));
        g.put("steps", Integer.toString(s.steps()));
        putStep(g, "mofa4j_1t", ours1);
        if (oursN != null) {
            putStep(g, "mofa4j_" + opt.threads() + "t", oursN);
        }
        String line1 = String.format(Locale.ROOT, "gpt-step %s (%,d params): mofa4j 1t %.1f ms/step median"
                        + " (min %.1f; fwd/bwd/opt %s ms)", shape, ours1.parameters(), ours1.medianMillis(),
                ours1.minMillis(), phases(ours1));
        if (oursN != null) {
            line1 += String.format(Locale.ROOT, ", %dt %.1f (min %.1f; fwd/bwd/opt %s)", opt.threads(),
                    oursN.medianMillis(), oursN.minMillis(), phases(oursN));
        }
        summaryLines.add(line1);
        if (peer.available()) {
            StepResult p = peer.result();
            putStep(g, "pytorch_1t", p);
            double ratioMedian = ours1.medianMillis() / p.medianMillis();
            double ratioMin = ours1.minMillis() / p.minMillis();
            g.put("ratio_mofa4j_over_pytorch_1t_median", Json.num(ratioMedian, 3));
            g.put("ratio_mofa4j_over_pytorch_1t_min", Json.num(ratioMin, 3));
            g.put("pytorch_note", Json.str(p.note()));
            double ratioCpu = ours1.cpuMillisPerStep() / p.cpuMillisPerStep();
            g.put("ratio_mofa4j_over_pytorch_1t_cpu", Json.num(ratioCpu, 3));
            summaryLines.add(String.format(Locale.ROOT, "gpt-step vs PyTorch (%s) 1t: %.1f ms median (min %.1f;"
                            + " fwd/bwd/opt %s) -> ours/PyTorch = %.2f median, %.2f min", p.version(),
                    p.medianMillis(), p.minMillis(), phases(p), ratioMedian, ratioMin));
            summaryLines.add(String.format(Locale.ROOT, "gpt-step CPU time per step 1t (robust to a busy machine):"
                            + " mofa4j %.1f ms (cpu/wall %.2f), PyTorch %.1f ms (cpu/wall %.2f) -> ours/PyTorch = %.2f",
                    ours1.cpuMillisPerStep(), ours1.cpuPerWall(), p.cpuMillisPerStep(), p.cpuPerWall(), ratioCpu));
        } else {
            g.put("pytorch_unavailable", Json.str(peer.unavailableReason()));
            summaryLines.add("gpt-step vs PyTorch 1t: peer unavailable: " + peer.unavailableReason());
        }
        summaryJson.put("gpt", object(g));

        Map<String, String> heap = new LinkedHashMap<>();
        for (StepResult r : oursN == null ? List.of(ours1) : List.of(ours1, oursN)) {
            HeapStats h = r.heap();
            heap.put(r.threads() + "t", object(Map.of(
                    "live_mib", Json.num(mib(h.liveBytes()), 2),
                    "live_at_backward_mib", Json.num(mib(h.liveAtBackwardBytes()), 2),
                    "peak_per_step_median_mib", Json.num(mib(h.peakMedianBytes()), 2),
                    "peak_per_step_max_mib", Json.num(mib(h.peakMaxBytes()), 2),
                    "allocated_per_step_mib", Json.num(mib(h.allocatedBytesPerStep()), 2),
                    "gc_count_per_step", Json.num(h.gcCountPerStep(), 3),
                    "gc_ms_per_step", Json.num(h.gcMillisPerStep(), 3))));
            summaryLines.add(String.format(Locale.ROOT, "gpt-step heap %dt: live %.1f MiB between steps, %.1f MiB"
                            + " between fwd and bwd (full GC each); pool-peak per step %.1f MiB median (max %.1f);"
                            + " allocated %.1f MiB/step; GC %.2f events, %.2f ms per step", r.threads(),
                    mib(h.liveBytes()), mib(h.liveAtBackwardBytes()), mib(h.peakMedianBytes()), mib(h.peakMaxBytes()),
                    mib(h.allocatedBytesPerStep()), h.gcCountPerStep(), h.gcMillisPerStep()));
        }
        summaryJson.put("gpt_heap", object(heap));
    }

    private static void putStep(Map<String, String> g, String prefix, StepResult r) {
        g.put(prefix + "_median_ms", Json.num(r.medianMillis(), 3));
        g.put(prefix + "_min_ms", Json.num(r.minMillis(), 3));
        double[][] phases = {r.fwd(), r.bwd(), r.opt()};
        String[] names = {"fwd", "bwd", "opt"};
        for (int i = 0; i < 3; i++) {
            g.put(prefix + "_" + names[i] + "_median_ms",
                    Json.num(BenchTimer.median(GptStepBenchmark.sorted(phases[i])) * 1e3, 3));
        }
        g.put(prefix + "_tokens_per_s_median", Json.num(r.tokensPerStep() / r.medianMillis() * 1e3, 1));
        g.put(prefix + "_cpu_per_wall", Json.num(r.cpuPerWall(), 3));
        g.put(prefix + "_cpu_ms_per_step", Json.num(r.cpuMillisPerStep(), 3));
        g.put(prefix + "_loss_first_last", "[" + Json.num(r.firstLoss(), 4) + "," + Json.num(r.lastLoss(), 4) + "]");
    }

    private static String phases(StepResult r) {
        return String.format(Locale.ROOT, "%.1f/%.1f/%.1f", BenchTimer.median(GptStepBenchmark.sorted(r.fwd())) * 1e3,
                BenchTimer.median(GptStepBenchmark.sorted(r.bwd())) * 1e3,
                BenchTimer.median(GptStepBenchmark.sorted(r.opt())) * 1e3);
    }

    private void memory(Settings s) throws IOException, InterruptedException {
        int total = opt.memorySteps();
        int[] cps = {total / 10, total / 4, total / 2, total * 3 / 4, total};
        log.printf(Locale.ROOT, "bench: memory flatness, %d GPT steps on %d threads (child JVM), full GC at %s ...%n",
                total, opt.threads(), java.util.Arrays.toString(cps));
        Flatness f = GptStepBenchmark.flatnessInChildJvm(opt.threads(), s, total, cps);
        String shape = s.shapeName();
        rows.add(new BenchRow("gpt-long", shape, "mofa4j", f.threads(), f.steps(), f.minStepMillis() / 1e3,
                f.medianStepMillis() / 1e3, s.tokensPerStep(), "tok/s",
                String.format(Locale.ROOT, "loss %.3f -> %.3f", f.firstLoss(), f.lastLoss())));
        StringBuilder values = new StringBuilder();
        StringBuilder jsonValues = new StringBuilder("[");
        for (int i = 0; i < cps.length; i++) {
            values.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "step %d %.2f MiB", f.checkpoints()[i],
                    mib(f.heapAfterGcBytes()[i])));
            jsonValues.append(i == 0 ? "" : ",").append(f.heapAfterGcBytes()[i]);
        }
        boolean flat = f.maxRelativeChange() <= FLAT_TOLERANCE;
        summaryLines.add(String.format(Locale.ROOT, "memory %dt, %d steps: heap after full GC: %s; max relative"
                        + " change %.2f%% -> %s (tolerance %.0f%%); step %.1f ms median over the run",
                f.threads(), f.steps(), values, 100 * f.maxRelativeChange(), flat ? "FLAT" : "GROWING",
                100 * FLAT_TOLERANCE, f.medianStepMillis()));
        summaryJson.put("memory", object(Map.of(
                "threads", Integer.toString(f.threads()),
                "steps", Integer.toString(f.steps()),
                "checkpoints", java.util.Arrays.toString(f.checkpoints()).replace(" ", ""),
                "heap_after_gc_bytes", jsonValues.append(']').toString(),
                "max_relative_change", Json.num(f.maxRelativeChange(), 5),
                "flat", Boolean.toString(flat),
                "median_step_ms", Json.num(f.medianStepMillis(), 3))));
    }

    // ---- helpers ----

    private static double mib(double bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    private static String percent(double fraction) {
        return Double.isFinite(fraction) ? String.format(Locale.ROOT, "%.0f%%", 100 * fraction) : "n/a";
    }

    /** A JSON object from already-encoded values, keys in the map's order (sorted for unordered maps). */
    private static String object(Map<String, String> fields) {
        Map<String, String> ordered = fields instanceof LinkedHashMap ? fields : new java.util.TreeMap<>(fields);
        return ordered.entrySet().stream().map(e -> Json.str(e.getKey()) + ":" + e.getValue())
                .collect(Collectors.joining(",", "{", "}"));
    }

    /** Aggregate CPU tick counters of {@code /proc/stat}: how busy the whole machine was (others included). */
    private record CpuTicks(long busy, long total) {
        static CpuTicks read() {
            try {
                String first = Files.readAllLines(Path.of("/proc/stat")).getFirst();
                String[] f = first.trim().split("\\s+");
                long total = 0;
                for (int i = 1; i < Math.min(f.length, 9); i++) { // user nice system idle iowait irq softirq steal
                    total += Long.parseLong(f[i]);
                }
                long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
                return new CpuTicks(total - idle, total);
            } catch (IOException | RuntimeException e) {
                return new CpuTicks(-1, -1);
            }
        }

        double busySince(CpuTicks start) {
            if (start.total < 0 || total < 0 || total == start.total) {
                return Double.NaN;
            }
            return (busy - start.busy) / (double) (total - start.total);
        }
    }
}
