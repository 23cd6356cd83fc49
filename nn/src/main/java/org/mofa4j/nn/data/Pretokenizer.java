package org.mofa4j.nn.data;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How {@link BpeTokenizer} cuts text into pieces before byte-pair merging; merges never cross a piece boundary.
 * The pieces of a text always concatenate back to the text, so the cut never loses anything.
 */
public enum Pretokenizer {
    /** The whole text is one piece: merges may span words, spaces and newlines. */
    NONE {
        @Override
        public List<String> split(String text) {
            return text.isEmpty() ? List.of() : List.of(text);
        }
    },

    /**
     * Word-like pieces, a simplified form of GPT-2's pattern
     * {@code ' ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+'}. Each code point is a letter (a Unicode letter or a
     * combining mark), a digit, whitespace, or other (punctuation, symbols, emoji). A piece is a maximal run of
     * one non-whitespace class, taking with it a single preceding U+0020 space if there is one; the rest of a
     * whitespace run is a piece of its own. So {@code "Hi  there,\n\nyou"} becomes {@code "Hi", " ",
     * " there", ",", "\n\n", "you"}: a frequent word gets one token with its leading space, and merges do not
     * glue words to punctuation or to one another.
     */
    WORDS {
        @Override
        public List<String> split(String text) {
            List<String> pieces = new ArrayList<>();
            int n = text.length();
            int i = 0;
            while (i < n) {
                int start = i;
                if (charClass(text.codePointAt(i)) == WHITESPACE) {
                    int j = endOfRun(text, i, WHITESPACE);
                    if (j == n || text.charAt(j - 1) != ' ') {
                        pieces.add(text.substring(i, j));
                        i = j;
                        continue;
                    }
                    // The run ends in a space before a word: that space starts the word's piece.
                    if (j - 1 > i) {
                        pieces.add(text.substring(i, j - 1));
                    }
                    start = j - 1;
                    i = j;
                }
                int j = endOfRun(text, i, charClass(text.codePointAt(i)));
                pieces.add(text.substring(start, j));
                i = j;
            }
            return pieces;
        }
    },

    /**
     * GPT-2's own pattern (OpenAI's {@code encoder.py}, also used by Hugging Face's {@code GPT2Tokenizer}):
     * <pre>
     *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
     * </pre>
     * matched left to right, the first alternative that matches winning. So contractions are pieces of their own
     * ({@code "don't"} → {@code "don", "'t"}; only lowercase ASCII apostrophe forms), a word, number or run of
     * other symbols takes one preceding U+0020 space, and a whitespace run before a word gives up its last
     * character: {@code "a   b"} → {@code "a", "  ", " b"} (the {@code (?!\S)} look-ahead). As in the
     * Python {@code regex} module the reference uses, {@code \s} is Unicode White_Space, {@code \p{L}} any
     * letter and {@code \p{N}} any number (Java's {@link Pattern#UNICODE_CHARACTER_CLASS}). Every character is
     * whitespace, a letter, a number or other, so some alternative matches at every position and the pieces
     * concatenate back to the text.
     */
    GPT2 {
        @Override
        public List<String> split(String text) {
            List<String> pieces = new ArrayList<>();
            Matcher m = GPT2_PATTERN.matcher(text);
            int end = 0;
            while (m.find()) {
                if (m.start() != end) {
                    throw new IllegalStateException("Pretokenizer.GPT2: no piece covers text[" + end + ", "
                            + m.start() + ")");
                }
                pieces.add(m.group());
                end = m.end();
            }
            if (end != text.length()) {
                throw new IllegalStateException("Pretokenizer.GPT2: no piece covers text[" + end + ", "
                        + text.length() + ")");
            }
            return pieces;
        }
    };

    private static final Pattern GPT2_PATTERN = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private static final int WHITESPACE = 0;
    private static final int LETTER = 1;
    private static final int DIGIT = 2;
    private static final int OTHER = 3;

    /** The pieces of {@code text}, in order; their concatenation is {@code text}. */
    public abstract List<String> split(String text);

    /** The first index at or after {@code from} whose code point is not of class {@code cls}. */
    private static int endOfRun(String text, int from, int cls) {
        int j = from;
        while (j < text.length()) {
            int cp = text.codePointAt(j);
            if (charClass(cp) != cls) {
                break;
            }
            j += Character.charCount(cp);
        }
        return j;
    }

    private static int charClass(int cp) {
        if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
            return WHITESPACE;
        }
        if (Character.isLetter(cp)) {
            return LETTER;
        }
        int type = Character.getType(cp);
        if (type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK) {
            return LETTER;
        }
        return Character.isDigit(cp) ? DIGIT : OTHER;
    }
}
