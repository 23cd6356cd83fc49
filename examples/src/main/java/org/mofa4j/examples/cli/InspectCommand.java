package org.mofa4j.examples.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.mofa4j.examples.bench.InspectionCost;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mofa4j inspect RUN_DIR}: turns the diagnostics a {@code train --inspect-every N} run recorded into one
 * offline HTML page (embedded PNG plots, no external resources).
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Write an offline HTML report of a run's optimizer diagnostics (train with --inspect-every N).")
public final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "RUN_DIR",
            description = "the --out directory of the training run")
    Path runDir;

    @Option(names = "--cost", description = "instead of a report, measure what inspection costs a MoFaSGD step "
            + "(off, every 10, every 1; the tiny GPT's 16 matrices)")
    boolean cost;

    @Option(names = "--cost-rounds", defaultValue = "5", description = "interleaved rounds for --cost")
    int costRounds;

    @Option(names = "--report", description = "HTML file to write (default: RUN_DIR/report.html)")
    Path report;

    @Override
    public Integer call() {
        if (cost) {
            InspectionCost.print(InspectionCost.measure(costRounds, 10), System.out);
            return 0;
        }
        if (runDir == null) {
            throw new IllegalArgumentException("inspect: give the run directory (RUN_DIR), or --cost");
        }
        Path out = report != null ? report : runDir.resolve("report.html");
        int plots = InspectionReport.write(runDir, out);
        System.out.printf("report: %s (%d plots, offline, open it in a browser)%n", out, plots);
        return 0;
    }
}
