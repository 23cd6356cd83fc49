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
import org.mofa4j.nn.json.Json;

/**
 * Writes one JSON object per line: {"type":"step",...} for every step, {"type":"eval",...} for every
 * evaluation and {"type":"skip","step":N,"reason":"..."} for every step skipped on a NaN/Inf. Appends, so a resumed
 * run continues the same file. Nothing is kept in memory per step (a long run's heap stays flat); {@link #curves()}
 * reads the curves back for plots.
 */
public final class MetricsLog implements TrainingListener, AutoCloseable {
    private final Path file;
    private final BufferedWriter out;

    public MetricsLog(Path file) {
        this.file = file;
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
        write(String.format(Locale.ROOT,
                "{\"type\":\"step\",\"step\":%d,\"loss\":%s,\"lr\":%s,\"grad_norm\":%s,\"tokens_per_s\":%.1f,\"ms\":%.2f}",
                s.step(), num(s.loss()), num(s.lr()), num(s.gradNorm()), s.tokensPerSecond(), s.millis()));
    }

    @Override
    public void onEval(EvalStats e) {
        write(String.format(Locale.ROOT, "{\"type\":\"eval\",\"step\":%d,\"train_loss\":%s,\"val_loss\":%s}",
                e.step(), num(e.trainLoss()), num(e.validationLoss())));
    }

    @Override
    public void onSkippedStep(long step, String reason) {
        write(String.format(Locale.ROOT, "{\"type\":\"skip\",\"step\":%d,\"reason\":%s}", step,
                Json.quote(reason)));
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

    /** The loss curves of a run: {step, loss} per step and {step, train, validation} per evaluation, by step. */
    public record Curves(List<double[]> train, List<double[]> eval) {}

    /**
     * The curves of the whole run so far, read back from the file (nothing is kept in memory per step, so a long
     * run's heap stays flat). A step logged twice (a run resumed after a crash repeats the steps after its last
     * checkpoint) counts once, the later line winning; a line cut short by a crash is skipped.
     */
    public Curves curves() {
        try {
            out.flush();
            return readCurves(file);
        } catch (IOException e) {
            throw new UncheckedIOException("metrics: cannot read back " + file.toAbsolutePath(), e);
        }
    }

    /** {@link #curves()} of a metrics file written earlier. */
    public static Curves readCurves(Path file) throws IOException {
        java.util.TreeMap<Long, double[]> train = new java.util.TreeMap<>();
        java.util.TreeMap<Long, double[]> eval = new java.util.TreeMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            java.util.Map<?, ?> row;
            try {
                row = Json.parse(line) instanceof java.util.Map<?, ?> m ? m : null;
            } catch (IllegalArgumentException cutShort) {
                continue;
            }
            if (row == null || !(row.get("step") instanceof Number step)) {
                continue;
            }
            if ("step".equals(row.get("type")) && row.get("loss") instanceof Number loss) {
                train.put(step.longValue(), new double[] {step.doubleValue(), loss.doubleValue()});
            } else if ("eval".equals(row.get("type")) && row.get("train_loss") instanceof Number tl
                    && row.get("val_loss") instanceof Number vl) {
                eval.put(step.longValue(), new double[] {step.doubleValue(), tl.doubleValue(), vl.doubleValue()});
            }
        }
        return new Curves(new ArrayList<>(train.values()), new ArrayList<>(eval.values()));
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
