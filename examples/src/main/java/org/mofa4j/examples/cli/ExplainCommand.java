package org.mofa4j.examples.cli;

import java.util.concurrent.Callable;
import org.mofa4j.optim.AdaLomoWorkedExample;
import org.mofa4j.optim.GaLoreWorkedExample;
import org.mofa4j.optim.MoFaSgdWorkedExample;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code mofa4j explain [mofasgd|galore|adalomo]}: prints one optimizer step on a 6×4 matrix with every
 * intermediate, as a worked example, checked against a dense EJML computation and the real optimizer.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Print one MoFaSGD, GaLore or AdaLomo step on a 6×4 matrix, every intermediate written out.")
public final class ExplainCommand implements Callable<Integer> {
    @Parameters(index = "0", defaultValue = "mofasgd", paramLabel = "OPTIMIZER",
            description = "mofasgd, galore or adalomo (default: ${DEFAULT-VALUE})")
    String optimizer;

    @Override
    public Integer call() {
        String text = switch (optimizer.toLowerCase(java.util.Locale.ROOT)) {
            case "mofasgd" -> MoFaSgdWorkedExample.run().text();
            case "galore" -> GaLoreWorkedExample.run().text();
            case "adalomo" -> AdaLomoWorkedExample.run().text();
            default -> throw new IllegalArgumentException("explain: unknown optimizer '" + optimizer
                    + "'; choose mofasgd, galore or adalomo");
        };
        System.out.print(text);
        return 0;
    }
}
