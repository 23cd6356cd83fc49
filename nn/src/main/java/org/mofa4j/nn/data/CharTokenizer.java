package org.mofa4j.nn.data;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.mofa4j.nn.json.Json;

/**
 * One token per Unicode code point seen in a corpus, as in nanoGPT's {@code shakespeare_char}: the vocabulary is
 * the sorted set of distinct code points, and a code point's id is its index in that order.
 *
 * <p>Encoding a character that was not in the corpus is an error naming the character and its position; decoding
 * is the exact inverse of encoding. Unpaired surrogates are ordinary code points here and round-trip too.
 */
public final class CharTokenizer implements Tokenizer {
    static final String KIND = "char";

    /** Distinct code points, strictly increasing; id = index. */
    private final int[] codePoints;

    private CharTokenizer(int[] codePoints) {
        this.codePoints = codePoints;
    }

    /**
     * The tokenizer whose vocabulary is the distinct code points of {@code corpus}.
     *
     * @throws IllegalArgumentException if the corpus is empty
     */
    public static CharTokenizer fromCorpus(String corpus) {
        if (corpus.isEmpty()) {
            throw new IllegalArgumentException("CharTokenizer.fromCorpus: the corpus is empty, so there is no "
                    + "vocabulary");
        }
        return new CharTokenizer(corpus.codePoints().sorted().distinct().toArray());
    }

    /**
     * The tokenizer with exactly these code points as its vocabulary (any order, no duplicates).
     *
     * @throws IllegalArgumentException if the array is empty, has duplicates or holds a non-code-point
     */
    public static CharTokenizer of(int... codePoints) {
        int[] sorted = codePoints.clone();
        Arrays.sort(sorted);
        check(sorted, "CharTokenizer.of");
        return new CharTokenizer(sorted);
    }

    private static void check(int[] sorted, String where) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException(where + ": the vocabulary is empty");
        }
        for (int i = 0; i < sorted.length; i++) {
            if (!Character.isValidCodePoint(sorted[i])) {
                throw new IllegalArgumentException(where + ": " + sorted[i] + " is not a Unicode code point");
            }
            if (i > 0 && sorted[i] <= sorted[i - 1]) {
                throw new IllegalArgumentException(where + ": code points must be distinct and increasing, but "
                        + sorted[i] + " follows " + sorted[i - 1] + " at index " + i);
            }
        }
    }

    /** The vocabulary: code point of id i at index i. */
    public int[] codePoints() {
        return codePoints.clone();
    }

    @Override
    public int vocabSize() {
        return codePoints.length;
    }

    /** The id of {@code codePoint}, or -1 if it is not in the vocabulary. */
    public int idOf(int codePoint) {
        int i = Arrays.binarySearch(codePoints, codePoint);
        return i >= 0 ? i : -1;
    }

    @Override
    public int[] encode(String text) {
        int[] ids = new int[text.codePointCount(0, text.length())];
        int n = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int id = idOf(cp);
            if (id < 0) {
                throw new IllegalArgumentException("CharTokenizer.encode: character " + describe(cp)
                        + " at position " + i + " (code point " + n + ") is not in the vocabulary of "
                        + codePoints.length + " characters");
            }
            ids[n++] = id;
            i += Character.charCount(cp);
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder(ids.length);
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id >= codePoints.length) {
                throw new IllegalArgumentException("CharTokenizer.decode: id " + id + " at position " + i
                        + " is outside [0, " + codePoints.length + ")");
            }
            sb.appendCodePoint(codePoints[id]);
        }
        return sb.toString();
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public String toJson() {
        return Tokenizers.toJson(KIND, Map.entry("codePoints", codePoints));
    }

    static CharTokenizer fromJsonObject(Map<String, Object> obj, String where) {
        List<Object> list = Json.getArray(obj, "codePoints", where);
        int[] cps = new int[list.size()];
        for (int i = 0; i < cps.length; i++) {
            cps[i] = Json.asInt(list.get(i), 0, Character.MAX_CODE_POINT, where + ": codePoints[" + i + "]");
        }
        check(cps, where);
        return new CharTokenizer(cps);
    }

    /** {@code 'x' (U+0078)}, with control and invisible characters shown only by their number. */
    static String describe(int cp) {
        boolean visible = !Character.isISOControl(cp) && !Character.isWhitespace(cp)
                && Character.getType(cp) != Character.SURROGATE && Character.isDefined(cp);
        String hex = String.format("U+%04X", cp);
        return visible ? "'" + new String(Character.toChars(cp)) + "' (" + hex + ")" : hex;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CharTokenizer c && Arrays.equals(codePoints, c.codePoints);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(codePoints);
    }

    @Override
    public String toString() {
        return "CharTokenizer[vocab=" + codePoints.length + "]";
    }
}
