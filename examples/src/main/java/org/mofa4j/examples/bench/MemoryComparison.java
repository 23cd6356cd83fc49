package org.mofa4j.examples.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
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

/**
 * Peak heap of training, one method per fresh child JVM ({@code -Xmx2g}, serial GC, {@code -Dmofa4j.threads=1}):
 * fused MoFaSGD (default routing, and {@code mofasgd-all}) and LoRA + AdamW at ranks 4, 8 and 16, full AdamW, and
 * unfused MoFaSGD at rank 8, on a GPT large
 * enough that optimizer state is visible next to the activations (4 layers, width 384, context 64, vocabulary
 * 256: ~7M parameters; batch 4).
 *
 * <p>Each child trains {@value #STEPS} steps through {@link Trainer} on a periodic random token stream (the loss
 * falls quickly when training works) with a {@link PeakHeapProbe} at {@link PeakHeapProbe.Points#EVERY_OP} on
 * step 1 and on the last {@value #STEADY_STEPS} steps: the <b>peak live heap</b> of a step is the largest heap
 * still reachable after a full GC over its probe points (after every backward op, at every gradient-ready hook
 * and outer-product sink, and before the optimizer step), so every method is sampled at the same ops.
 * Reported: the steady-state peak (max over the last steps, after the JIT has settled), the first step's peak
 * separately (it allocates the optimizer state, and MoFaSGD's initialisation sees the first gradient), the live
 * heap after training (weights and state, no activations), {@link StatefulOptimizer#stateBytes()}, the trainable
 * parameter count, and the mean loss of the first and last two steps. Each method runs {@code --repeats} times
 * (default 3) in fresh JVMs; the table gives the median and the spread (max − min) of the steady-state peak.
 * {@code -Dmofa4j.probe.trace=true} on a {@code --child} run prints every reading.
 */
public final class MemoryComparison {
    static final String TAG = "MEMCMP";
    static final int STEPS = 12;
    /** The last steps, probed for the steady-state peak. */
    static final int STEADY_STEPS = 3;
    static final int BATCH = 4;
    static final long SEED = 1337;
    static final GptConfig MODEL = new GptConfig(4, 4, 384, 64, 256, 0.0);
    /** Method and rank of each comparison row. */
    static final List<String> METHODS = List.of("mofasgd-fused:4", "mofasgd-all-fused:4", "lora-adamw:4",
            "mofasgd-fused:8", "mofasgd-all-fused:8", "lora-adamw:8", "mofasgd-fused:16", "mofasgd-all-fused:16",
            "lora-adamw:16", "adamw:0", "mofasgd-unfused:8");

    private MemoryComparison() {
    }

    record Result(String method, int rank, long trainable, long parameters, long stateBytes, long peakBytes,
                  long firstStepPeakBytes, long liveBytes, double firstLoss,
                  double lastLoss) {
        boolean lossFell() {
            return lastLoss < firstLoss;
        }

        String toLine() {
            Map<String, String> f = new LinkedHashMap<>();
            f.put("method", method);
            f.put("rank", Integer.toString(rank));
            f.put("trainable", Long.toString(trainable));
            f.put("params", Long.toString(parameters));
            f.put("state_bytes", Long.toString(stateBytes));
            f.put("peak_bytes", Long.toString(peakBytes));
            f.put("first_step_peak_bytes", Long.toString(firstStepPeakBytes));
            f.put("live_bytes", Long.toString(liveBytes));
            f.put("first_loss", Double.toString(firstLoss));
            f.put("last_loss", Double.toString(lastLoss));
            return KeyValueLine.format(TAG, f);
        }

        static Result fromLine(String line) {
            Map<String, String> f = KeyValueLine.parse(line);
            return new Result(f.get("method"), Integer.parseInt(f.get("rank")), Long.parseLong(f.get("trainable")),
                    Long.parseLong(f.get("params")), Long.parseLong(f.get("state_bytes")),
                    Long.parseLong(f.get("peak_bytes")), Long.parseLong(f.get("first_step_peak_bytes")),
                    Long.parseLong(f.get("live_bytes")), Double.parseDouble(f.get("first_loss")),
                    Double.parseDouble(f.get("last_loss")));
        }
    }

    /** The repeats of one method: medians and the spread of the steady-state peak. */
    record Summary(String method, int rank, List<Result> runs) {
        Result first() {
            return runs.getFirst();
        }

        long median(java.util.function.ToLongFunction<Result> f) {
            long[] v = runs.stream().mapToLong(f).sorted().toArray();
            return v[v.length / 2];
        }

        long spread(java.util.function.ToLongFunction<Result> f) {
            long[] v = runs.stream().mapToLong(f).sorted().toArray();
            return v[v.length - 1] - v[0];
        }

        String toJson() {
            Result r = first();
            return String.format(Locale.ROOT, "{\"method\":\"%s\",\"rank\":%d,\"trainable_params\":%d,"
                            + "\"params\":%d,\"state_bytes\":%d,\"peak_live_heap_bytes_median\":%d,"
                            + "\"peak_live_heap_bytes_spread\":%d,"
                            + "\"first_step_peak_bytes_median\":%d,"
                            + "\"live_heap_after_bytes_median\":%d,\"repeats\":%d,\"first_loss\":%.4f,"
                            + "\"last_loss\":%.4f,\"loss_fell\":%b}", method, rank, r.trainable(), r.parameters(),
                    r.stateBytes(), median(Result::peakBytes), spread(Result::peakBytes),
                    median(Result::firstStepPeakBytes), median(Result::liveBytes), runs.size(), r.firstLoss(),
                    r.lastLoss(), runs.stream().allMatch(Result::lossFell));
        }
    }

    /** A random pattern of 48 tokens, repeated: learnable, so the loss falls when training works. */
    static TokenStream periodicStream(int length, int vocab, long seed) {
        Random rnd = new Random(seed);
        int[] pattern = new int[48];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = rnd.nextInt(vocab);
        }
        int[] tokens = new int[length];
        for (int i = 0; i < length; i++) {
            tokens[i] = pattern[i % pattern.length];
        }
        return TokenStream.of("periodic random tokens", tokens);
    }

    static Result measureHere(String method, int rank) {
        Gpt gpt = new Gpt(MODEL, SEED);
        StatefulOptimizer opt;
        double lr;
        switch (method) {
            case "mofasgd-fused", "mofasgd-unfused", "mofasgd-all-fused" -> {
                lr = 0.02;
                opt = Optimizers.create(new Optimizers.Spec(method.equals("mofasgd-all-fused") ? "mofasgd-all"
                        : "mofasgd", lr, 0.1, 0.99, rank, 1e-3, !method.equals("mofasgd-unfused")),
                        gpt.trainableParameters());
            }
            case "lora-adamw" -> {
                Lora.apply(gpt, LoraConfig.of(rank), SEED);
                lr = 1e-3;
                opt = Optimizers.create(Optimizers.Spec.of("adamw", lr), gpt.trainableParameters());
            }
            case "adamw" -> {
                lr = 1e-3;
                opt = Optimizers.create(Optimizers.Spec.of("adamw", lr), gpt.trainableParameters());
            }
            default -> throw new IllegalArgumentException("MemoryComparison: unknown method '" + method + "'");
        }
        TokenStream stream = periodicStream(50_000, MODEL.vocab(), SEED);
        TrainConfig tc = new TrainConfig(STEPS, BATCH, MODEL.context(), 1, 1, 0.1, 0.0, 0, 1, 0, SEED);
        Trainer trainer = new Trainer(gpt, opt, stream, stream, tc, lr);
        Set<Long> probed = new TreeSet<>(List.of(1L));
        for (long step = STEPS - STEADY_STEPS + 1; step <= STEPS; step++) {
            probed.add(step);
        }
        PeakHeapProbe probe = PeakHeapProbe.install(trainer, probed, PeakHeapProbe.Points.EVERY_OP);
        double[] losses = new double[STEPS];
        trainer.addListener(new TrainingListener() {
            @Override
            public void onStep(StepStats s) {
                losses[(int) s.step() - 1] = s.loss();
            }
        });
        trainer.run();
        long steady = -1;
        for (int step = STEPS - STEADY_STEPS + 1; step <= STEPS; step++) {
            steady = Math.max(steady, probe.maxLiveBytes(step));
        }
        long live = HeapProbe.liveHeapBytes();
        return new Result(method, rank, gpt.trainableParameterCount(), gpt.parameterCount(), opt.stateBytes(), steady,
                probe.maxLiveBytes(1), live, (losses[0] + losses[1]) / 2, (losses[STEPS - 2] + losses[STEPS - 1]) / 2);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.2f", bytes / 1048576.0);
    }

    /**
     * {@code --child METHOD RANK}: one {@code MEMCMP} line. Otherwise {@code [--repeats N] [METHOD:RANK ...]}:
     * the comparison table and a {@code JSON} line.
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length == 3 && args[0].equals("--child")) {
            Gemm.warmUp();
            System.out.println(measureHere(args[1], Integer.parseInt(args[2])).toLine());
            return;
        }
        int repeats = 3;
        List<String> methods = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--repeats")) {
                repeats = Integer.parseInt(args[++i]);
            } else {
                methods.add(args[i]);
            }
        }
        if (methods.isEmpty()) {
            methods = METHODS;
        }
        List<Summary> summaries = new ArrayList<>();
        for (String m : methods) {
            String[] mr = m.split(":");
            if (mr.length != 2) {
                throw new IllegalArgumentException("MemoryComparison: expected METHOD:RANK, got '" + m + "'");
            }
            List<Result> runs = new ArrayList<>();
            for (int k = 0; k < repeats; k++) {
                List<String> cmd = ChildProcess.javaCommand(1, ChildProcess.MEASURING_GC,
                        MemoryComparison.class, List.of("--child", mr[0], mr[1]));
                ChildProcess.Output out = ChildProcess.run(cmd, Map.of(), TAG, 3600);
                if (!out.ok()) {
                    throw new IOException("MemoryComparison: child JVM for " + m + " failed (exit " + out.exitCode()
                            + "):\n" + out.tail(30));
                }
                runs.add(Result.fromLine(out.tagged().getLast()));
            }
            summaries.add(new Summary(mr[0], Integer.parseInt(mr[1]), runs));
        }
        System.out.printf(Locale.ROOT, "GPT L%d d%d h%d T%d V%d, batch %d, %d steps, child JVMs %s %s, 1 kernel thread,"
                        + " %d repeats; peak = live heap after full GC, max over every backward op and hook of steps"
                        + " %d-%d (median, spread = max - min over repeats)%n", MODEL.layers(), MODEL.width(),
                MODEL.heads(), MODEL.context(), MODEL.vocab(), BATCH, STEPS, ChildProcess.CHILD_HEAP,
                String.join(" ", ChildProcess.MEASURING_GC), repeats, STEPS - STEADY_STEPS + 1, STEPS);
        System.out.printf(Locale.ROOT, "%-17s %4s %10s %10s %10s %8s %12s %10s %8s %8s %5s%n", "method",
                "rank", "trainable", "state MiB", "peak MiB", "spread", "step-1 MiB", "live MiB",
                "loss 1-2", "loss last2", "fell");
        for (Summary s : summaries) {
            Result r = s.first();
            System.out.printf(Locale.ROOT, "%-17s %4d %10d %10s %10s %8s %12s %10s %8.4f %8.4f %5s%n",
                    s.method(), s.rank(), r.trainable(), mib(r.stateBytes()), mib(s.median(Result::peakBytes)),
                    mib(s.spread(Result::peakBytes)), mib(s.median(Result::firstStepPeakBytes)),
                    mib(s.median(Result::liveBytes)), r.firstLoss(), r.lastLoss(), r.lossFell());
        }
        System.out.println("JSON [" + String.join(",", summaries.stream().map(Summary::toJson).toList()) + "]");
    }
}
