package org.mofa4j.examples.compare;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.mofa4j.nn.json.Json;

/**
 * The report of a comparison: for each method, the run with the lowest final validation loss over its
 * learning-rate sweep (diverged runs never win), as a Markdown table ({@code compare.md}), a JSON file with every
 * run ({@code compare.json}) and a scatter plot of final validation loss against peak live heap, each point
 * labelled with its method ({@code compare.png}).
 */
public final class CompareReport {
    private static final double MIB = 1048576.0;

    /** A method's sweep and its best run (null when every learning rate diverged). */
    record MethodSummary(CompareMethod method, List<RunResult> sweep, RunResult best) {}

    private final CompareSettings settings;
    private final List<MethodSummary> summaries = new ArrayList<>();
    private final double baseValLoss;

    CompareReport(CompareSettings settings, List<RunResult> results) {
        this.settings = settings;
        Map<String, List<RunResult>> byMethod = new LinkedHashMap<>();
        for (RunResult r : results) {
            byMethod.computeIfAbsent(r.method().label(), k -> new ArrayList<>()).add(r);
        }
        for (List<RunResult> sweep : byMethod.values()) {
            RunResult best = sweep.stream().filter(r -> !r.diverged())
                    .min(Comparator.comparingDouble(RunResult::finalValLoss)).orElse(null);
            summaries.add(new MethodSummary(sweep.getFirst().method(), List.copyOf(sweep), best));
        }
        this.baseValLoss = results.isEmpty() ? Double.NaN : results.getFirst().baseValLoss();
    }

    List<MethodSummary> summaries() {
        return summaries;
    }

    void writeAll(Path dir) {
        write(dir.resolve("compare.md"), markdown());
        write(dir.resolve("compare.json"), json() + "\n");
        writePlot(dir.resolve("compare.png"));
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("compare: cannot write " + file, e);
        }
    }

    /** The table: one row per method at its best learning rate. */
    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "Fine-tuning %d steps × %d × %d tokens (%,d tokens) per run, seed %d;"
                        + " validation loss of the base model: %.4f.%n%n", settings.steps(), settings.batch(),
                settings.context(), settings.tokenBudget(), settings.seed(), baseValLoss));
        b.append("| method | best lr (of) | final val loss | best val loss | optimizer state | peak live heap "
                + "(range over the sweep) | trainable params | wall | tokens/s |\n");
        b.append("|---|---|---|---|---|---|---|---|---|\n");
        for (MethodSummary s : summaries) {
            String lrs = String.join(", ", s.sweep().stream()
                    .map(r -> String.format(Locale.ROOT, "%.0e", r.lr()) + (r.diverged() ? "†" : "")).toList());
            RunResult r = s.best();
            if (r == null) {
                b.append(String.format(Locale.ROOT, "| %s | all diverged (%s) | | | | | | | |%n",
                        s.method().label(), lrs));
                continue;
            }
            double lo = s.sweep().stream().mapToLong(RunResult::peakHeapBytes).min().orElse(0) / MIB;
            double hi = s.sweep().stream().mapToLong(RunResult::peakHeapBytes).max().orElse(0) / MIB;
            b.append(String.format(Locale.ROOT, "| %s | %.0e (%s) | %.4f | %.4f | %s | %.1f MiB (%.1f–%.1f) | %,d "
                            + "| %.1f s | %,.0f |%n", s.method().label(), r.lr(), lrs, r.finalValLoss(),
                    r.bestValLoss(), bytes(r.stateBytes()), r.peakHeapBytes() / MIB, lo, hi, r.trainableParams(),
                    r.wallSeconds(), r.tokensPerSecond()));
        }
        b.append("\n† diverged. Peak live heap: largest heap reachable after a full GC over the probe points of "
                + "fine-tuning steps 3 and 4 (every gradient-ready hook and before the optimizer step), in a fresh "
                + "JVM per run. Memory does not depend on the learning rate, so the range over the sweep shows how "
                + "far the readings of one method scatter.\n");
        return b.toString();
    }

    private static String bytes(long n) {
        return n >= 1 << 20 ? String.format(Locale.ROOT, "%.2f MiB", n / MIB)
                : String.format(Locale.ROOT, "%.0f KiB", n / 1024.0);
    }

    String json() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("settings", settings.toJsonMap());
        root.put("token_budget", settings.tokenBudget());
        root.put("base_val_loss", Double.isFinite(baseValLoss) ? baseValLoss : null);
        List<Object> best = new ArrayList<>();
        List<Object> all = new ArrayList<>();
        for (MethodSummary s : summaries) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("label", s.method().label());
            m.put("best", s.best() == null ? null : s.best().toJsonMap());
            best.add(m);
            s.sweep().forEach(r -> all.add(r.toJsonMap()));
        }
        root.put("methods", best);
        root.put("runs", all);
        return Json.write(root, Json.Escape.ASCII);
    }

    /** Final validation loss against peak live heap, one labelled point per method (its best learning rate). */
    void writePlot(Path png) {
        XYChart chart = new XYChartBuilder().width(760).height(520)
                .title("fine-tuning: validation loss vs peak heap (best lr per method)")
                .xAxisTitle("peak live heap (MiB)").yAxisTitle("final validation loss").build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setAnnotationTextFontColor(Color.DARK_GRAY);
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (MethodSummary s : summaries) {
            if (s.best() != null) {
                double x = s.best().peakHeapBytes() / MIB;
                double y = s.best().finalValLoss();
                xs.add(x);
                ys.add(y);
                chart.addAnnotation(new AnnotationText(s.method().label(), x, y, false));
            }
        }
        if (xs.isEmpty()) {
            return;
        }
        XYSeries points = chart.addSeries("methods", xs, ys);
        points.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        points.setMarker(SeriesMarkers.CIRCLE);
        try {
            BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("compare: cannot write " + png, e);
        }
    }
}
