package org.mofa4j.examples.cli;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.mofa4j.examples.bench.BenchSuite;
import org.mofa4j.examples.bench.PytorchPeer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mofa4j bench}: matmul and elementwise throughput, the tiny-GPT training step against PyTorch on the same
 * machine, and optionally a 1,000-step heap-flatness check; one table, summary lines, one {@code JSON} line.
 * The work is in {@link BenchSuite}. {@code mofa4j bench soak} is the long-run memory check ({@link SoakCommand});
 * {@code mofa4j bench gpt2} is the fine-tuning step at GPT-2 124M shape ({@link BenchGpt2Command}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = {SoakCommand.class, BenchGpt2Command.class},
        description = {
            "Benchmarks: matmul GFLOP/s (mofa4j 1t/Nt, scalar twin, EJML, EJML-MT), elementwise add/exp GB/s,"
                    + " and the tiny-GPT training step (L4 d128 h4 T64 V256, batch 16, fwd+bwd+AdamW) in ms/step"
                    + " on 1 and N threads against a PyTorch peer on 1 thread, with heap per step.",
            "Prints one table, summary lines with the key ratios, and a line starting with 'JSON ' holding every"
                    + " row and summary. Results on shared machines are noisy: read min and median together."},
        sortOptions = false)
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--quick", description = "short budgets for a CI smoke run (numbers not for comparison)")
    boolean quick;

    @Option(names = "--only", split = ",", paramLabel = "SECTION",
            description = "run only these sections: matmul, elementwise, gpt (comma-separated; default: all three)")
    List<String> only;

    @Option(names = "--memory", description = "also run the heap-flatness check: --memory-steps GPT steps with the"
            + " heap after a full GC at 10/25/50/75/100 %% of them (takes minutes)")
    boolean memory;

    @Option(names = "--all", description = "every section and --memory")
    boolean all;

    @Option(names = "--threads", defaultValue = "2",
            description = "thread count of the multi-thread rows (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--memory-steps", defaultValue = "1000",
            description = "steps of the flatness check (default: ${DEFAULT-VALUE}; 100 with --quick)")
    Integer memorySteps;

    @Option(names = "--python", defaultValue = PytorchPeer.DEFAULT_PYTHON,
            description = "Python with torch for the peer (default: ${DEFAULT-VALUE})")
    String python;

    @Option(names = "--peer-script", description = "path of gpt_step_peer.py (default: found next to the build)")
    Path peerScript;

    @Override
    public Integer call() throws InterruptedException {
        Set<String> sections = new LinkedHashSet<>(only == null || only.isEmpty() ? BenchSuite.SECTIONS : only);
        int steps = quick && memorySteps == 1000 ? 100 : memorySteps;
        BenchSuite.Options opt = new BenchSuite.Options(sections, memory || all, quick, threads, python, peerScript,
                steps);
        return new BenchSuite(opt, System.out, System.err).run();
    }
}
