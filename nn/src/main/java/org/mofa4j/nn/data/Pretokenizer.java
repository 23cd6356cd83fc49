package org.mofa4j.nn.data;

import java.util.ArrayList;
import java.util.List;

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
    };

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
