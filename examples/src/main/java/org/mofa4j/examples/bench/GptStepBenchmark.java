package org.mofa4j.examples.bench;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.mofa4j.autograd.Variable;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.optim.AdamW;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.kernels.Gemm;
import org.mofa4j.tensor.kernels.KernelMode;

/**
 * Time and heap of one GPT training step on one fixed batch of random tokens (timing only; the loss falls
 * because the model memorises the batch):
 * <pre>
 *   fwd:  loss = model.loss(ids, targets)     ids, targets [B, T] → logits [B, T, V] → mean cross-entropy
 *   bwd:  loss.backward()
 *   opt:  adamw.step(); adamw.zeroGrad()      lr 3e-4, β = (0.9, 0.95), ε = 1e-8, λ = 0.1, one group
 * </pre>
 * After {@code warmup} steps, {@code steps} steps are timed per phase; the rows give the minimum and median
 * milliseconds and tokens/s = B·T / time. The Python peer ({@code gpt_step_peer.py}) does the same with PyTorch.
 *
 * <p>Heap, measured after the timed steps so that it does not disturb them:
 * <ul>
 *   <li><b>live</b>: heap used right after a full GC ({@link System#gc()}) – weights, gradients are freed by
 *       zeroGrad, AdamW's m and v;</li>
 *   <li><b>live at backward</b>: heap used after a full GC between the forward and the backward pass, when a step
 *       holds the most (the activations saved for backward on top of the above) – the step's peak live heap;</li>
 *   <li><b>peak per step</b>: after a full GC, the peak usage of every heap memory pool is reset, one step runs,
 *       and the pools' peaks are summed ({@link MemoryPoolMXBean#getPeakUsage()}). The sum is an upper bound of
 *       the true peak when a young GC runs inside the step (pools peak at different moments), and equal to it
 *       when none does. Median and maximum over {@code memorySteps} such windows;</li>
 *   <li><b>allocated per step</b>: bytes allocated by all threads during the timed steps / steps
 *       ({@code com.sun.management.ThreadMXBean#getTotalThreadAllocatedBytes}), with the GC count and time.</li>
 * </ul>
 * {@link #flatness} runs many steps and records the heap after a full GC at checkpoints: a leak shows as growth.
 *
 * <p>The kernel thread count is fixed per JVM, so {@link #inChildJvm} runs each measurement in a child JVM
 * started with {@code -Dmofa4j.threads=N}; {@link #measureHere} measures in the calling JVM.
 */
public final class GptStepBenchmark {
    static final String STEP_TAG = "GPTSTEP";
    static final String FLAT_TAG = "GPTFLAT";

    private GptStepBenchmark() {
    }

    /** What to run: the model, batch size and step counts. */
    public record Settings(GptConfig config, int batch, int warmupSteps, int steps, int memorySteps, long seed) {
        public Settings {
            if (batch < 1 || warmupSteps < 0 || steps < 1 || memorySteps < 0) {
                throw new IllegalArgumentException("GptStepBenchmark.Settings: need batch >= 1, warmup >= 0,"
                        + " steps >= 1, memorySteps >= 0, got " + batch + ", " + warmupSteps + ", " + steps + ", "
                        + memorySteps);
            }
            if (config.dropout() != 0) {
                throw new IllegalArgumentException("GptStepBenchmark.Settings: the peer has no dropout; need 0, got "
                        + config.dropout());
            }
        }

        /** The briefed measurement: tiny config, batch 16, 10 warm-up steps, 30 timed steps. */
        public static Settings standard() {
            return new Settings(GptConfig.tiny(), 16, 10, 30, 5, 1337);
        }

        /** A CI smoke budget: same model, 3 warm-up steps, 5 timed. */
        public static Settings quick() {
            return new Settings(GptConfig.tiny(), 16, 3, 5, 2, 1337);
        }

        /** e.g. {@code L4-d128-h4-T64-B16} (vocabulary 256 is implied by the tiny config). */
        public String shapeName() {
            return "L" + config.layers() + "-d" + config.width() + "-h" + config.heads() + "-T" + config.context()
                    + "-B" + batch;
        }

        public int tokensPerStep() {
            return batch * config.context();
        }

        /** As {@code key=value} arguments for a child JVM ({@link #fromArgs}) or {@code --key value} for Python. */
        Map<String, String> fields() {
            Map<String, String> f = new LinkedHashMap<>();
            f.put("layers", Integer.toString(config.layers()));
            f.put("heads", Integer.toString(config.heads()));
            f.put("width", Integer.toString(config.width()));
            f.put("context", Integer.toString(config.context()));
            f.put("vocab", Integer.toString(config.vocab()));
            f.put("batch", Integer.toString(batch));
            f.put("warmup", Integer.toString(warmupSteps));
            f.put("steps", Integer.toString(steps));
            f.put("memory-steps", Integer.toString(memorySteps));
            f.put("seed", Long.toString(seed));
            return f;
        }

        List<String> childArgs() {
            return fields().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        }

        static Settings fromArgs(Map<String, String> a) {
            GptConfig c = new GptConfig(intArg(a, "layers"), intArg(a, "heads"), intArg(a, "width"),
                    intArg(a, "context"), intArg(a, "vocab"), 0.0);
            return new Settings(c, intArg(a, "batch"), intArg(a, "warmup"), intArg(a, "steps"),
                    intArg(a, "memory-steps"), Long.parseLong(KeyValueLine.require(a, "seed")));
        }

        private static int intArg(Map<String, String> a, String key) {
            return Integer.parseInt(KeyValueLine.require(a, key));
        }
    }

    /** Heap figures of {@link #measureHere}; see the class comment for how each is taken. */
    public record HeapStats(long liveBytes, long liveAtBackwardBytes, long peakMedianBytes, long peakMaxBytes,
                            double allocatedBytesPerStep, double gcCountPerStep, double gcMillisPerStep) {
    }

    /**
     * One measured implementation: per-step times in seconds, in the order measured, for the whole step and each
     * phase; the loss before the first and after the last step; heap figures where the implementation has them.
     *
     * @param heap null for the Python peer
     * @param note free text, e.g. the peer's BLAS library
     */
    public record StepResult(String impl, String version, int threads, int tokensPerStep, long parameters,
                             double[] total, double[] fwd, double[] bwd, double[] opt, double firstLoss,
                             double lastLoss, double cpuPerWall, HeapStats heap, String note) {

        public int steps() {
            return total.length;
        }

        public double medianMillis() {
            return BenchTimer.median(sorted(total)) * 1e3;
        }

        public double minMillis() {
            return sorted(total)[0] * 1e3;
        }

        /**
         * Process CPU time per timed step (all threads: GC and JIT included), which time spent waiting for a CPU on a
         * busy machine does not inflate: cpu/wall over the timed steps × their mean wall time.
         */
        public double cpuMillisPerStep() {
            return cpuPerWall * Arrays.stream(total).average().orElse(Double.NaN) * 1e3;
        }

        /** The four rows: gpt-step (the whole step), gpt-fwd, gpt-bwd, gpt-opt. */
        public List<BenchRow> rows(String shape) {
            List<BenchRow> rows = new ArrayList<>();
            String[] groups = {"gpt-step", "gpt-fwd", "gpt-bwd", "gpt-opt"};
            double[][] phases = {total, fwd, bwd, opt};
            for (int i = 0; i < groups.length; i++) {
                double[] s = sorted(phases[i]);
                rows.add(new BenchRow(groups[i], shape, impl, threads, s.length, s[0], BenchTimer.median(s),
                        tokensPerStep, "tok/s", i == 0 ? note : ""));
            }
            return rows;
        }

        String toLine() {
            Map<String, String> f = new LinkedHashMap<>();
            f.put("impl", impl);
            f.put("version", version);
            f.put("threads", Integer.toString(threads));
            f.put("tokens", Integer.toString(tokensPerStep));
            f.put("params", Long.toString(parameters));
            f.put("total", KeyValueLine.doubles(total));
            f.put("fwd", KeyValueLine.doubles(fwd));
            f.put("bwd", KeyValueLine.doubles(bwd));
            f.put("opt", KeyValueLine.doubles(opt));
            f.put("first_loss", Double.toString(firstLoss));
            f.put("last_loss", Double.toString(lastLoss));
            f.put("cpu_per_wall", Double.toString(cpuPerWall));
            if (heap != null) {
                f.put("live_bytes", Long.toString(heap.liveBytes()));
                f.put("live_at_backward_bytes", Long.toString(heap.liveAtBackwardBytes()));
                f.put("peak_median_bytes", Long.toString(heap.peakMedianBytes()));
                f.put("peak_max_bytes", Long.toString(heap.peakMaxBytes()));
                f.put("alloc_bytes_per_step", Double.toString(heap.allocatedBytesPerStep()));
                f.put("gc_count_per_step", Double.toString(heap.gcCountPerStep()));
                f.put("gc_ms_per_step", Double.toString(heap.gcMillisPerStep()));
            }
            f.put("note", note);
            return KeyValueLine.format(STEP_TAG, f);
        }

        /** Reads a {@code GPTSTEP} line, from a child JVM or from the Python peer. */
        static StepResult fromLine(String line) {
            Map<String, String> f = KeyValueLine.parse(line);
            HeapStats heap = f.containsKey("live_bytes")
                    ? new HeapStats(Long.parseLong(f.get("live_bytes")),
                    Long.parseLong(f.get("live_at_backward_bytes")), Long.parseLong(f.get("peak_median_bytes")),
                    Long.parseLong(f.get("peak_max_bytes")), Double.parseDouble(f.get("alloc_bytes_per_step")),
                    Double.parseDouble(f.get("gc_count_per_step")), Double.parseDouble(f.get("gc_ms_per_step")))
                    : null;
            return new StepResult(KeyValueLine.require(f, "impl"), f.getOrDefault("version", ""),
                    Integer.parseInt(KeyValueLine.require(f, "threads")),
                    Integer.parseInt(KeyValueLine.require(f, "tokens")), Long.parseLong(f.getOrDefault("params", "0")),
                    KeyValueLine.parseDoubles(KeyValueLine.require(f, "total")),
                    KeyValueLine.parseDoubles(KeyValueLine.require(f, "fwd")),
                    KeyValueLine.parseDoubles(KeyValueLine.require(f, "bwd")),
                    KeyValueLine.parseDoubles(KeyValueLine.require(f, "opt")),
                    Double.parseDouble(f.getOrDefault("first_loss", "NaN")),
                    Double.parseDouble(f.getOrDefault("last_loss", "NaN")),
                    Double.parseDouble(f.getOrDefault("cpu_per_wall", "NaN")), heap, f.getOrDefault("note", ""));
        }
    }

    /**
     * Heap after a full GC at checkpoint steps of a long run, and the step times of the run.
     *
     * @param maxRelativeChange max over checkpoints of |heap − heap at the first checkpoint| / heap at the first
     */
    public record Flatness(int threads, int steps, int[] checkpoints, long[] heapAfterGcBytes,
                           double maxRelativeChange, double medianStepMillis, double minStepMillis, double firstLoss,
                           double lastLoss) {

        String toLine() {
            Map<String, String> f = new LinkedHashMap<>();
            f.put("threads", Integer.toString(threads));
            f.put("steps", Integer.toString(steps));
            f.put("checkpoints", KeyValueLine.longs(Arrays.stream(checkpoints).asLongStream().toArray()));
            f.put("heap", KeyValueLine.longs(heapAfterGcBytes));
            f.put("max_rel_change", Double.toString(maxRelativeChange));
            f.put("median_ms", Double.toString(medianStepMillis));
            f.put("min_ms", Double.toString(minStepMillis));
            f.put("first_loss", Double.toString(firstLoss));
            f.put("last_loss", Double.toString(lastLoss));
            return KeyValueLine.format(FLAT_TAG, f);
        }

        static Flatness fromLine(String line) {
            Map<String, String> f = KeyValueLine.parse(line);
            return new Flatness(Integer.parseInt(f.get("threads")), Integer.parseInt(f.get("steps")),
                    Arrays.stream(KeyValueLine.parseLongs(f.get("checkpoints"))).mapToInt(Math::toIntExact).toArray(),
                    KeyValueLine.parseLongs(f.get("heap")), Double.parseDouble(f.get("max_rel_change")),
                    Double.parseDouble(f.get("median_ms")), Double.parseDouble(f.get("min_ms")),
                    Double.parseDouble(f.get("first_loss")), Double.parseDouble(f.get("last_loss")));
        }
    }

    /** The model, its optimizer and the fixed batch. */
    private record Rig(Gpt model, AdamW optimizer, IntTensor ids, IntTensor targets) {
        static Rig create(Settings s) {
            Gpt model = new Gpt(s.config(), s.seed());
            AdamW opt = new AdamW(model.trainableParameters(), new AdamW.Config(3e-4, 0.9, 0.95, 1e-8, 0.1));
            int b = s.batch();
            int t = s.config().context();
            Random rnd = new Random(s.seed());
            int[] ids = new int[b * t];
            int[] targets = new int[b * t];
            for (int i = 0; i < b; i++) {
                int prev = rnd.nextInt(s.config().vocab());
                for (int j = 0; j < t; j++) {
                    int next = rnd.nextInt(s.config().vocab());
                    ids[i * t + j] = prev;
                    targets[i * t + j] = next;
                    prev = next;
                }
            }
            return new Rig(model, opt, IntTensor.wrap(ids, b, t), IntTensor.wrap(targets, b, t));
        }

        /** One training step; writes the phase times (seconds) into {@code times[0..2]} if given; returns the loss. */
        double step(double[] times) {
            long t0 = System.nanoTime();
            Variable loss = model.loss(ids, targets);
            double value = loss.value().item();
            long t1 = System.nanoTime();
            loss.backward();
            long t2 = System.nanoTime();
            optimizer.step();
            optimizer.zeroGrad();
            long t3 = System.nanoTime();
            if (times != null) {
                times[0] = (t1 - t0) / 1e9;
                times[1] = (t2 - t1) / 1e9;
                times[2] = (t3 - t2) / 1e9;
            }
            return value;
        }

        /**
         * Runs the forward pass, then a full GC, then backward and the update: the heap used after that GC is what a
         * step holds at its fullest (weights, optimizer state, and every activation saved for backward).
         */
        long liveHeapAtBackward() {
            Variable loss = model.loss(ids, targets);
            long bytes = HeapProbe.liveHeapBytes();
            loss.backward();
            optimizer.step();
            optimizer.zeroGrad();
            return bytes;
        }
    }

    /** Measures the step in this JVM, at its kernel thread count ({@link KernelMode#threads()}). */
    public static StepResult measureHere(Settings s) {
        Rig rig = Rig.create(s);
        double firstLoss = Double.NaN;
        for (int i = 0; i < s.warmupSteps(); i++) {
            double l = rig.step(null);
            firstLoss = i == 0 ? l : firstLoss;
        }
        int n = s.steps();
        double[] total = new double[n], fwd = new double[n], bwd = new double[n], opt = new double[n];
        double[] phases = new double[3];
        double lastLoss = Double.NaN;
        long gcCount0 = HeapProbe.gcCount(), gcMillis0 = HeapProbe.gcMillis(), alloc0 = HeapProbe.allocatedBytes();
        long cpu0 = processCpuNanos(), wall0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            lastLoss = rig.step(phases);
            firstLoss = Double.isNaN(firstLoss) ? lastLoss : firstLoss;
            fwd[i] = phases[0];
            bwd[i] = phases[1];
            opt[i] = phases[2];
            total[i] = phases[0] + phases[1] + phases[2];
        }
        double cpuPerWall = cpu0 < 0 ? Double.NaN : (processCpuNanos() - cpu0) / (double) (System.nanoTime() - wall0);
        long alloc = HeapProbe.allocatedBytes() - alloc0;
        double gcCountPerStep = (HeapProbe.gcCount() - gcCount0) / (double) n;
        double gcMillisPerStep = (HeapProbe.gcMillis() - gcMillis0) / (double) n;

        long live = HeapProbe.liveHeapBytes();
        long[] peaks = new long[s.memorySteps()];
        long[] liveAtBackward = new long[s.memorySteps()];
        for (int i = 0; i < peaks.length; i++) {
            System.gc();
            HeapProbe.resetHeapPeaks();
            rig.step(null);
            peaks[i] = HeapProbe.heapPeakBytes();
            liveAtBackward[i] = rig.liveHeapAtBackward();
        }
        Arrays.sort(peaks);
        Arrays.sort(liveAtBackward);
        HeapStats heap = new HeapStats(live, median(liveAtBackward), median(peaks),
                peaks.length == 0 ? -1 : peaks[peaks.length - 1], alloc < 0 ? Double.NaN : alloc / (double) n,
                gcCountPerStep, gcMillisPerStep);
        String gcNames = String.join("+",
                ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName)
                        .filter(name -> !name.contains("Concurrent")).toList());
        return new StepResult("mofa4j", KernelMode.describe().replace("mofa4j kernels: ", ""), KernelMode.threads(),
                s.tokensPerStep(), rig.model().parameterCount(), total, fwd, bwd, opt, firstLoss, lastLoss, cpuPerWall,
                heap,
                String.format(Locale.ROOT, "%s, max heap %d MiB", gcNames, Runtime.getRuntime().maxMemory() >> 20));
    }

    /**
     * Runs {@code totalSteps} steps in this JVM; at each checkpoint step (1-based) runs a full GC and records the heap
     * used. Prints {@code PROGRESS} lines at the checkpoints when {@code progress} is set.
     */
    public static Flatness flatness(Settings s, int totalSteps, int[] checkpoints, boolean progress) {
        int[] cps = checkpoints.clone();
        Arrays.sort(cps);
        if (cps.length == 0 || cps[0] < 1 || cps[cps.length - 1] > totalSteps) {
            throw new IllegalArgumentException("GptStepBenchmark.flatness: checkpoints must lie in [1, " + totalSteps
                    + "], got " + Arrays.toString(checkpoints));
        }
        Rig rig = Rig.create(s);
        long[] heap = new long[cps.length];
        double[] times = new double[totalSteps];
        double[] phases = new double[3];
        double firstLoss = Double.NaN, lastLoss = Double.NaN;
        long start = System.nanoTime();
        for (int step = 1, c = 0; step <= totalSteps; step++) {
            lastLoss = rig.step(phases);
            firstLoss = step == 1 ? lastLoss : firstLoss;
            times[step - 1] = phases[0] + phases[1] + phases[2];
            if (c < cps.length && step == cps[c]) {
                heap[c] = HeapProbe.liveHeapBytes();
                if (progress) {
                    System.out.printf(Locale.ROOT, "PROGRESS\tmemory: step %d/%d, heap after full GC %.2f MiB,"
                                    + " loss %.4f, %.0f s%n", step, totalSteps, heap[c] / 1048576.0, lastLoss,
                            (System.nanoTime() - start) / 1e9);
                    System.out.flush();
                }
                c++;
            }
        }
        double maxRel = 0;
        for (long h : heap) {
            maxRel = Math.max(maxRel, Math.abs(h - heap[0]) / (double) heap[0]);
        }
        double[] sorted = sorted(times);
        return new Flatness(KernelMode.threads(), totalSteps, cps, heap, maxRel, BenchTimer.median(sorted) * 1e3,
                sorted[0] * 1e3, firstLoss, lastLoss);
    }

    /** {@link #measureHere} in a child JVM with {@code -Dmofa4j.threads=threads}. */
    public static StepResult inChildJvm(int threads, Settings s) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--child", "step"));
        args.addAll(s.childArgs());
        return StepResult.fromLine(runChild(threads, args, STEP_TAG));
    }

    /** {@link #flatness} in a child JVM with {@code -Dmofa4j.threads=threads}. */
    public static Flatness flatnessInChildJvm(int threads, Settings s, int totalSteps, int[] checkpoints)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--child", "flat"));
        args.addAll(s.childArgs());
        args.add("total=" + totalSteps);
        args.add("checkpoints=" + KeyValueLine.longs(Arrays.stream(checkpoints).asLongStream().toArray()));
        return Flatness.fromLine(runChild(threads, args, FLAT_TAG));
    }

    private static String runChild(int threads, List<String> args, String tag)
            throws IOException, InterruptedException {
        List<String> cmd = ChildProcess.javaCommand(threads, GptStepBenchmark.class, args);
        ChildProcess.Output out = ChildProcess.run(cmd, Map.of(), tag, 3600);
        if (!out.ok()) {
            throw new IOException("GptStepBenchmark: child JVM " + String.join(" ", cmd) + " failed (exit "
                    + out.exitCode() + "):\n" + out.tail(30));
        }
        return out.tagged().getLast();
    }

    /** The upper middle of sorted values, or -1 when there are none. */
    private static long median(long[] sorted) {
        return sorted.length == 0 ? -1 : sorted[sorted.length / 2];
    }

    static double[] sorted(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s;
    }

    // ---- process probes (heap probes: HeapProbe) ----

    /** CPU time of this process (all threads, GC included) in ns, or -1 where the JVM cannot tell. */
    static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /**
     * {@code --child step key=value...} prints one {@code GPTSTEP} line; {@code --child flat key=value...
     * total=N checkpoints=a,b,c} prints one {@code GPTFLAT} line. Without arguments: the standard measurement in
     * this JVM, printed as a table.
     */
    public static void main(String[] args) {
        if (args.length >= 2 && args[0].equals("--child")) {
            Map<String, String> a = new LinkedHashMap<>();
            for (int i = 2; i < args.length; i++) {
                int eq = args[i].indexOf('=');
                a.put(args[i].substring(0, eq), args[i].substring(eq + 1));
            }
            Settings s = Settings.fromArgs(a);
            Gemm.warmUp(); // Vector API kernels must be compiled as whole methods before the first big call
            switch (args[1]) {
                case "step" -> System.out.println(measureHere(s).toLine());
                case "flat" -> {
                    int[] cps = Arrays.stream(KeyValueLine.parseLongs(KeyValueLine.require(a, "checkpoints")))
                            .mapToInt(Math::toIntExact).toArray();
                    System.out.println(flatness(s, Integer.parseInt(KeyValueLine.require(a, "total")), cps, true)
                            .toLine());
                }
                default -> throw new IllegalArgumentException("GptStepBenchmark: unknown child mode '" + args[1] + "'");
            }
            return;
        }
        Settings s = Settings.standard();
        System.out.println(KernelMode.describe());
        Gemm.warmUp();
        StepResult r = measureHere(s);
        System.out.println(BenchRow.tableHeader());
        for (BenchRow row : r.rows(s.shapeName())) {
            System.out.println(row.toTableLine());
        }
    }
}
