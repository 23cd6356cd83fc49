package org.mofa4j.examples.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
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

/**
 * Heap of whole training runs, one method per fresh child JVM ({@code -Xmx2g}, {@code -Dmofa4j.threads=1}):
 * fused MoFaSGD, LoRA + AdamW, full AdamW and unfused MoFaSGD, at the same rank, on a GPT large enough that
 * optimizer state is visible next to the activations (4 layers, width 384, context 64, vocabulary 256: ~7M
 * parameters; batch 4).
 *
 * <p>Each child trains {@value #STEPS} steps through {@link Trainer} on a periodic random token stream (the loss
 * falls quickly when training works). After {@value #WARMUP} warm-up steps it runs a full GC and resets the peak
 * usage of every heap memory pool; at the end it sums the pools' peaks (<b>peak heap</b> over the remaining
 * steps: an upper bound of the true peak when a GC ran in the window, since pools peak at different moments, and
 * it includes garbage not yet collected), then runs a full GC and reads the heap used (<b>live heap</b>: weights,
 * optimizer state, no activations). Also reported: {@link StatefulOptimizer#stateBytes()}, the trainable
 * parameter count, bytes allocated per measured step, and the mean loss of the first and last five steps.
 */
public final class MemoryComparison {
    static final String TAG = "MEMCMP";
    static final int STEPS = 30;
    static final int WARMUP = 5;
    static final int RANK = 8;
    static final int BATCH = 4;
    static final long SEED = 1337;
    static final GptConfig MODEL = new GptConfig(4, 4, 384, 64, 256, 0.0);
    static final List<String> METHODS = List.of("mofasgd-fused", "lora-adamw", "adamw", "mofasgd-unfused");

    private MemoryComparison() {
    }

    record Result(String method, long trainable, long parameters, long stateBytes, long peakBytes, long liveBytes,
                  double allocPerStep, long gcCount, double firstLoss, double lastLoss) {
        boolean lossFell() {
            return lastLoss < firstLoss;
        }

        String toLine() {
            Map<String, String> f = new LinkedHashMap<>();
            f.put("method", method);
            f.put("trainable", Long.toString(trainable));
            f.put("params", Long.toString(parameters));
            f.put("state_bytes", Long.toString(stateBytes));
            f.put("peak_bytes", Long.toString(peakBytes));
            f.put("live_bytes", Long.toString(liveBytes));
            f.put("alloc_per_step", Double.toString(allocPerStep));
            f.put("gc_count", Long.toString(gcCount));
            f.put("first_loss", Double.toString(firstLoss));
            f.put("last_loss", Double.toString(lastLoss));
            return KeyValueLine.format(TAG, f);
        }

        static Result fromLine(String line) {
            Map<String, String> f = KeyValueLine.parse(line);
            return new Result(f.get("method"), Long.parseLong(f.get("trainable")), Long.parseLong(f.get("params")),
                    Long.parseLong(f.get("state_bytes")), Long.parseLong(f.get("peak_bytes")),
                    Long.parseLong(f.get("live_bytes")), Double.parseDouble(f.get("alloc_per_step")),
                    Long.parseLong(f.get("gc_count")), Double.parseDouble(f.get("first_loss")),
                    Double.parseDouble(f.get("last_loss")));
        }

        String toJson() {
            return String.format(Locale.ROOT, "{\"method\":\"%s\",\"trainable_params\":%d,\"params\":%d,"
                            + "\"state_bytes\":%d,\"peak_heap_bytes\":%d,\"live_heap_bytes\":%d,"
                            + "\"alloc_bytes_per_step\":%.0f,\"gc_count\":%d,\"first_loss\":%.4f,\"last_loss\":%.4f,"
                            + "\"loss_fell\":%b}", method, trainable, parameters, stateBytes, peakBytes, liveBytes,
                    allocPerStep, gcCount, firstLoss, lastLoss, lossFell());
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

    static Result measureHere(String method) {
        Gpt gpt = new Gpt(MODEL, SEED);
        StatefulOptimizer opt;
        double lr;
        switch (method) {
            case "mofasgd-fused", "mofasgd-unfused" -> {
                lr = 0.02;
                opt = Optimizers.create(new Optimizers.Spec("mofasgd", lr, 0.1, 0.99, RANK, 1e-3,
                        method.equals("mofasgd-fused")), gpt.trainableParameters());
            }
            case "lora-adamw" -> {
                Lora.apply(gpt, LoraConfig.of(RANK), SEED);
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
        TrainConfig tc = new TrainConfig(STEPS, BATCH, MODEL.context(), 1, 3, 0.1, 0.0, 0, 1, 0, SEED);
        Trainer trainer = new Trainer(gpt, opt, stream, stream, tc, lr);
        double[] losses = new double[STEPS];
        long[] marks = new long[3]; // allocated bytes at the window start, GC count at the window start
        trainer.addListener(new TrainingListener() {
            @Override
            public void onStep(StepStats s) {
                losses[(int) s.step() - 1] = s.loss();
                if (s.step() == WARMUP) {
                    System.gc();
                    HeapProbe.resetHeapPeaks();
                    marks[0] = HeapProbe.allocatedBytes();
                    marks[1] = HeapProbe.gcCount();
                }
            }
        });
        trainer.run();
        long peak = HeapProbe.heapPeakBytes();
        long alloc = HeapProbe.allocatedBytes() - marks[0];
        long gcs = HeapProbe.gcCount() - marks[1];
        System.gc();
        long live = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        double first = 0, last = 0;
        for (int i = 0; i < 5; i++) {
            first += losses[i] / 5;
            last += losses[STEPS - 1 - i] / 5;
        }
        return new Result(method, gpt.trainableParameterCount(), gpt.parameterCount(), opt.stateBytes(), peak, live,
                alloc / (double) (STEPS - WARMUP), gcs, first, last);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.2f", bytes / 1048576.0);
    }

    /** {@code --child METHOD}: one {@code MEMCMP} line. Otherwise (optional method names): the comparison. */
    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length == 2 && args[0].equals("--child")) {
            Gemm.warmUp();
            System.out.println(measureHere(args[1]).toLine());
            return;
        }
        List<String> methods = args.length > 0 ? List.of(args) : METHODS;
        List<Result> results = new ArrayList<>();
        for (String m : methods) {
            List<String> cmd = ChildProcess.javaCommand(1, MemoryComparison.class, List.of("--child", m));
            ChildProcess.Output out = ChildProcess.run(cmd, Map.of(), TAG, 3600);
            if (!out.ok()) {
                throw new IOException("MemoryComparison: child JVM for " + m + " failed (exit " + out.exitCode()
                        + "):\n" + out.tail(30));
            }
            results.add(Result.fromLine(out.tagged().getLast()));
        }
        System.out.printf(Locale.ROOT, "GPT L%d d%d h%d T%d V%d, batch %d, rank %d, %d steps (peak over steps %d-%d),"
                        + " child JVMs %s, 1 kernel thread%n", MODEL.layers(), MODEL.width(), MODEL.heads(),
                MODEL.context(), MODEL.vocab(), BATCH, RANK, STEPS, WARMUP + 1, STEPS, ChildProcess.CHILD_HEAP);
        System.out.printf(Locale.ROOT, "%-16s %12s %12s %12s %12s %14s %5s %10s %10s %5s%n", "method", "trainable",
                "state MiB", "peak MiB", "live MiB", "alloc/step MiB", "GCs", "loss 1-5", "loss 26-30", "fell");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "%-16s %12d %12s %12s %12s %14s %5d %10.4f %10.4f %5s%n", r.method(),
                    r.trainable(), mib(r.stateBytes()), mib(r.peakBytes()), mib(r.liveBytes()),
                    mib((long) r.allocPerStep()), r.gcCount(), r.firstLoss(), r.lastLoss(), r.lossFell());
        }
        System.out.println("JSON [" + String.join(",", results.stream().map(Result::toJson).toList()) + "]");
    }
}
