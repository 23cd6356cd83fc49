package org.mofa4j.examples.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.mofa4j.examples.bench.Gpt2FinetuneBenchmark;
import org.mofa4j.examples.bench.PytorchPeer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mofa4j bench gpt2}: one fine-tuning step at the GPT-2 124M shape for AdamW, LoRA, GaLore, fused MoFaSGD
 * and AdaLomo (each in a fresh child JVM) against the PyTorch AdamW step; see {@link Gpt2FinetuneBenchmark}.
 */
@Command(name = "gpt2", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tuning step at the GPT-2 124M shape (random weights, batch 4 x 64 tokens): ms per"
                + " fwd+bwd+optimizer step and heap for AdamW, LoRA r=8, GaLore r=8, fused MoFaSGD r=8 and AdaLomo,"
                + " each in a fresh child JVM, and PyTorch's AdamW step in the same run. Prints a table and a line"
                + " starting with 'JSON '. Takes a few minutes and up to --heap of memory per child."})
public final class BenchGpt2Command implements Callable<Integer> {
    @Option(names = "--methods", split = ",", description = "subset of: ${COMPLETION-CANDIDATES} (default: all)",
            completionCandidates = Methods.class)
    List<String> methods;
    @Option(names = "--warmup", defaultValue = "2",
            description = "untimed steps per method (default: ${DEFAULT-VALUE})")
    int warmup;
    @Option(names = "--steps", defaultValue = "5", description = "timed steps per method (default: ${DEFAULT-VALUE})")
    int steps;
    @Option(names = "--threads", defaultValue = "2",
            description = "kernel threads, also PyTorch's (default: ${DEFAULT-VALUE})")
    int threads;
    @Option(names = "--heap", defaultValue = "8g", description = "-Xmx of each child JVM (default: ${DEFAULT-VALUE})")
    String heap;
    @Option(names = "--no-peer", description = "skip the PyTorch step") boolean noPeer;
    @Option(names = "--python", defaultValue = PytorchPeer.DEFAULT_PYTHON,
            description = "Python with torch for the peer (default: ${DEFAULT-VALUE})")
    String python;
    @Option(names = "--peer-script", description = "path of gpt_step_peer.py (default: found next to the build)")
    Path peerScript;

    /** The method names, for the help text. */
    static final class Methods implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Gpt2FinetuneBenchmark.METHODS.iterator();
        }
    }

    @Override
    public Integer call() throws Exception {
        List<String> chosen = methods == null || methods.isEmpty() ? Gpt2FinetuneBenchmark.METHODS : methods;
        return Gpt2FinetuneBenchmark.run(new Gpt2FinetuneBenchmark.Options(chosen, warmup, steps, threads, heap,
                python, peerScript, !noPeer), System.out, System.err);
    }
}
