package org.mofa4j.examples.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One line of {@code key=value} fields after a tag, tab-separated: {@code GPTSTEP\tthreads=1\ttotal=0.1,0.2}.
 * Child JVMs and the Python peer report to the parent this way; values hold no tabs or newlines, arrays are
 * comma-separated numbers.
 */
final class KeyValueLine {
    private KeyValueLine() {
    }

    static String format(String tag, Map<String, String> fields) {
        StringBuilder b = new StringBuilder(tag);
        for (Map.Entry<String, String> e : fields.entrySet()) {
            b.append('\t').append(e.getKey()).append('=')
                    .append(e.getValue().replace('\t', ' ').replace('\n', ' '));
        }
        return b.toString();
    }

    /** The fields of a line written by {@link #format}; keeps their order. */
    static Map<String, String> parse(String line) {
        String[] parts = line.split("\t");
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("KeyValueLine: field " + i + " is not key=value in '" + line + "'");
            }
            out.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
        }
        return out;
    }

    static String doubles(double[] xs) {
        return Arrays.stream(xs).mapToObj(Double::toString).collect(Collectors.joining(","));
    }

    static String longs(long[] xs) {
        return Arrays.stream(xs).mapToObj(Long::toString).collect(Collectors.joining(","));
    }

    static double[] parseDoubles(String s) {
        return s.isEmpty() ? new double[0] : Arrays.stream(s.split(",")).mapToDouble(Double::parseDouble).toArray();
    }

    static long[] parseLongs(String s) {
        return s.isEmpty() ? new long[0] : Arrays.stream(s.split(",")).mapToLong(Long::parseLong).toArray();
    }

    /** The value of {@code key}, failing with a message that names the tag and the missing key. */
    static String require(Map<String, String> fields, String key) {
        String v = fields.get(key);
        if (v == null) {
            throw new IllegalArgumentException("KeyValueLine: missing '" + key + "' in " + fields.keySet());
        }
        return v;
    }
}
