package org.mofa4j.examples.cli;

import static org.mofa4j.examples.cli.InspectionRecords.max;
import static org.mofa4j.examples.cli.InspectionRecords.num;
import static org.mofa4j.examples.cli.InspectionRecords.nums;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.mofa4j.nn.json.Json;

/**
 * Turns a run's diagnostics into one self-contained HTML page: every plot is an embedded PNG (data URI), there is
 * no external URL, font, style sheet or script. Per matrix parameter, small multiples of the momentum's
 * approximation error over training, its singular values, the tangent energy fraction and the subspace drift
 * (MoFaSGD); projector refreshes (GaLore); RMS before and after grouped normalisation (AdaLomo); and summary tables.
 * A short inline script writes how many plots decoded into the page (element {@code #render-check} and the body's
 * {@code data-images-decoded} attribute), which the headless-browser test reads.
 */
final class InspectionReport {
    static final int SMALL_W = 300;
    static final int SMALL_H = 210;
    private static final Color BLUE = new Color(31, 119, 180);
    private static final Color ORANGE = new Color(255, 127, 14);
    private static final Color GREEN = new Color(44, 160, 44);
    private static final Color RED = new Color(214, 39, 40);

    private final Path runDir;
    private final InspectionRecords data;
    private final StringBuilder html = new StringBuilder(1 << 20);
    private int plots;

    private InspectionReport(Path runDir, InspectionRecords data) {
        this.runDir = runDir;
        this.data = data;
    }

    /** Writes the report of {@code runDir} to {@code out}; returns the number of plots in it. */
    static int write(Path runDir, Path out) {
        InspectionReport r = new InspectionReport(runDir, InspectionRecords.read(runDir));
        String page = r.render();
        try {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
            Files.writeString(tmp, page, StandardCharsets.UTF_8);
            Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("inspect: cannot write " + out, e);
        }
        return r.plots;
    }

    private String render() {
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>mofa4j inspection: ").append(esc(runDir.toString())).append("</title>\n<style>")
                .append("body{font-family:sans-serif;margin:16px 24px;color:#222;max-width:1320px}")
                .append("h1{font-size:22px;margin:4px 0}h2{font-size:18px;margin:22px 0 6px;border-bottom:1px solid #ccc}")
                .append("p{margin:6px 0;line-height:1.35}.grid{display:grid;grid-template-columns:repeat(auto-fill,")
                .append(SMALL_W).append("px);gap:6px}.grid img{width:").append(SMALL_W).append("px;height:")
                .append(SMALL_H).append("px;border:1px solid #eee}table{border-collapse:collapse;font-size:12px}")
                .append("td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:first-child,th:first-child")
                .append("{text-align:left}.note{color:#555;font-size:13px}.verdict{background:#f4f8ff;padding:8px;")
                .append("border-left:4px solid #1f77b4}</style></head>\n<body>\n");
        html.append("<h1>Optimizer inspection</h1>\n<p class=\"note\">run <code>").append(esc(runDir.toString()))
                .append("</code>");
        if (!data.runs.isEmpty()) {
            Map<String, Object> run = data.runs.getFirst();
            html.append(", optimizer <b>").append(esc(String.valueOf(run.get("optimizer")))).append("</b>, measured every ")
                    .append(run.get("every")).append(" steps");
            if (data.runs.size() > 1) {
                html.append(" (").append(data.runs.size()).append(" starts: shadow momenta restart at each resume)");
            }
        }
        html.append(". ").append(costLine()).append("</p>\n");
        if (!data.kind("mofasgd").isEmpty()) {
            moFaSgdSection(data.kind("mofasgd"));
        }
        if (!data.kind("galore").isEmpty() || !data.kind("galore_refresh").isEmpty()) {
            galoreSection();
        }
        if (!data.kind("adalomo").isEmpty()) {
            adaLomoSection(data.kind("adalomo"));
        }
        lossSection();
        html.append("<p class=\"note\" id=\"render-check\">plots: ").append(plots).append("</p>\n")
                .append("<script>window.addEventListener('load',function(){var im=document.images,ok=0;")
                .append("for(var i=0;i<im.length;i++){if(im[i].complete&&im[i].naturalWidth>0){ok++;}}")
                .append("document.body.setAttribute('data-images-decoded',ok+'/'+im.length);")
                .append("document.getElementById('render-check').textContent=ok+' of '+im.length+' plots rendered';});")
                .append("</script>\n</body></html>\n");
        return html.toString();
    }

    private String costLine() {
        if (data.costs.isEmpty()) {
            return "No cost line (the run did not finish).";
        }
        Map<String, Object> c = data.costs.getLast();
        double train = num(c, "train_ms");
        double insp = num(c, "inspection_ms");
        return String.format(Locale.ROOT, "Inspection cost: %.0f ms of %.0f ms training (%.1f%%) over %d steps, "
                + "%d records, %.1f MiB of float64 shadow momenta.", insp, train, 100 * insp / train,
                (long) num(c, "steps"), (long) num(c, "records"), num(c, "shadow_bytes") / (1 << 20));
    }

    // ---------------------------------------------------------------- MoFaSGD

    private void moFaSgdSection(Map<String, List<Map<String, Object>>> byParam) {
        html.append("<h2>MoFaSGD: does the low-rank momentum track the full one?</h2>\n");
        html.append("<p class=\"note\">A float64 <i>shadow</i> momentum M̃ ← β·M̃ + G sees the same gradients as the "
                + "factors. Blue: ‖U·diag(S)·Vᵀ − M̃‖<sub>F</sub>/‖M̃‖<sub>F</sub>. Orange dashed: the same for the "
                + "best rank-r approximation SVD<sub>r</sub>(M̃), the floor any rank-r factorisation can reach. "
                + "The gap between them is what the tangent-space projection has lost (the part "
                + "(I−UUᵀ)G(I−VVᵀ) of past gradients never enters the factors).</p>\n");
        html.append("<p class=\"verdict\">").append(verdict(byParam)).append("</p>\n");
        grid(byParam, (name, recs) -> ReportCharts.pngDataUri(title(name, recs), "relative error", List.of(
                line("low-rank vs full", recs, r -> num(r, "err_lowrank"), BLUE, false),
                line("best rank-r vs full", recs, r -> num(r, "err_best_rank_r"), ORANGE, true)),
                SMALL_W, SMALL_H, false, 0));
        summaryTable(byParam);
        html.append("<h2>Singular values S of the factors</h2>\n<p class=\"note\">Solid: the factors' S (blue "
                + "largest, yellow smallest). Grey dashed: the largest and the r-th singular value of the full-rank "
                + "shadow M̃; where the solid lines fall below them the factors miss momentum the full one has.</p>\n");
        grid(byParam, (name, recs) -> {
            int r = nums(recs.getFirst(), "S").length;
            List<ReportCharts.Line> lines = new ArrayList<>();
            for (int k = 0; k < r; k++) {
                final int idx = k;
                float shade = r == 1 ? 0f : (float) k / (r - 1);
                lines.add(line("s" + (k + 1), recs, rec -> at(nums(rec, "S"), idx),
                        new Color(0.12f + 0.7f * shade, 0.47f + 0.3f * shade, 0.71f - 0.3f * shade), false));
            }
            // the full momentum's largest and r-th singular values, for comparison
            lines.add(line("σ₁(M̃)", recs, rec -> at(nums(rec, "shadow_sv"), 0), Color.GRAY, true));
            lines.add(line("σ_r(M̃)", recs, rec -> at(nums(rec, "shadow_sv"), r - 1), Color.GRAY, true));
            return ReportCharts.pngDataUri(title(name, recs), "singular value", lines, SMALL_W, SMALL_H, false, 0);
        });
        html.append("<h2>Tangent energy fraction ‖P<sub>T</sub>(G)‖/‖G‖</h2>\n<p class=\"note\">How much of each "
                + "gradient lies in the tangent space of the rank-r manifold at the current factors, "
                + "P<sub>T</sub>(G) = UUᵀG + GVVᵀ − UUᵀGVVᵀ; the rest never reaches the momentum.</p>\n");
        grid(byParam, (name, recs) -> ReportCharts.pngDataUri(title(name, recs), "fraction", List.of(
                line("tangent", recs, r -> num(r, "tangent_fraction"), GREEN, false)),
                SMALL_W, SMALL_H, false, 0));
        html.append("<h2>Subspace drift per step</h2>\n<p class=\"note\">Largest principal angle (degrees) between "
                + "span(U) before and after a step (blue) and the same for V (red).</p>\n");
        grid(byParam, (name, recs) -> ReportCharts.pngDataUri(title(name, recs), "degrees", List.of(
                line("U", recs, r -> max(r, "angles_u_deg"), BLUE, false),
                line("V", recs, r -> max(r, "angles_v_deg"), RED, true)), SMALL_W, SMALL_H, false, 0));
    }

    private String verdict(Map<String, List<Map<String, Object>>> byParam) {
        double[] low = lastValues(byParam, "err_lowrank");
        double[] best = lastValues(byParam, "err_best_rank_r");
        double[] gap = new double[low.length];
        for (int i = 0; i < low.length; i++) {
            gap[i] = low[i] - best[i];
        }
        double[] meanLow = meanValues(byParam, "err_lowrank");
        double[] meanBest = meanValues(byParam, "err_best_rank_r");
        long lastStep = 0;
        for (List<Map<String, Object>> recs : byParam.values()) {
            lastStep = Math.max(lastStep, (long) num(recs.getLast(), "step"));
        }
        return String.format(Locale.ROOT, "At the last recorded step (%d), over %d matrices, the low-rank momentum's "
                + "relative error against the full-rank shadow is median %.3f (range %.3f–%.3f); the best rank-r "
                + "approximation's is median %.3f (range %.3f–%.3f), so the tangent projection costs a median "
                + "%.3f on top of the rank limit. Averaged over all recorded steps: %.3f vs %.3f.", lastStep,
                low.length, median(low), min(low), maxOf(low), median(best), min(best), maxOf(best), median(gap),
                median(meanLow), median(meanBest));
    }

    private void summaryTable(Map<String, List<Map<String, Object>>> byParam) {
        html.append("<h2>Summary per matrix</h2>\n<table><tr><th>parameter</th><th>shape</th><th>r</th>")
                .append("<th>err low-rank (last)</th><th>err best rank-r (last)</th><th>gap (last)</th>")
                .append("<th>err low-rank (mean)</th><th>tangent fraction (mean)</th><th>max drift U (°)</th>")
                .append("<th>max drift V (°)</th><th>S₁ / S_r (last)</th><th>effective lr (mean)</th>")
                .append("<th>‖ΔW‖/‖W‖ (mean)</th></tr>\n");
        for (Map.Entry<String, List<Map<String, Object>>> e : byParam.entrySet()) {
            List<Map<String, Object>> recs = e.getValue();
            Map<String, Object> last = recs.getLast();
            double[] s = nums(last, "S");
            html.append("<tr><td>").append(esc(e.getKey())).append("</td><td>").append(shape(last)).append("</td><td>")
                    .append((long) num(last, "rank")).append("</td>");
            cell(num(last, "err_lowrank"));
            cell(num(last, "err_best_rank_r"));
            cell(num(last, "err_lowrank") - num(last, "err_best_rank_r"));
            cell(mean(recs, r -> num(r, "err_lowrank")));
            cell(mean(recs, r -> num(r, "tangent_fraction")));
            cell(maxOver(recs, r -> max(r, "angles_u_deg")));
            cell(maxOver(recs, r -> max(r, "angles_v_deg")));
            cell(s.length == 0 ? Double.NaN : s[0] / s[s.length - 1]);
            cell(mean(recs, r -> num(r, "effective_lr")));
            cell(mean(recs, r -> num(r, "relative_update")));
            html.append("</tr>\n");
        }
        html.append("</table>\n");
    }

    // ---------------------------------------------------------------- GaLore

    private void galoreSection() {
        Map<String, List<Map<String, Object>>> due = data.kind("galore");
        Map<String, List<Map<String, Object>>> refresh = data.kind("galore_refresh");
        html.append("<h2>GaLore: gradient energy the projector captures</h2>\n<p class=\"note\">Blue: "
                + "‖project(G)‖/‖G‖ with the projector in use (it goes stale between refreshes); orange points: the "
                + "same right after each refresh, when the projector is the gradient's own top-r subspace.</p>\n");
        grid(due.isEmpty() ? refresh : due, (name, recs) -> ReportCharts.pngDataUri(title(name, recs), "fraction",
                List.of(line("in use", due.getOrDefault(name, List.of()), r -> num(r, "captured_fraction"), BLUE,
                        false),
                        line("at refresh", refresh.getOrDefault(name, List.of()), r -> num(r, "captured_fraction"),
                                ORANGE, true)), SMALL_W, SMALL_H, false, 0));
        html.append("<h2>GaLore: subspace change at each refresh</h2>\n<p class=\"note\">Largest principal angle "
                + "(degrees) between the old and the new projector.</p>\n");
        grid(refresh, (name, recs) -> ReportCharts.pngDataUri(title(name, recs), "degrees", List.of(
                line("U", recs, r -> max(r, "angles_u_deg"), BLUE, false),
                line("V", recs, r -> max(r, "angles_v_deg"), RED, true)), SMALL_W, SMALL_H, false, 0));
        html.append("<h2>GaLore summary</h2>\n<table><tr><th>parameter</th><th>shape</th><th>r</th>")
                .append("<th>refreshes</th><th>mean angle change (°)</th><th>captured at refresh (mean)</th>")
                .append("<th>captured in use (mean)</th><th>effective lr (mean)</th></tr>\n");
        for (Map.Entry<String, List<Map<String, Object>>> e : refresh.entrySet()) {
            List<Map<String, Object>> recs = e.getValue();
            List<Map<String, Object>> d = due.getOrDefault(e.getKey(), List.of());
            html.append("<tr><td>").append(esc(e.getKey())).append("</td><td>").append(shape(recs.getFirst()))
                    .append("</td><td>").append((long) num(recs.getFirst(), "rank")).append("</td><td>")
                    .append(recs.size()).append("</td>");
            cell(mean(recs, r -> largest(max(r, "angles_u_deg"), max(r, "angles_v_deg"))));
            cell(mean(recs, r -> num(r, "captured_fraction")));
            cell(mean(d, r -> num(r, "captured_fraction")));
            cell(mean(d, r -> num(r, "effective_lr")));
            html.append("</tr>\n");
        }
        html.append("</table>\n");
    }

    // ---------------------------------------------------------------- AdaLomo

    private void adaLomoSection(Map<String, List<Map<String, Object>>> byParam) {
        html.append("<h2>AdaLomo: update RMS before and after grouped normalisation</h2>\n<p class=\"note\">Blue: "
                + "RMS(u), u = g/√V̂; orange dashed: RMS(û), û = u / max(1, RMS(u)/d). Where blue is above d = 1 the "
                + "normalisation is active.</p>\n");
        grid(byParam, (name, recs) -> ReportCharts.pngDataUri(title(name, recs), "RMS", List.of(
                line("RMS(u)", recs, r -> num(r, "rms_u"), BLUE, false),
                line("RMS(û)", recs, r -> num(r, "rms_u_hat"), ORANGE, true)), SMALL_W, SMALL_H, false, 0));
        html.append("<h2>AdaLomo summary</h2>\n<table><tr><th>parameter</th><th>shape</th><th>RMS(u) mean</th>")
                .append("<th>RMS(u) max</th><th>steps normalised</th><th>α mean</th><th>‖ΔW‖/‖W‖ mean</th></tr>\n");
        for (Map.Entry<String, List<Map<String, Object>>> e : byParam.entrySet()) {
            List<Map<String, Object>> recs = e.getValue();
            long active = recs.stream().filter(r -> num(r, "rms_u") > num(r, "rms_u_hat") + 1e-12).count();
            html.append("<tr><td>").append(esc(e.getKey())).append("</td><td>").append(shape(recs.getFirst()))
                    .append("</td>");
            cell(mean(recs, r -> num(r, "rms_u")));
            cell(maxOver(recs, r -> num(r, "rms_u")));
            html.append("<td>").append(active).append(" / ").append(recs.size()).append("</td>");
            cell(mean(recs, r -> num(r, "alpha")));
            cell(mean(recs, r -> num(r, "relative_update")));
            html.append("</tr>\n");
        }
        html.append("</table>\n");
    }

    // ---------------------------------------------------------------- loss (from metrics.jsonl, if present)

    private void lossSection() {
        Path metrics = runDir.resolve("metrics.jsonl");
        if (!Files.isRegularFile(metrics)) {
            return;
        }
        List<Map<String, Object>> steps = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    Map<String, Object> rec = Json.asObject(Json.parse(line), metrics.toString());
                    if ("step".equals(rec.get("type"))) {
                        steps.add(rec);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("inspect: cannot read " + metrics, e);
        }
        // block means of at most 200 points: a readable curve, and XChart's step axis stays evenly ticked
        int k = Math.max(1, (steps.size() + 199) / 200);
        int blocks = (steps.size() + k - 1) / k;
        double[] x = new double[blocks];
        double[] y = new double[blocks];
        for (int b = 0; b < blocks; b++) {
            List<Map<String, Object>> block = steps.subList(b * k, Math.min(steps.size(), (b + 1) * k));
            x[b] = num(block.getLast(), "step");
            y[b] = mean(block, r -> num(r, "loss"));
        }
        String uri = ReportCharts.pngDataUri(k == 1 ? "training loss" : "training loss (mean of " + k + " steps)",
                "cross-entropy", List.of(new ReportCharts.Line("train", x, y, BLUE, false)), 2 * SMALL_W, SMALL_H,
                false, Double.NaN);
        if (uri != null) {
            html.append("<h2>Training loss</h2>\n<img alt=\"training loss\" width=\"").append(2 * SMALL_W)
                    .append("\" height=\"").append(SMALL_H).append("\" src=\"").append(uri).append("\">\n");
            plots++;
        }
    }

    // ---------------------------------------------------------------- helpers

    @FunctionalInterface
    private interface Plot {
        String uri(String name, List<Map<String, Object>> recs);
    }

    private void grid(Map<String, List<Map<String, Object>>> byParam, Plot plot) {
        html.append("<div class=\"grid\">\n");
        for (Map.Entry<String, List<Map<String, Object>>> e : byParam.entrySet()) {
            String uri = plot.uri(e.getKey(), e.getValue());
            if (uri == null) {
                html.append("<div>").append(esc(e.getKey())).append(": no finite values</div>\n");
                continue;
            }
            html.append("<img alt=\"").append(esc(e.getKey())).append("\" width=\"").append(SMALL_W)
                    .append("\" height=\"").append(SMALL_H).append("\" src=\"").append(uri).append("\">\n");
            plots++;
        }
        html.append("</div>\n");
    }

    private static ReportCharts.Line line(String name, List<Map<String, Object>> recs,
            ToDoubleFunction<Map<String, Object>> f, Color color, boolean dashed) {
        double[] x = new double[recs.size()];
        double[] y = new double[recs.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = num(recs.get(i), "step");
            y[i] = f.applyAsDouble(recs.get(i));
        }
        return new ReportCharts.Line(name, x, y, color, dashed);
    }

    private static String title(String name, List<Map<String, Object>> recs) {
        String shortName = name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : name;
        return shortName + " " + shape(recs.getFirst());
    }

    private static String shape(Map<String, Object> rec) {
        return (long) num(rec, "m") + "×" + (long) num(rec, "n");
    }

    private void cell(double v) {
        html.append("<td>").append(Double.isFinite(v) ? String.format(Locale.ROOT, "%.3g", v) : "–").append("</td>");
    }

    private static double at(double[] a, int i) {
        return i < a.length ? a[i] : Double.NaN;
    }

    /** The larger of two values, ignoring a NaN (a side the projector does not have). */
    private static double largest(double a, double b) {
        return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.max(a, b);
    }

    private static double[] lastValues(Map<String, List<Map<String, Object>>> byParam, String key) {
        return byParam.values().stream().mapToDouble(recs -> num(recs.getLast(), key)).filter(Double::isFinite)
                .toArray();
    }

    private static double[] meanValues(Map<String, List<Map<String, Object>>> byParam, String key) {
        return byParam.values().stream().mapToDouble(recs -> mean(recs, r -> num(r, key))).filter(Double::isFinite)
                .toArray();
    }

    static double mean(List<Map<String, Object>> recs, ToDoubleFunction<Map<String, Object>> f) {
        return recs.stream().mapToDouble(f).filter(Double::isFinite).average().orElse(Double.NaN);
    }

    private static double maxOver(List<Map<String, Object>> recs, ToDoubleFunction<Map<String, Object>> f) {
        return recs.stream().mapToDouble(f).filter(Double::isFinite).max().orElse(Double.NaN);
    }

    static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double maxOf(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }

    static String esc(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
