package org.mofa4j.examples;

import org.mofa4j.examples.cli.BenchCommand;
import org.mofa4j.examples.cli.CompareCommand;
import org.mofa4j.examples.cli.ExplainCommand;
import org.mofa4j.examples.cli.FinetuneCommand;
import org.mofa4j.examples.cli.InspectCommand;
import org.mofa4j.examples.cli.SampleCommand;
import org.mofa4j.examples.cli.TrainCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./mofa4j}: dispatches to the subcommands. */
@Command(name = "mofa4j", mixinStandardHelpOptions = true, version = "mofa4j 0.1.0",
        description = "Memory-efficient training of small transformers on the JVM.",
        subcommands = {TrainCommand.class, FinetuneCommand.class, SampleCommand.class, BenchCommand.class,
                CompareCommand.class, InspectCommand.class, ExplainCommand.class})
public final class Main implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        int code = new CommandLine(new Main())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    System.err.println("mofa4j " + cmd.getCommandName() + ": " + e.getMessage());
                    if (Boolean.getBoolean("mofa4j.trace")) {
                        e.printStackTrace();
                    }
                    return 1;
                })
                .execute(args);
        System.exit(code);
    }
}
