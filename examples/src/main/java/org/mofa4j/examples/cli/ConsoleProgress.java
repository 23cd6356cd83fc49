package org.mofa4j.examples.cli;

import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.mofa4j.nn.train.TrainingListener;

/** A progress bar with step, loss, lr, tokens/s and ETA (or the skipped-step count); evaluations print as lines. */
final class ConsoleProgress implements TrainingListener, AutoCloseable {
    private ProgressBar bar;
    private long skipped;

    @Override
    public void onStart(long firstStep, long totalSteps) {
        bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(totalSteps).startsFrom(firstStep,
                java.time.Duration.ZERO).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
                .continuousUpdate().build();
    }

    @Override
    public void onStep(StepStats s) {
        bar.stepTo(s.step());
        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f lr %.2e %,.0f tok/s", s.loss(), s.lr(),
                s.tokensPerSecond()));
    }

    @Override
    public void onSkippedStep(long step, String reason) {
        skipped++;
        bar.stepTo(step);
        bar.setExtraMessage(String.format(Locale.ROOT, "skipped %d step(s): %s", skipped, reason));
    }

    @Override
    public void onEval(EvalStats e) {
        String line = String.format(Locale.ROOT, "step %d: train loss %.4f, validation loss %.4f", e.step(),
                e.trainLoss(), e.validationLoss());
        if (bar != null) {
            bar.pause();
            System.out.println();
            System.out.println(line);
            bar.resume();
        } else {
            System.out.println(line);
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
