package org.mofa4j.nn.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes one JSON object per line: {"type":"step",...} for every step, {"type":"eval",...} for every
 * evaluation and {"type":"skip","step":N,"reason":"..."} for every step skipped on a NaN/Inf. Appends, so a resumed run continues the same file. Keeps the curves in memory for plots.
 */
public final class MetricsLog implements TrainingListener, AutoCloseable {
    private final BufferedWriter out;
    private final List<double[]> trainCurve = new ArrayList<>(); // {step, loss}
    private final List<double[]> evalCurve = new ArrayList<>();  // {step, train, validation}

    public MetricsLog(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            boolean cutShort = endsMidLine(file);
            this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            if (cutShort) {
                out.newLine(); // a run killed mid-line: the resumed run's lines start on their own line
            }
        } catch (IOException e) {
            throw new UncheckedIOException("metrics: cannot open " + file.toAbsolutePath(), e);
        }
    }

    private static boolean endsMidLine(Path file) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) == 0) {
            return false;
        }
        try (java.nio.channels.SeekableByteChannel ch = Files.newByteChannel(file)) {
            java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(1);
            ch.position(ch.size() - 1).read(last);
            return last.get(0) != '\n';
        }
    }

    @Override
    public void onStep(StepStats s) {
        trainCurve.add(new double[] {s.step(), s.loss()});
        write(String.format(Locale.ROOT,
                "{\"type\":\"step\",\"step\":%d,\"loss\":%s,\"lr\":%s,\"grad_norm\":%s,\"tokens_per_s\":%.1f,\"ms\":%.2f}",
                s.step(), num(s.loss()), num(s.lr()), num(s.gradNorm()), s.tokensPerSecond(), s.millis()));
    }

    @Override
    public void onEval(EvalStats e) {
        evalCurve.add(new double[] {e.step(), e.trainLoss(), e.validationLoss()});
        write(String.format(Locale.ROOT, "{\"type\":\"eval\",\"step\":%d,\"train_loss\":%s,\"val_loss\":%s}",
                e.step(), num(e.trainLoss()), num(e.validationLoss())));
    }

    @Override
    public void onSkippedStep(long step, String reason) {
        write(String.format(Locale.ROOT, "{\"type\":\"skip\",\"step\":%d,\"reason\":%s}", step,
                org.mofa4j.nn.json.Json.quote(reason)));
    }

    private static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }

    private void write(String line) {
        try {
            out.write(line);
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("metrics: write failed", e);
        }
    }

    /** {step, loss} per logged step, in order. */
    public List<double[]> trainCurve() {
        return trainCurve;
    }

    /** {step, train loss, validation loss} per evaluation. */
    public List<double[]> evalCurve() {
        return evalCurve;
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("metrics: close failed", e);
        }
    }
}
