package org.mofa4j.examples.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mofa4j.nn.json.Json;
import org.mofa4j.nn.train.InspectionLog;

/**
 * The diagnostics of one run ({@link InspectionLog}'s JSON lines), grouped by record kind ("mofasgd",
 * "galore_refresh", "galore", "adalomo") and then by parameter, in file order; plus the "run" and "cost" lines.
 */
final class InspectionRecords {
    /** kind → parameter → records, in first-appearance order. */
    final Map<String, Map<String, List<Map<String, Object>>>> byKind = new LinkedHashMap<>();
    final List<Map<String, Object>> runs = new ArrayList<>();
    final List<Map<String, Object>> costs = new ArrayList<>();

    private InspectionRecords() {}

    /** Reads {@code dir/inspect.jsonl}; a missing file or a bad line is an error naming the file and line. */
    static InspectionRecords read(Path dir) {
        Path file = dir.resolve(InspectionLog.FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("inspect: no " + InspectionLog.FILE_NAME + " in " + dir.toAbsolutePath()
                    + "; train with --inspect-every N --out " + dir + " first");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("inspect: cannot read " + file, e);
        }
        InspectionRecords out = new InspectionRecords();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            Map<String, Object> rec;
            try {
                rec = Json.asObject(Json.parse(line), file + " line " + (i + 1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("inspect: " + file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
            String kind = String.valueOf(rec.get("kind"));
            switch (kind) {
                case "run" -> out.runs.add(rec);
                case "cost" -> out.costs.add(rec);
                default -> out.byKind.computeIfAbsent(kind, k -> new LinkedHashMap<>())
                        .computeIfAbsent(String.valueOf(rec.get("param")), k -> new ArrayList<>()).add(rec);
            }
        }
        if (out.byKind.isEmpty()) {
            throw new IllegalArgumentException("inspect: " + file + " holds no per-parameter records (only MoFaSGD, "
                    + "GaLore and AdaLomo record any)");
        }
        return out;
    }

    /** The records of one kind, by parameter (empty when the run has none). */
    Map<String, List<Map<String, Object>>> kind(String kind) {
        return byKind.getOrDefault(kind, Map.of());
    }

    /** A number field, or NaN when absent or null. */
    static double num(Map<String, Object> rec, String key) {
        return rec.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** A list-of-numbers field, or an empty array. */
    static double[] nums(Map<String, Object> rec, String key) {
        if (!(rec.get(key) instanceof List<?> list)) {
            return new double[0];
        }
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i) instanceof Number n ? n.doubleValue() : Double.NaN;
        }
        return out;
    }

    /** The largest element of a list field, or NaN when it is empty. */
    static double max(Map<String, Object> rec, String key) {
        double m = Double.NaN;
        for (double x : nums(rec, key)) {
            m = Double.isNaN(m) ? x : Math.max(m, x);
        }
        return m;
    }
}
