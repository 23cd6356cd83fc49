package org.mofa4j.examples.bench;

import java.util.Locale;

/**
 * One measured benchmark case: the fastest and the median of its repetitions, and the rate derived from each.
 *
 * <p>{@code work} is what one repetition does in the row's unit before "/s": flops for {@code GFLOP/s}
 * (a matmul does 2·m·n·k), bytes moved for {@code GB/s}. Rates are {@code work / time / 10⁹}.
 *
 * @param group   what is measured, e.g. {@code matmul} or {@code add}
 * @param shape   the problem, e.g. {@code 1024x1024x1024} (m×k·k×n written as m x k x n)
 * @param impl    who computes it, e.g. {@code mofa4j-vector}, {@code ejml}
 * @param threads threads the implementation was allowed
 */
public record BenchRow(String group, String shape, String impl, int threads, int reps,
                       double minSeconds, double medianSeconds, double work, String unit) {

    /** Rate at the fastest repetition, e.g. GFLOP/s. */
    public double rateBest() {
        return work / minSeconds / 1e9;
    }

    /** Rate at the median repetition. */
    public double rateMedian() {
        return work / medianSeconds / 1e9;
    }

    /** A JSON object on one line; the key names are stable for scripts that read the {@code JSON} line. */
    public String toJson() {
        return String.format(Locale.ROOT,
                "{\"group\":%s,\"shape\":%s,\"impl\":%s,\"threads\":%d,\"reps\":%d,\"min_ms\":%.4f,"
                        + "\"median_ms\":%.4f,\"unit\":%s,\"best\":%.3f,\"median\":%.3f}",
                Json.str(group), Json.str(shape), Json.str(impl), threads, reps, minSeconds * 1e3,
                medianSeconds * 1e3, Json.str(unit), rateBest(), rateMedian());
    }

    /** A table line matching {@link #tableHeader()}. */
    public String toTableLine() {
        return String.format(Locale.ROOT, "%-8s %-20s %-16s %3d %5d %11.3f %11.3f %9.2f %9.2f %s",
                group, shape, impl, threads, reps, minSeconds * 1e3, medianSeconds * 1e3, rateBest(), rateMedian(),
                unit);
    }

    public static String tableHeader() {
        return String.format(Locale.ROOT, "%-8s %-20s %-16s %3s %5s %11s %11s %9s %9s %s",
                "group", "shape", "impl", "thr", "reps", "min ms", "median ms", "best", "median", "unit");
    }

    /** Minimal JSON string quoting (the benchmark has no JSON dependency). */
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
    }
}
