package org.mofa4j.nn.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal JSON (RFC 8259) reader and writer, enough to store tokenizers inside checkpoints without a new
 * dependency.
 *
 * <p><b>Value mapping.</b> object ↔ {@code Map<String, Object>} (a {@link LinkedHashMap}, keys in document order),
 * array ↔ {@code List<Object>}, string ↔ {@link String}, number ↔ {@link Long} when it is an integer that fits
 * in 64 bits, else {@link Double}, {@code true}/{@code false} ↔ {@link Boolean}, {@code null} ↔ {@code null}.
 * The writer also accepts {@code int[]} (written as an array) and any {@link Number}.
 *
 * <p><b>Strictness.</b> The reader accepts exactly the RFC grammar: no comments, no trailing commas, no
 * single quotes, no unescaped control characters in strings, no duplicate keys, no trailing content. Nesting is
 * limited to {@value #MAX_DEPTH} levels so corrupt input cannot overflow the stack. Every error is an
 * {@link IllegalArgumentException} naming the character offset and what was expected.
 *
 * <p><b>Output.</b> The writer emits compact ASCII: every character outside printable ASCII is written as a
 * backslash-u escape of four hex digits, so the text survives any byte encoding and even unpaired surrogates
 * round-trip.
 */
final class Json {
    static final int MAX_DEPTH = 512;

    private final String text;
    private int pos;

    private Json(String text) {
        this.text = text;
    }

    // ---------------------------------------------------------------- reading

    /** Parses one JSON value that spans all of {@code text} (surrounding whitespace allowed). */
    static Object parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("JSON: input is null");
        }
        Json p = new Json(text);
        p.skipWhitespace();
        if (p.pos == text.length()) {
            throw new IllegalArgumentException("JSON: input is empty");
        }
        Object value = p.readValue(0);
        p.skipWhitespace();
        if (p.pos != text.length()) {
            throw p.error("end of input");
        }
        return value;
    }

    private Object readValue(int depth) {
        if (depth >= MAX_DEPTH) {
            throw new IllegalArgumentException("JSON: nesting deeper than " + MAX_DEPTH + " levels at offset " + pos);
        }
        if (pos >= text.length()) {
            throw error("a value");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> readObject(depth);
            case '[' -> readArray(depth);
            case '"' -> readString();
            case 't' -> readLiteral("true", Boolean.TRUE);
            case 'f' -> readLiteral("false", Boolean.FALSE);
            case 'n' -> readLiteral("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield readNumber();
                }
                throw error("a value");
            }
        };
    }

    private Map<String, Object> readObject(int depth) {
        pos++; // '{'
        Map<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return map;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("a string key");
            }
            int keyAt = pos;
            String key = readString();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            Object value = readValue(depth + 1);
            if (map.containsKey(key)) {
                throw new IllegalArgumentException("JSON: duplicate key \"" + key + "\" at offset " + keyAt);
            }
            map.put(key, value);
            skipWhitespace();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == '}') {
                pos++;
                return map;
            } else {
                throw error("',' or '}'");
            }
        }
    }

    private List<Object> readArray(int depth) {
        pos++; // '['
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return list;
        }
        while (true) {
            skipWhitespace();
            list.add(readValue(depth + 1));
            skipWhitespace();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == ']') {
                pos++;
                return list;
            } else {
                throw error("',' or ']'");
            }
        }
    }

    private String readString() {
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("a closing '\"'");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("an escaped control character (raw U+" + String.format("%04X", (int) c) + " in string)");
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= text.length()) {
                throw error("an escape character");
            }
            char e = text.charAt(pos++);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (pos + 4 > text.length()) {
                        throw error("four hex digits after \\u");
                    }
                    int v = 0;
                    for (int k = 0; k < 4; k++) {
                        int d = Character.digit(text.charAt(pos), 16);
                        if (d < 0) {
                            throw error("a hex digit in \\u escape");
                        }
                        v = v * 16 + d;
                        pos++;
                    }
                    sb.append((char) v);
                }
                default -> {
                    pos--;
                    throw error("a valid escape (one of \"\\/bfnrtu)");
                }
            }
        }
    }

    private Object readLiteral(String word, Object value) {
        if (!text.startsWith(word, pos)) {
            throw error("a value");
        }
        pos += word.length();
        return value;
    }

    private Object readNumber() {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (isDigit(peek())) {
            skipDigits();
        } else {
            throw error("a digit");
        }
        boolean integral = true;
        if (peek() == '.') {
            integral = false;
            pos++;
            if (!isDigit(peek())) {
                throw error("a digit after '.'");
            }
            skipDigits();
        }
        if (peek() == 'e' || peek() == 'E') {
            integral = false;
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw error("a digit in the exponent");
            }
            skipDigits();
        }
        String s = text.substring(start, pos);
        if (integral) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException tooBig) {
                // falls through to a double
            }
        }
        return Double.parseDouble(s);
    }

    private void skipDigits() {
        while (isDigit(peek())) {
            pos++;
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** The current character, or U+0000 at the end of input (never valid where it is tested). */
    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("'" + c + "'");
        }
        pos++;
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private IllegalArgumentException error(String expected) {
        String found = pos >= text.length() ? "end of input"
                : "'" + printable(text.charAt(pos)) + "'";
        return new IllegalArgumentException("JSON: expected " + expected + " at offset " + pos + ", found " + found);
    }

    private static String printable(char c) {
        return c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("U+%04X", (int) c);
    }

    // ---------------------------------------------------------------- writing

    /** Compact ASCII JSON for {@code value} (see the class comment for accepted types). */
    static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object value) {
        switch (value) {
            case null -> sb.append("null");
            case String s -> writeString(sb, s);
            case Boolean b -> sb.append(b);
            case Double d -> writeFinite(sb, d);
            case Float f -> writeFinite(sb, f.doubleValue());
            case Number n -> sb.append(n.longValue());
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
                    writeString(sb, key);
                    sb.append(':');
                    write(sb, e.getValue());
                }
                sb.append('}');
            }
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    write(sb, l.get(i));
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

    private static void writeString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c >= 0x7F) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    // ---------------------------------------------------------------- typed access

    /** {@code value} as an object, or an error saying what {@code where} should have been. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> asObject(Object value, String where) {
        if (value instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException(where + ": expected a JSON object, got " + describe(value));
    }

    /** The required member {@code key} of {@code obj}; a missing key is an error naming {@code where}. */
    static Object member(Map<String, Object> obj, String key, String where) {
        if (!obj.containsKey(key)) {
            throw new IllegalArgumentException(where + ": missing field \"" + key + "\"");
        }
        return obj.get(key);
    }

    static String getString(Map<String, Object> obj, String key, String where) {
        Object v = member(obj, key, where);
        if (v instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(where + ": field \"" + key + "\" must be a string, got " + describe(v));
    }

    static List<Object> getArray(Map<String, Object> obj, String key, String where) {
        Object v = member(obj, key, where);
        if (v instanceof List<?> l) {
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) l;
            return list;
        }
        throw new IllegalArgumentException(where + ": field \"" + key + "\" must be an array, got " + describe(v));
    }

    /** {@code value} as an int in [lo, hi], or an error naming {@code what}. */
    static int asInt(Object value, int lo, int hi, String what) {
        if (value instanceof Long l && l >= lo && l <= hi) {
            return (int) (long) l;
        }
        throw new IllegalArgumentException(what + " must be an integer in [" + lo + ", " + hi + "], got "
                + describe(value));
    }

    static int getInt(Map<String, Object> obj, String key, int lo, int hi, String where) {
        return asInt(member(obj, key, where), lo, hi, where + ": field \"" + key + "\"");
    }

    /** A short description of a parsed value for error messages. */
    static String describe(Object value) {
        return switch (value) {
            case null -> "null";
            case String s -> "string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
            case Map<?, ?> m -> "an object";
            case List<?> l -> "an array of " + l.size();
            default -> value.toString();
        };
    }
}
