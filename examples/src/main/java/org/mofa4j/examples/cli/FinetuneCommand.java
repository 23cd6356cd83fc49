package org.mofa4j.examples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.mofa4j.examples.bench.HeapProbe;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.Lora;
import org.mofa4j.nn.data.Gpt2Tokenizer;
import org.mofa4j.nn.data.TextDataset;
import org.mofa4j.nn.hf.HfGpt2Checkpoint;
import org.mofa4j.nn.train.MetricsLog;
import org.mofa4j.nn.train.TrainConfig;
import org.mofa4j.nn.train.Trainer;
import org.mofa4j.optim.StatefulOptimizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mofa4j finetune}: fine-tunes a pretrained GPT-2 read from its Hugging Face files on a text file, with any
 * optimizer or LoRA, and writes the result in the same layout.
 * <ol>
 *   <li>reads {@code config.json}, {@code model.safetensors} (F32/F16/BF16) and the tokenizer files of
 *       {@code --model};</li>
 *   <li>tokenizes {@code --data} with GPT-2's tokenizer, 90 % for training, the last 10 % for validation;</li>
 *   <li>evaluates the validation perplexity exp(mean cross-entropy over {@code --eval-batches} fixed batches),
 *       trains {@code --steps} steps, evaluates again on the same batches;</li>
 *   <li>merges LoRA adapters if any and saves {@code model.safetensors} + {@code config.json} to {@code --out}, with
 *       the tokenizer files copied, so that {@code GPT2LMHeadModel.from_pretrained(out)} loads it;</li>
 *   <li>reports memory: peak heap while training, live heap after, optimizer state, gradients at a step.</li>
 * </ol>
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fine-tune a pretrained GPT-2 (Hugging Face files: config.json, model.safetensors, vocab.json"
                + " + merges.txt or tokenizer.json) on a text file and save it in the same layout.")
public final class FinetuneCommand implements Callable<Integer> {
    /** Files besides the weights and config that belong with a checkpoint and are copied to the output. */
    static final List<String> COMPANION_FILES = List.of("vocab.json", "merges.txt", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "generation_config.json", "encoder.json", "vocab.bpe");

    @Option(names = "--model", required = true, description = "checkpoint directory (Hugging Face GPT-2 layout)")
    Path model;
    @Option(names = "--data", required = true, description = "UTF-8 text file to fine-tune on") Path data;
    @Option(names = "--out", required = true, description = "directory for the fine-tuned checkpoint") Path out;

    @Option(names = "--steps", defaultValue = "200", description = "optimizer steps (default: ${DEFAULT-VALUE})")
    int steps;
    @Option(names = "--batch", defaultValue = "4") int batch;
    @Option(names = "--context", defaultValue = "128", description = "tokens per sequence (≤ n_positions)")
    int context;
    @Option(names = "--accumulation", defaultValue = "1") int accumulation;
    @Mixin
    OptimizerOptions optimizerOptions;
    @Option(names = "--lr", defaultValue = "1e-4", description = "peak learning rate (default: ${DEFAULT-VALUE})")
    double lr;
    @Option(names = "--min-lr-fraction", defaultValue = "0.1") double minLrFraction;
    @Option(names = "--warmup", defaultValue = "20") int warmup;
    @Option(names = "--clip", defaultValue = "1.0", description = "global-norm clip, 0 = off") double clip;
    @Option(names = "--dropout", defaultValue = "0.0") double dropout;
    @Option(names = "--eval-every", defaultValue = "0",
            description = "also evaluate every this many steps (0: only before and after)") int evalEvery;
    @Option(names = "--eval-batches", defaultValue = "10") int evalBatches;
    @Option(names = "--seed", defaultValue = "1337") long seed;

    @Override
    public Integer call() throws IOException {
        Startup.announce();
        Gpt2Tokenizer tok = Gpt2Tokenizer.fromDirectory(model);
        HfGpt2Checkpoint.Loaded loaded = HfGpt2Checkpoint.load(model, dropout, seed);
        Gpt gpt = loaded.model();
        if (tok.vocabSize() > gpt.config().vocab()) {
            throw new IllegalArgumentException("the tokenizer has " + tok.vocabSize() + " tokens but the model's"
                    + " vocab_size is " + gpt.config().vocab());
        }
        System.out.printf(Locale.ROOT, "model: %s (%s), %,d parameters, stored as %s%n", model, gpt.config(),
                gpt.parameterCount(), new TreeSet<>(loaded.storedDtypes().values()));
        TextDataset dataset = TextDataset.fromFile(data, tok);
        TextDataset.Split split = dataset.split();
        System.out.printf(Locale.ROOT, "data: %s, %,d tokens (GPT-2 tokenizer); train %,d, validation %,d%n", data,
                dataset.tokens().size(), split.train().size(), split.validation().size());

        optimizerOptions.applyLora(gpt, seed);
        StatefulOptimizer opt = optimizerOptions.create(gpt, lr);
        TrainConfig tc = new TrainConfig(steps, batch, context, accumulation, Math.min(warmup, steps), minLrFraction,
                optimizerOptions.fused ? 0 : clip, evalEvery, evalBatches, 0, seed);
        Trainer trainer = new Trainer(gpt, opt, split.train(), split.validation(), tc, lr);
        System.out.printf(Locale.ROOT, "optimizer %s, %,d trainable parameters, batch %d × %d tokens%n", opt.name(),
                gpt.trainableParameterCount(), batch, context);

        double before = trainer.evaluate(split.validation(), evalBatches);
        System.out.printf(Locale.ROOT, "validation before: loss %.4f, perplexity %.2f%n", before, Math.exp(before));
        System.gc();
        HeapProbe.resetHeapPeaks();
        Files.createDirectories(out);
        try (MetricsLog metrics = new MetricsLog(out.resolve("metrics.jsonl"));
                ConsoleProgress progress = new ConsoleProgress()) {
            trainer.addListener(metrics).addListener(progress);
            trainer.run();
        }
        double after = trainer.evaluate(split.validation(), evalBatches);
        long peakHeap = HeapProbe.heapPeakBytes();
        System.out.printf(Locale.ROOT, "validation after:  loss %.4f, perplexity %.2f (before %.2f)%n", after,
                Math.exp(after), Math.exp(before));

        if (optimizerOptions.loraRank > 0) {
            Lora.merge(gpt);
        }
        HfGpt2Checkpoint.save(gpt, loaded.config(), loaded.prefixed(), out);
        for (String name : COMPANION_FILES) {
            if (Files.isRegularFile(model.resolve(name))) {
                Files.copy(model.resolve(name), out.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        System.out.println("saved: " + out.resolve(HfGpt2Checkpoint.MODEL_FILE) + " (Hugging Face layout, F32)");
        long live = HeapProbe.liveHeapBytes();
        System.out.printf(Locale.ROOT, "memory: peak heap while training %s, live heap after %s, optimizer state %s,"
                        + " gradients held at a step %s, weights %s%n", mib(peakHeap), mib(live), mib(opt.stateBytes()),
                mib(trainer.peakGradientBytes()), mib(gpt.parameterCount() * 4));
        return 0;
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
