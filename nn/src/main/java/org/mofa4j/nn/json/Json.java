package org.mofa4j.nn.json;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON (RFC 8259) reader and compact writer, enough to store tokenizers and safetensors headers without
 * a new dependency.
 *
 * <p><b>Value mapping.</b> object ↔ {@code Map<String, Object>} (a {@link LinkedHashMap}, keys in document order),
 * array ↔ {@code List<Object>}, string ↔ {@link String}, number ↔ {@link Long} when it is an integer literal that
 * fits in 64 bits, else {@link Double}, {@code true}/{@code false} ↔ {@link Boolean}, {@code null} ↔ {@code null}.
 * The writer also accepts {@code int[]} (written as an array), {@link Integer}, {@link Short}, {@link Byte} and
 * finite {@link Float}s.
 *
 * <p><b>Strictness.</b> The reader accepts exactly the RFC grammar: no comments, no trailing commas, no single
 * quotes, no unescaped control characters in strings, no leading zeros, no trailing content. Duplicate keys are
 * refused with a {@link DuplicateKeyException} that names the key, its depth and its offset. Nesting is limited
 * (to {@value #DEFAULT_MAX_DEPTH} levels unless the caller gives a limit) so corrupt or hostile input cannot
 * overflow the stack. Every error is an {@link IllegalArgumentException} whose message starts with
 * {@code "JSON: "} and names the character offset and what was expected. The writer refuses what JSON cannot
 * hold (NaN, infinities, non-string keys, other types) instead of writing something that does not read back.
 *
 * <p><b>Output.</b> Compact: no whitespace. How strings are escaped is the caller's choice, see {@link Escape}.
 *
 * <p>Typed accessors ({@link #asObject}, {@link #getString}, {@link #getInt}, ...) turn a parsed value into the
 * fields a file format expects, with errors that name the field and what it should have been.
 */
public final class Json {
    /** The nesting limit of {@link #parse(String)}: far beyond any file this project writes. */
    public static final int DEFAULT_MAX_DEPTH = 512;

    /** How the writer escapes strings; both read back to the same string. */
    public enum Escape {
        /**
         * As serde_json, which writes the files of the Python safetensors library: only '"', '\\' and the
         * control characters U+0000 to U+001F are escaped ({@code \b \f \n \r \t} by name, the rest as backslash-u
         * with four lowercase hex digits); every other character is written as it is, for the caller to encode as
         * UTF-8. Unpaired surrogates are not escaped: check {@code CharsetEncoder.canEncode} first when the text
         * must become UTF-8.
         */
        MINIMAL,
        /**
         * As {@link #MINIMAL}, and every character outside printable ASCII (U+0020 to U+007E) is written as a
         * backslash-u escape of four lowercase hex digits, so the text survives any byte encoding and even unpaired
         * surrogates round-trip.
         */
        ASCII
    }

    private Json() {
    }

    // ---------------------------------------------------------------- reading

    /**
     * Parses one JSON value that spans all of {@code text} (surrounding whitespace allowed), at most
     * {@value #DEFAULT_MAX_DEPTH} levels deep.
     *
     * @throws DuplicateKeyException if an object repeats a key
     * @throws IllegalArgumentException if {@code text} is null, empty, nested too deep or not exactly one JSON
     *     value
     */
    public static Object parse(String text) {
        return parse(text, DEFAULT_MAX_DEPTH);
    }

    /**
     * Parses one JSON value that spans all of {@code text} (surrounding whitespace allowed). The outermost value is
     * at depth 1, a value inside it at depth 2, and so on; a value deeper than {@code maxDepth} is an error.
     *
     * @throws DuplicateKeyException if an object repeats a key
     * @throws IllegalArgumentException if {@code text} is null, empty, nested too deep or not exactly one JSON
     *     value, or if {@code maxDepth < 1}
     */
    public static Object parse(String text, int maxDepth) {
        return JsonReader.parse(text, maxDepth);
    }

    // ---------------------------------------------------------------- writing

    /**
     * {@code value} as compact JSON (see the class comment for the accepted types), strings escaped as
     * {@code escape} says.
     *
     * @throws IllegalArgumentException for a non-finite number, a non-string key or a type JSON cannot hold
     */
    public static String write(Object value, Escape escape) {
        StringBuilder sb = new StringBuilder();
        JsonWriter.write(sb, value, escape);
        return sb.toString();
    }

    /** {@code s} as a JSON string literal with {@link Escape#MINIMAL} escaping; also fit for error messages. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        JsonWriter.appendQuoted(sb, s, Escape.MINIMAL);
        return sb.toString();
    }

    /** Appends {@code s} as a JSON string literal escaped as {@code escape} says. Modifies: sb. */
    public static void appendQuoted(StringBuilder sb, String s, Escape escape) {
        JsonWriter.appendQuoted(sb, s, escape);
    }

    // ---------------------------------------------------------------- typed access

    /** {@code value} as an object, or an error saying what {@code where} should have been. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> asObject(Object value, String where) {
        if (value instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException(where + ": expected a JSON object, got " + describe(value));
    }

    /** The required member {@code key} of {@code obj}; a missing key is an error naming {@code where}. */
    public static Object member(Map<String, Object> obj, String key, String where) {
        if (!obj.containsKey(key)) {
            throw new IllegalArgumentException(where + ": missing field \"" + key + "\"");
        }
        return obj.get(key);
    }

    /** The required string member {@code key} of {@code obj}; errors name {@code where} and the field. */
    public static String getString(Map<String, Object> obj, String key, String where) {
        Object v = member(obj, key, where);
        if (v instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(where + ": field \"" + key + "\" must be a string, got " + describe(v));
    }

    /** The required array member {@code key} of {@code obj}; errors name {@code where} and the field. */
    public static List<Object> getArray(Map<String, Object> obj, String key, String where) {
        Object v = member(obj, key, where);
        if (v instanceof List<?> l) {
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) l;
            return list;
        }
        throw new IllegalArgumentException(where + ": field \"" + key + "\" must be an array, got " + describe(v));
    }

    /** {@code value} as an int in [lo, hi], or an error naming {@code what}. */
    public static int asInt(Object value, int lo, int hi, String what) {
        if (value instanceof Long l && l >= lo && l <= hi) {
            return (int) (long) l;
        }
        throw new IllegalArgumentException(what + " must be an integer in [" + lo + ", " + hi + "], got "
                + describe(value));
    }

    /** The required integer member {@code key} of {@code obj}, in [lo, hi]; errors name {@code where}. */
    public static int getInt(Map<String, Object> obj, String key, int lo, int hi, String where) {
        return asInt(member(obj, key, where), lo, hi, where + ": field \"" + key + "\"");
    }

    /** A short description of a parsed value for error messages: strings cut at 40 characters. */
    public static String describe(Object value) {
        return switch (value) {
            case null -> "null";
            case String s -> "string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
            case Map<?, ?> m -> "an object";
            case List<?> l -> "an array of " + l.size();
            default -> value.toString();
        };
    }
}
