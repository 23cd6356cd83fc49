package org.mofa4j.examples.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.mofa4j.examples.compare.CompareMethod;
import org.mofa4j.examples.compare.CompareSettings;
import org.mofa4j.examples.compare.Comparison;
import org.mofa4j.tensor.kernels.KernelMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mofa4j compare}: pre-trains a base GPT (or takes {@code --base}), fine-tunes it with every method under
 * the same token budget and seed, each with a three-value learning-rate sweep in a fresh JVM, and reports final
 * and best validation loss, optimizer state, peak live heap, trainable parameters, wall time and tokens/s as
 * Markdown, JSON and a scatter plot. The work is in {@link Comparison}.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune one base model with every optimizer (AdamW, SGD, LoRA, GaLore, MoFaSGD in both forms,"
                + " AdaLomo, LOMO, Muon, Adafactor) under the same token budget and compare quality against memory.",
            "Writes OUT/compare.md, OUT/compare.json and OUT/compare.png. Finished runs are kept in OUT/runs and not"
                    + " run again, so an interrupted comparison resumes."})
public final class CompareCommand implements Callable<Integer> {
    @Option(names = "--pretrain-text", description = "text whose first 90%% pre-trains the base (default: the built-in"
            + " corpus)")
    Path pretrainText;

    @Option(names = "--finetune-text", description = "text to fine-tune on (default: the last 10%% of the"
            + " pre-training text)")
    Path finetuneText;

    @Option(names = "--base", description = "an existing checkpoint (file or run directory) to fine-tune instead of"
            + " pre-training one")
    Path base;

    @Option(names = "--layers", defaultValue = "4") int layers;
    @Option(names = "--heads", defaultValue = "4") int heads;
    @Option(names = "--width", defaultValue = "128") int width;
    @Option(names = "--context", defaultValue = "64") int context;

    @Option(names = "--pretrain-steps", defaultValue = "600",
            description = "AdamW steps of pre-training (default: ${DEFAULT-VALUE})") int pretrainSteps;
    @Option(names = "--steps", defaultValue = "100",
            description = "fine-tuning steps of every run (default: ${DEFAULT-VALUE})") int steps;
    @Option(names = "--batch", defaultValue = "12") int batch;
    @Option(names = "--eval-every", defaultValue = "25") int evalEvery;
    @Option(names = "--eval-batches", defaultValue = "10") int evalBatches;

    @Option(names = "--methods", split = ",", description = "subset of the methods, comma-separated (default: all)")
    List<String> methods;
    @Option(names = "--ranks", split = ",", defaultValue = "4,8,16",
            description = "ranks of LoRA, GaLore and MoFaSGD (default: ${DEFAULT-VALUE})") List<Integer> ranks;
    @Option(names = "--seed", defaultValue = "1337") long seed;
    @Option(names = "--threads", description = "kernel threads of each run (default: this machine's cores)")
    Integer threads;
    @Option(names = "--report-only", description = "run nothing; report the runs finished so far in --out")
    boolean reportOnly;
    @Option(names = "--out", defaultValue = "runs/compare", description = "output directory (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        Startup.announce();
        CompareSettings s = new CompareSettings(pretrainText, finetuneText, base, layers, heads, width, context,
                pretrainSteps, steps, batch, evalEvery, evalBatches,
                methods == null || methods.isEmpty() ? CompareMethod.FAMILIES : methods, ranks, seed);
        new Comparison(s, out, threads == null ? KernelMode.threads() : threads, System.out, reportOnly).run();
        System.out.println();
        System.out.print(java.nio.file.Files.readString(out.resolve("compare.md")));
        System.out.println("table: " + out.resolve("compare.md") + ", JSON: " + out.resolve("compare.json")
                + ", plot: " + out.resolve("compare.png"));
        return 0;
    }
}
