package org.mofa4j.examples.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.Lora;
import org.mofa4j.nn.LoraConfig;
import org.mofa4j.nn.data.TokenStream;
import org.mofa4j.nn.train.TrainConfig;
import org.mofa4j.nn.train.Trainer;
import org.mofa4j.nn.train.TrainingListener;
import org.mofa4j.optim.Optimizers;
import org.mofa4j.optim.StatefulOptimizer;
import org.mofa4j.tensor.kernels.Gemm;
import org.mofa4j.tensor.kernels.KernelMode;

/**
 * One fine-tuning step of GPT-2 124M (random weights: 12 layers, width 768, 12 heads, 1,024 positions, vocabulary
 * 50,257; 124,439,808 parameters) on batch 4 × 64 tokens, fwd + bwd + optimizer, for each method in a fresh child
 * JVM, and the PyTorch AdamW step on the same shape ({@code gpt_step_peer.py}) in the same run.
 *
 * <p>Methods: {@code adamw} (lr 3e-4, all parameters), {@code lora} (rank 8 on every attention and MLP Linear, the
 * rest frozen, AdamW on the adapters), {@code galore} (rank 8 on the hidden matrices, AdamW on embeddings and
 * vectors), {@code mofasgd-fused} (rank 8, updates inside backward, AdamW on embeddings and vectors),
 * {@code adalomo} (fused into backward, no gradients kept). Each child runs {@link Trainer} with clipping off (the
 * fused methods consume gradients in backward; the peer does not clip either) on random tokens.
 *
 * <p>Per method: median and minimum ms per step over the timed steps; <b>peak heap</b>, the sum of the heap
 * pools' peaks over the timed steps (an upper bound that includes garbage not yet collected, so it depends on
 * {@code -Xmx}, which is the same for every child); <b>max after GC</b>, the largest heap in use right after any
 * collection during the timed steps (a lower bound of the live peak, independent of {@code -Xmx}); the
 * optimizer's exact state bytes; the gradient bytes held when backward ends ({@link Trainer#peakGradientBytes},
 * timed steps only); the live heap after a full GC at the end; and the first (untimed) step, which holds JIT
 * warm-up, fused MoFaSGD's unfused initialisation from the full gradient and GaLore's SVD of every hidden matrix
 * (which it repeats every 200 steps).
 */
public final class Gpt2FinetuneBenchmark {
    static final String TAG = "GPT2FT";
    public static final GptConfig GPT2_124M = new GptConfig(12, 12, 768, 1024, 50257, 0.0);
    public static final List<String> METHODS = List.of("adamw", "lora", "galore", "mofasgd-fused", "adalomo");
    static final int BATCH = 4;
    static final int CONTEXT = 64;
    static final int RANK = 8;
    static final long SEED = 1337;

    private Gpt2FinetuneBenchmark() {}

    /** What to run. */
    public record Options(List<String> methods, int warmup, int steps, int threads, String heap, String python,
                          Path peerScript, boolean peer) {
        public Options {
            for (String m : methods) {
                if (!METHODS.contains(m)) {
                    throw new IllegalArgumentException("bench gpt2: unknown method '" + m + "'; choose from "
                            + METHODS);
                }
            }
            if (warmup < 1 || steps < 1 || threads < 1) {
                throw new IllegalArgumentException("bench gpt2: need warmup >= 1, steps >= 1, threads >= 1, got "
                        + warmup + ", " + steps + ", " + threads);
            }
        }
    }

    record Result(String method, long trainable, double firstStepMillis, double[] stepMillis,
                  double cpuMillisPerStep, long peakBytes,
                  long afterGcPeakBytes, long liveBytes, long stateBytes, long gradientBytes, double firstLoss,
                  double lastLoss) {
        double medianMillis() {
            double[] s = GptStepBenchmark.sorted(stepMillis);
            return BenchTimer.median(s);
        }

        double minMillis() {
            return GptStepBenchmark.sorted(stepMillis)[0];
        }

        String toLine() {
            Map<String, String> f = new LinkedHashMap<>();
            f.put("method", method);
            f.put("trainable", Long.toString(trainable));
            f.put("first_step_ms", Double.toString(firstStepMillis));
            f.put("step_ms", KeyValueLine.doubles(stepMillis));
            f.put("cpu_ms_per_step", Double.toString(cpuMillisPerStep));
            f.put("peak_bytes", Long.toString(peakBytes));
            f.put("after_gc_peak_bytes", Long.toString(afterGcPeakBytes));
            f.put("live_bytes", Long.toString(liveBytes));
            f.put("state_bytes", Long.toString(stateBytes));
            f.put("gradient_bytes", Long.toString(gradientBytes));
            f.put("first_loss", Double.toString(firstLoss));
            f.put("last_loss", Double.toString(lastLoss));
            return KeyValueLine.format(TAG, f);
        }

        static Result fromLine(String line) {
            Map<String, String> f = KeyValueLine.parse(line);
            return new Result(f.get("method"), Long.parseLong(f.get("trainable")),
                    Double.parseDouble(f.get("first_step_ms")),
                    KeyValueLine.parseDoubles(f.get("step_ms")), Double.parseDouble(f.get("cpu_ms_per_step")),
                    Long.parseLong(f.get("peak_bytes")),
                    Long.parseLong(f.get("after_gc_peak_bytes")), Long.parseLong(f.get("live_bytes")),
                    Long.parseLong(f.get("state_bytes")), Long.parseLong(f.get("gradient_bytes")),
                    Double.parseDouble(f.get("first_loss")), Double.parseDouble(f.get("last_loss")));
        }
    }

    /** The model and optimizer of {@code method}, on {@code config}. */
    static StatefulOptimizer setUp(String method, Gpt gpt) {
        return switch (method) {
            case "adamw" -> Optimizers.create(new Optimizers.Spec("adamw", 3e-4, 0.1, 0.95, RANK, 3e-4, false),
                    gpt.trainableParameters());
            case "lora" -> {
                Lora.apply(gpt, LoraConfig.of(RANK), SEED);
                yield Optimizers.create(new Optimizers.Spec("adamw", 3e-4, 0.1, 0.95, RANK, 3e-4, false),
                        gpt.trainableParameters());
            }
            case "galore" -> Optimizers.create(new Optimizers.Spec("galore", 3e-4, 0.1, 0.95, RANK, 3e-4, false),
                    gpt.trainableParameters());
            case "mofasgd-fused" -> Optimizers.create(new Optimizers.Spec("mofasgd", 0.02, 0.1, 0.95, RANK, 3e-4,
                    true), gpt.trainableParameters());
            case "adalomo" -> Optimizers.create(new Optimizers.Spec("adalomo", 1e-3, 0.0, 0.95, RANK, 3e-4, true),
                    gpt.trainableParameters());
            default -> throw new IllegalArgumentException("bench gpt2: unknown method '" + method + "'");
        };
    }

    /** Runs {@code warmup + steps} steps of {@code method} on {@code config} in this JVM. */
    static Result measureHere(String method, GptConfig config, int warmup, int steps) {
        Gpt gpt = new Gpt(config, SEED);
        StatefulOptimizer opt = setUp(method, gpt);
        Random rnd = new Random(SEED);
        int[] tokens = new int[200_000];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rnd.nextInt(config.vocab());
        }
        TokenStream stream = TokenStream.of("random tokens", tokens);
        int total = warmup + steps;
        TrainConfig tc = new TrainConfig(total, BATCH, CONTEXT, 1, 0, 1.0, 0.0, 0, 1, 0, SEED);
        Trainer trainer = new Trainer(gpt, opt, stream, stream, tc, 1.0);
        Trainer[] trainerRef = {trainer};
        double[] millis = new double[steps];
        double[] first = new double[1];
        double[] losses = new double[total];
        HeapProbe.AfterGcPeak[] afterGc = new HeapProbe.AfterGcPeak[1];
        long[] cpuStart = new long[1];
        trainer.addListener(new TrainingListener() {
            @Override
            public void onStep(StepStats s) {
                int i = (int) s.step() - 1;
                losses[i] = s.loss();
                if (i == 0) {
                    first[0] = s.millis();
                }
                if (i >= warmup) {
                    millis[i - warmup] = s.millis();
                }
                System.out.printf(Locale.ROOT, "PROGRESS\t%s step %d/%d: %.0f ms, loss %.4f%n", method, i + 1, total,
                        s.millis(), s.loss());
                if (i + 1 == warmup) {
                    System.gc();
                    HeapProbe.resetHeapPeaks();
                    afterGc[0] = new HeapProbe.AfterGcPeak();
                    cpuStart[0] = GptStepBenchmark.processCpuNanos();
                    trainerRef[0].resetPeakGradientBytes();
                }
            }
        });
        trainer.run();
        double cpuPerStep = (GptStepBenchmark.processCpuNanos() - cpuStart[0]) / 1e6 / steps;
        long peak = HeapProbe.heapPeakBytes();
        afterGc[0].close();
        long live = HeapProbe.liveHeapBytes();
        return new Result(method, gpt.trainableParameterCount(), first[0], millis, cpuPerStep, peak, afterGc[0].bytes(), live,
                opt.stateBytes(), trainer.peakGradientBytes(), losses[0], losses[total - 1]);
    }

    /** Every method in its own child JVM, then the PyTorch peer; prints the table and a JSON line. */
    public static int run(Options o, PrintStream out, PrintStream log) throws IOException, InterruptedException {
        GptConfig c = GPT2_124M;
        out.println(KernelMode.describe());
        out.printf(Locale.ROOT, "GPT-2 124M shape, random weights: L%d d%d h%d, %d positions, vocab %d; batch %d ×"
                        + " %d tokens; %d warm-up + %d timed steps; child JVMs -Xmx%s, %d kernel threads%n", c.layers(),
                c.width(), c.heads(), c.context(), c.vocab(), BATCH, CONTEXT, o.warmup(), o.steps(), o.heap(),
                o.threads());
        List<Result> results = new ArrayList<>();
        for (String m : o.methods()) {
            log.println("bench gpt2: " + m + " ...");
            List<String> cmd = ChildProcess.javaCommand(o.threads(), "-Xmx" + o.heap(), Gpt2FinetuneBenchmark.class,
                    List.of("--child", m, Integer.toString(o.warmup()), Integer.toString(o.steps())));
            ChildProcess.Output res = ChildProcess.run(cmd, Map.of(), TAG, 3600);
            if (!res.ok()) {
                throw new IOException("bench gpt2: child JVM for " + m + " failed (exit " + res.exitCode() + "):\n"
                        + res.tail(30));
            }
            results.add(Result.fromLine(res.tagged().getLast()));
        }
        PytorchPeer.Outcome peer = null;
        if (o.peer()) {
            log.println("bench gpt2: PyTorch peer ...");
            GptStepBenchmark.Settings s = new GptStepBenchmark.Settings(
                    new GptConfig(c.layers(), c.heads(), c.width(), CONTEXT, c.vocab(), 0.0), BATCH, o.warmup(),
                    o.steps(), 0, SEED);
            peer = PytorchPeer.run(o.python(), o.peerScript(), o.threads(), s,
                    List.of("--positions", Integer.toString(c.context())));
        }
        printTable(out, results, peer);
        return 0;
    }

    private static void printTable(PrintStream out, List<Result> results, PytorchPeer.Outcome peer) {
        double torchMs = peer != null && peer.available() ? peer.result().medianMillis() : Double.NaN;
        out.printf(Locale.ROOT, "%-15s %12s %16s %8s %9s %9s %9s %9s %9s %9s %9s %12s%n", "method", "trainable",
                "ms/step med(min)", "cpu ms", "vs torch", "1st step", "peak MiB", "afterGC", "live MiB",
                "state MiB", "grads MiB", "loss");
        StringBuilder json = new StringBuilder("{\"benchmark\":\"mofa4j bench gpt2\",\"shape\":\"L12-d768-h12-P1024-"
                + "V50257-B4-T64\",\"rows\":[");
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            out.printf(Locale.ROOT, "%-15s %12d %9.0f (%4.0f) %8.0f %9s %9.0f %9.0f %9.0f %9.0f %9.1f %9.1f %12s%n",
                    r.method(), r.trainable(), r.medianMillis(), r.minMillis(), r.cpuMillisPerStep(),
                    Double.isNaN(torchMs) ? "-" : String.format(Locale.ROOT, "%.2f×", r.medianMillis() / torchMs),
                    r.firstStepMillis(),
                    mib(r.peakBytes()), mib(r.afterGcPeakBytes()), mib(r.liveBytes()), mib(r.stateBytes()),
                    mib(r.gradientBytes()), String.format(Locale.ROOT, "%.2f→%.2f", r.firstLoss(), r.lastLoss()));
            json.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "{\"method\":\"%s\",\"trainable\":%d,"
                            + "\"ms_median\":%.1f,\"ms_min\":%.1f,\"cpu_ms_per_step\":%.1f,\"first_step_ms\":%.1f,"
                            + "\"peak_heap_bytes\":%d,"
                            + "\"after_gc_peak_bytes\":%d,"
                            + "\"live_bytes\":%d,\"state_bytes\":%d,\"gradient_bytes\":%d,\"first_loss\":%.4f,"
                            + "\"last_loss\":%.4f}", r.method(), r.trainable(), r.medianMillis(), r.minMillis(),
                    r.cpuMillisPerStep(), r.firstStepMillis(), r.peakBytes(), r.afterGcPeakBytes(), r.liveBytes(), r.stateBytes(),
                    r.gradientBytes(),
                    r.firstLoss(), r.lastLoss()));
        }
        json.append(']');
        if (peer != null && peer.available()) {
            GptStepBenchmark.StepResult p = peer.result();
            out.printf(Locale.ROOT, "%-15s %12d %9.0f (%4.0f) %8.0f %9s %9s %9s %9s %9s %9s %9s %12s%n",
                    "pytorch-adamw", p.parameters(), p.medianMillis(), p.minMillis(), p.cpuMillisPerStep(), "1.00×",
                    "-", "-", "-", "-", "-", "-",
                    String.format(Locale.ROOT, "%.2f→%.2f", p.firstLoss(), p.lastLoss()));
            out.println("pytorch: " + p.note());
            json.append(String.format(Locale.ROOT, ",\"pytorch_adamw\":{\"ms_median\":%.1f,\"ms_min\":%.1f,"
                    + "\"cpu_ms_per_step\":%.1f,\"params\":%d,\"note\":%s}", p.medianMillis(), p.minMillis(),
                    p.cpuMillisPerStep(), p.parameters(),
                    BenchRow.Json.str(p.note())));
        } else if (peer != null) {
            out.println("pytorch-adamw: not measured: " + peer.unavailableReason());
            json.append(",\"pytorch_adamw\":null");
        }
        out.println("JSON " + json.append('}'));
    }

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }

    /** {@code --child METHOD WARMUP STEPS}: one {@code GPT2FT} line. */
    public static void main(String[] args) {
        if (args.length == 4 && args[0].equals("--child")) {
            Gemm.warmUp();
            System.out.println(measureHere(args[1], GPT2_124M, Integer.parseInt(args[2]), Integer.parseInt(args[3]))
                    .toLine());
            return;
        }
        throw new IllegalArgumentException("usage: Gpt2FinetuneBenchmark --child METHOD WARMUP STEPS"
                + " (the table: mofa4j bench gpt2)");
    }
}
