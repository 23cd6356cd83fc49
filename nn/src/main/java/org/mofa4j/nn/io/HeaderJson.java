package org.mofa4j.nn.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The strict JSON (RFC 8259) subset a safetensors header needs: a reader for any JSON value and a string
 * quoter for the writer.
 *
 * <p><b>Value mapping.</b> object → {@code Map<String, Object>} (a {@link LinkedHashMap}, keys in document order),
 * array → {@code List<Object>}, string → {@link String}, integer literal that fits in 64 bits → {@link Long},
 * any other number → {@link Double}, {@code true}/{@code false} → {@link Boolean}, {@code null} → {@code null}.
 *
 * <p><b>Strictness.</b> Only the RFC grammar is accepted: no comments, trailing commas, single quotes, unescaped
 * control characters, leading zeros or trailing content. Duplicate keys are rejected with a
 * {@link DuplicateKeyException} (RFC 8259 leaves them undefined; for a checkpoint they mean two tensors claim one
 * name). Nesting is limited to {@value #MAX_DEPTH} levels so a hostile header cannot overflow the stack. Every
 * error is an {@link IllegalArgumentException} naming the character offset and what was expected.
 *
 * <p>org.mofa4j.nn.data has its own package-private reader for tokenizer files; the two should become one public
 * utility.
 */
final class HeaderJson {
    /** A safetensors header is three levels deep; anything far beyond that is corrupt or hostile. */
    static final int MAX_DEPTH = 64;

    /** Two members of one object share a key. {@code depth} is 1 for the outermost object. */
    static final class DuplicateKeyException extends IllegalArgumentException {
        final String key;
        final int depth;

        DuplicateKeyException(String key, int depth, int offset) {
            super("JSON: duplicate key " + quote(key) + " at offset " + offset);
            this.key = key;
            this.depth = depth;
        }
    }

    private final String text;
    private int pos;

    private HeaderJson(String text) {
        this.text = text;
    }

    // ---------------------------------------------------------------- reading

    /** Parses one JSON value that spans all of {@code text}; whitespace may surround it. */
    static Object parse(String text) {
        HeaderJson p = new HeaderJson(text);
        p.skipWhitespace();
        if (p.pos == text.length()) {
            throw new IllegalArgumentException("JSON: input is empty");
        }
        Object value = p.readValue(1);
        p.skipWhitespace();
        if (p.pos != text.length()) {
            throw p.error("end of input");
        }
        return value;
    }

    private Object readValue(int depth) {
        if (depth > MAX_DEPTH) {
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
        Map<String, Object> out = new LinkedHashMap<>();
        pos++; // '{'
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return out;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("a string key");
            }
            int keyOffset = pos;
            String key = readString();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            Object value = readValue(depth + 1);
            if (out.containsKey(key)) {
                throw new DuplicateKeyException(key, depth, keyOffset);
            }
            out.put(key, value);
            skipWhitespace();
            char c = peek();
            pos++;
            if (c == '}') {
                return out;
            }
            if (c != ',') {
                pos--;
                throw error("',' or '}'");
            }
        }
    }

    private List<Object> readArray(int depth) {
        List<Object> out = new ArrayList<>();
        pos++; // '['
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return out;
        }
        while (true) {
            skipWhitespace();
            out.add(readValue(depth + 1));
            skipWhitespace();
            char c = peek();
            pos++;
            if (c == ']') {
                return out;
            }
            if (c != ',') {
                pos--;
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
                throw error("an escaped control character (found raw U+" + String.format("%04X", (int) c) + ")");
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
                case 'u' -> sb.append(readHex4());
                default -> {
                    pos--;
                    throw error("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
                }
            }
        }
    }

    private char readHex4() {
        if (pos + 4 > text.length()) {
            throw error("four hex digits");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(text.charAt(pos), 16);
            if (d < 0) {
                throw error("a hex digit");
            }
            v = v * 16 + d;
            pos++;
        }
        return (char) v;
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
        String literal = text.substring(start, pos);
        if (integral) {
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException tooBig) {
                // falls through: kept as a double, callers that need an integer reject it
            }
        }
        return Double.parseDouble(literal);
    }

    private Object readLiteral(String word, Object value) {
        if (!text.startsWith(word, pos)) {
            throw error("'" + word + "'");
        }
        pos += word.length();
        return value;
    }

    private void skipDigits() {
        while (isDigit(peek())) {
            pos++;
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** The current character, or U+0000 at the end (never valid where a token is expected). */
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
        String found = pos >= text.length() ? "end of input" : "'" + text.charAt(pos) + "'";
        return new IllegalArgumentException("JSON: expected " + expected + " at offset " + pos + ", found " + found);
    }

    // ---------------------------------------------------------------- writing

    /**
     * {@code s} as a JSON string literal. Like serde_json (which writes the files of the Python library), it
     * escapes only '"', '\\' and control characters; other characters stay as they are and are encoded as UTF-8
     * with the rest of the header.
     */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        appendQuoted(sb, s);
        return sb.toString();
    }

    /** Appends {@link #quote(String) quote(s)} to {@code sb}. Modifies: sb. */
    static void appendQuoted(StringBuilder sb, String s) {
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
                    if (c < 0x20) {
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
