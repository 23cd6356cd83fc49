package org.mofa4j.examples.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.data.Tokenizer;
import org.mofa4j.nn.sample.Sampler;
import org.mofa4j.nn.train.TrainingCheckpoint;
import org.mofa4j.tensor.Rng;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mofa4j sample}: generates text from a checkpoint with temperature and top-k, using a KV cache. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Generate text from a checkpoint (a model-N.safetensors file or a run directory).")
public final class SampleCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", defaultValue = "runs/default",
            description = "model file or run directory; the newest checkpoint is used (default: ${DEFAULT-VALUE})")
    Path checkpoint;

    @Option(names = "--prompt", defaultValue = "", description = "text to continue (default: a new line)")
    String prompt;

    @Option(names = "--tokens", defaultValue = "500") int tokens;
    @Option(names = "--temperature", defaultValue = "0.8", description = "0 = greedy") double temperature;
    @Option(names = "--top-k", defaultValue = "0", description = "0 = no top-k filter") int topK;
    @Option(names = "--seed", defaultValue = "42") long seed;

    @Override
    public Integer call() {
        Startup.announce();
        TrainingCheckpoint.Loaded loaded = TrainingCheckpoint.loadModel(checkpoint);
        System.out.printf("checkpoint %s (step %d, %s)%n", loaded.file(), loaded.step(), loaded.config());
        System.out.print(prompt);
        sample(loaded.model(), loaded.tokenizer(), prompt, tokens, temperature, topK, seed, true);
        System.out.println();
        return 0;
    }

    /** Generates from {@code model}; prints pieces as they come when {@code stream}, and returns the text. */
    static String sample(Gpt model, Tokenizer tokenizer, String prompt, int tokens, double temperature, int topK,
            long seed, boolean stream) {
        model.train(false);
        Sampler sampler = new Sampler(model);
        return sampler.generateText(tokenizer, prompt, tokens, temperature, topK, new Rng(seed),
                stream ? piece -> {
                    System.out.print(piece);
                    System.out.flush();
                } : null);
    }
}
