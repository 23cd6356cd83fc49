package org.mofa4j.examples.cli;

import java.util.concurrent.Callable;
import org.mofa4j.examples.bench.SoakBenchmark;
import org.mofa4j.nn.GptConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mofa4j bench soak}: the long-run memory check ({@link SoakBenchmark}); exits 1 when the heap grew by
 * more than the limit.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Soak test: trains a small GPT on the built-in corpus for --steps steps through the full training"
                + " loop (evaluation, metrics log, checkpoints with pruning) and prints the heap after a full GC every"
                + " --every steps: a table, a verdict (flat when every reading is within 5 % of the first) and a line"
                + " starting with 'JSON '. Exit status 1 when the heap grew beyond the limit. Takes minutes."})
public final class SoakCommand implements Callable<Integer> {
    @Option(names = "--steps", defaultValue = "5000", description = "training steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--every", defaultValue = "500", description = "steps between heap readings (default: ${DEFAULT-VALUE})")
    int every;

    @Option(names = "--layers", defaultValue = "2") int layers;
    @Option(names = "--heads", defaultValue = "2") int heads;
    @Option(names = "--width", defaultValue = "64") int width;
    @Option(names = "--context", defaultValue = "32") int context;
    @Option(names = "--batch", defaultValue = "8") int batch;
    @Option(names = "--seed", defaultValue = "1337") long seed;

    @Override
    public Integer call() {
        Startup.announce();
        // vocab is replaced by the tokenizer's once the corpus is read
        SoakBenchmark.Settings s = new SoakBenchmark.Settings(new GptConfig(layers, heads, width, context, 1, 0.0),
                batch, steps, every, seed);
        SoakBenchmark.Result r = SoakBenchmark.run(s, System.err);
        SoakBenchmark.print(r, System.out);
        return r.flat() ? 0 : 1;
    }
}
