package org.mofa4j.examples.bench;

import java.util.Locale;

/**
 * One measured benchmark case: the fastest and the median of its repetitions, and the rate derived from each.
 *
 * <p>{@code work} is what one repetition does, counted in the numerator of {@code unit}: GFLOP for
 * {@code GFLOP/s} (a matmul does 2·m·n·k / 10⁹), GB for {@code GB/s} (bytes moved / 10⁹), tokens for
 * {@code tok/s}. Rates are {@code work / time}. A row that could not be measured (a peer that is not installed)
 * has NaN times and says why in {@code note}.
 *
 * @param group   what is measured, e.g. {@code matmul}, {@code add}, {@code gpt-step}
 * @param shape   the problem, e.g. {@code 1024x1024x1024} (m×k·k×n written as m x k x n)
 * @param impl    who computes it, e.g. {@code mofa4j-vector}, {@code ejml}, {@code pytorch}
 * @param threads threads the implementation was allowed
 * @param note    free text shown after the row (empty when there is nothing to say)
 */
public record BenchRow(String group, String shape, String impl, int threads, int reps,
                       double minSeconds, double medianSeconds, double work, String unit, String note) {

    public BenchRow {
        note = note == null ? "" : note;
    }

    /** A row without a note. */
    public BenchRow(String group, String shape, String impl, int threads, int reps, double minSeconds,
            double medianSeconds, double work, String unit) {
        this(group, shape, impl, threads, reps, minSeconds, medianSeconds, work, unit, "");
    }

    /** A row that was not measured, with the reason in its note. */
    public static BenchRow unavailable(String group, String shape, String impl, int threads, String unit,
            String reason) {
        return new BenchRow(group, shape, impl, threads, 0, Double.NaN, Double.NaN, Double.NaN, unit, reason);
    }

    /** Whether the row holds a measurement. */
    public boolean measured() {
        return reps > 0 && Double.isFinite(minSeconds);
    }

    /** Rate at the fastest repetition, e.g. GFLOP/s (NaN when not measured). */
    public double rateBest() {
        return work / minSeconds;
    }

    /** Rate at the median repetition. */
    public double rateMedian() {
        return work / medianSeconds;
    }

    /** A JSON object on one line; the key names are stable for scripts that read the {@code JSON} line. */
    public String toJson() {
        return "{\"group\":" + Json.str(group) + ",\"shape\":" + Json.str(shape) + ",\"impl\":" + Json.str(impl)
                + ",\"threads\":" + threads + ",\"reps\":" + reps
                + ",\"min_ms\":" + Json.num(minSeconds * 1e3, 4) + ",\"median_ms\":" + Json.num(medianSeconds * 1e3, 4)
                + ",\"unit\":" + Json.str(unit) + ",\"best\":" + Json.num(rateBest(), 3)
                + ",\"median\":" + Json.num(rateMedian(), 3) + (note.isEmpty() ? "" : ",\"note\":" + Json.str(note))
                + "}";
    }

    /** A table line matching {@link #tableHeader()}. */
    public String toTableLine() {
        String line = String.format(Locale.ROOT, "%-8s %-20s %-16s %3d %5d %11s %11s %10s %10s %-7s",
                group, shape, impl, threads, reps, fixed(minSeconds * 1e3, 3), fixed(medianSeconds * 1e3, 3),
                fixed(rateBest(), 2), fixed(rateMedian(), 2), unit);
        return note.isEmpty() ? line.stripTrailing() : line + " " + note;
    }

    public static String tableHeader() {
        return String.format(Locale.ROOT, "%-8s %-20s %-16s %3s %5s %11s %11s %10s %10s %s",
                "group", "shape", "impl", "thr", "reps", "min ms", "median ms", "best", "median", "unit");
    }

    /**
     * The row as one tab-separated line (a child JVM hands its rows to the parent this way); {@link #fromLine}
     * reads it back. Numbers are written exactly ({@link Double#toString}).
     */
    public String toLine() {
        return String.join("\t", "ROW", group, shape, impl, Integer.toString(threads), Integer.toString(reps),
                Double.toString(minSeconds), Double.toString(medianSeconds), Double.toString(work), unit,
                note.replace('\t', ' ').replace('\n', ' '));
    }

    /** Reads a line written by {@link #toLine()}. */
    public static BenchRow fromLine(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 11 || !f[0].equals("ROW")) {
            throw new IllegalArgumentException("BenchRow.fromLine: expected 11 tab-separated fields starting with ROW,"
                    + " got '" + line + "'");
        }
        return new BenchRow(f[1], f[2], f[3], Integer.parseInt(f[4]), Integer.parseInt(f[5]),
                Double.parseDouble(f[6]), Double.parseDouble(f[7]), Double.parseDouble(f[8]), f[9], f[10]);
    }

    private static String fixed(double x, int decimals) {
        return Double.isFinite(x) ? String.format(Locale.ROOT, "%." + decimals + "f", x) : "-";
    }

    /** Minimal JSON writing (the benchmark has no JSON dependency). */
    static final class Json {
        private Json() {
        }

        static String str(String s) {
            StringBuilder b = new StringBuilder("\"");
            for (char ch : s.toCharArray()) {
                switch (ch) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (ch < 0x20) {
                            b.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
                        } else {
                            b.append(ch);
                        }
                    }
                }
            }
            return b.append('"').toString();
        }

        /** A number with the given decimals, or {@code null} for NaN and infinities (JSON has neither). */
        static String num(double x, int decimals) {
            return Double.isFinite(x) ? String.format(Locale.ROOT, "%." + decimals + "f", x) : "null";
        }
    }
}
