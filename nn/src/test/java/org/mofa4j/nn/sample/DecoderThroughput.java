package org.mofa4j.nn.sample;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import org.mofa4j.autograd.GradMode;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.sample.GptDecoder.OnFullContext;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Tensor;

/**
 * Greedy tokens per second on {@link GptConfig#tiny()} with and without the KV cache (a main, not a test):
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp ... org.mofa4j.nn.sample.DecoderThroughput [tokens] [reps]
 * </pre>
 * "full forward" runs {@link Gpt#forward} over the last ≤ context tokens for every new token (nanoGPT's loop);
 * the cached rows use {@link Sampler} with an exact slide (keep context − 1) and with keep = context / 2.
 * Each row reports the median of {@code reps} timed runs after two warm-up runs, as wall time and as the
 * calling thread's CPU time; the latter is the whole cost only with {@code -Dmofa4j.threads=1}, and is the
 * steadier number on a shared machine.
 */
public final class DecoderThroughput {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private DecoderThroughput() {}

    public static void main(String[] args) {
        int tokens = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        GptConfig config = GptConfig.tiny();
        Gpt model = new Gpt(config, 1);
        model.train(false);
        int[] prompt = {10};
        int context = config.context();

        int[] reference = fullForwardGreedy(model, prompt, tokens);
        Sampler exact = new Sampler(model);
        Sampler half = new Sampler(new GptDecoder(model, OnFullContext.SLIDE, context / 2));
        if (!Arrays.equals(reference, exact.generate(prompt, tokens, 0.0, 0, null))) {
            throw new AssertionError("cached greedy tokens differ from the full forward's");
        }
        System.out.printf("tiny config %s, greedy, prompt 1 token, %d new tokens, %d threads available%n",
                config, tokens, Runtime.getRuntime().availableProcessors());
        report("full forward per token (no cache)", tokens, reps,
                () -> fullForwardGreedy(model, prompt, tokens));
        report("KV cache, exact slide (keep " + (context - 1) + ")", tokens, reps,
                () -> exact.generate(prompt, tokens, 0.0, 0, null));
        report("KV cache, slide keeping " + context / 2, tokens, reps,
                () -> half.generate(prompt, tokens, 0.0, 0, null));
        int inside = context - prompt.length;
        report("full forward, within the context (" + inside + " tokens)", inside, reps,
                () -> fullForwardGreedy(model, prompt, inside));
        report("KV cache, within the context (" + inside + " tokens)", inside, reps,
                () -> exact.generate(prompt, inside, 0.0, 0, null));
    }

    private static void report(String what, int tokens, int reps, Runnable run) {
        run.run();
        run.run();
        double[] wall = new double[reps];
        double[] cpu = new double[reps];
        for (int r = 0; r < reps; r++) {
            long c0 = THREADS.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            run.run();
            wall[r] = (System.nanoTime() - t0) / 1e9;
            cpu[r] = (THREADS.getCurrentThreadCpuTime() - c0) / 1e9;
        }
        Arrays.sort(wall);
        Arrays.sort(cpu);
        System.out.printf("%-48s %8.1f tokens/s wall (median %.3f s, best %.3f s)   %8.1f tokens/s cpu%n", what,
                tokens / wall[reps / 2], wall[reps / 2], wall[0], tokens / cpu[reps / 2]);
    }

    /** Greedy decoding that reruns the whole window through {@link Gpt#forward} for every token. */
    @SuppressWarnings("try") // the scope is used only for its close()
    static int[] fullForwardGreedy(Gpt model, int[] prompt, int tokens) {
        int context = model.config().context();
        int[] seq = Arrays.copyOf(prompt, prompt.length + tokens);
        try (GradMode.Scope ignored = GradMode.disabled()) {
            for (int n = prompt.length; n < seq.length; n++) {
                int from = Math.max(0, n - context);
                int[] window = Arrays.copyOfRange(seq, from, n);
                Tensor logits = model.forward(IntTensor.wrap(window, 1, window.length)).value(); // [1, T, V]
                seq[n] = logits.select(0, 0).select(0, window.length - 1).argmax();
            }
        }
        return Arrays.copyOfRange(seq, prompt.length, seq.length);
    }
}
