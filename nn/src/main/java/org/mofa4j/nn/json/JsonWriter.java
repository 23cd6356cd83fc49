package org.mofa4j.nn.json;

import java.util.List;
import java.util.Map;

/** The compact writer behind {@link Json#write(Object, Json.Escape)} and {@link Json#quote(String)}. */
final class JsonWriter {
    private JsonWriter() {
    }

    /** Appends {@code value} as compact JSON to {@code sb}. Modifies: sb (also on failure, partly written). */
    static void write(StringBuilder sb, Object value, Json.Escape escape) {
        switch (value) {
            case null -> sb.append("null");
            case String s -> appendQuoted(sb, s, escape);
            case Boolean b -> sb.append(b);
            case Double d -> writeFinite(sb, d);
            case Float f -> writeFinite(sb, f.doubleValue());
            case Long n -> sb.append(n.longValue());
            case Integer n -> sb.append(n.intValue());
            case Short n -> sb.append(n.shortValue());
            case Byte n -> sb.append(n.byteValue());
            case int[] a -> {
                sb.append('[');
                for (int i = 0; i < a.length; i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    sb.append(a[i]);
                }
                sb.append(']');
            }
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!(e.getKey() instanceof String key)) {
                        throw new IllegalArgumentException("JSON.write: object keys must be strings, got "
                                + e.getKey());
                    }
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    appendQuoted(sb, key, escape);
                    sb.append(':');
                    write(sb, e.getValue(), escape);
                }
                sb.append('}');
            }
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    write(sb, l.get(i), escape);
                }
                sb.append(']');
            }
            default -> throw new IllegalArgumentException("JSON.write: cannot write a "
                    + value.getClass().getName());
        }
    }

    private static void writeFinite(StringBuilder sb, double d) {
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException("JSON.write: " + d + " has no JSON representation");
        }
        sb.append(d);
    }

    /** Appends {@code s} as a JSON string literal, escaped as {@code escape} says. Modifies: sb. */
    static void appendQuoted(StringBuilder sb, String s, Json.Escape escape) {
        boolean asciiOnly = escape == Json.Escape.ASCII;
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || (asciiOnly && c >= 0x7F)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
