package org.mofa4j.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The char tokenizer numbers a corpus's sorted distinct code points, as nanoGPT's shakespeare_char. */
class CharTokenizerTest {

    @Test
    void vocabularyIsTheSortedDistinctCodePoints() {
        CharTokenizer tok = CharTokenizer.fromCorpus("hello world");
        assertArrayEquals(" dehlorw".codePoints().toArray(), tok.codePoints());
        assertEquals(8, tok.vocabSize());
        assertArrayEquals(new int[] {3, 2, 4, 4, 5}, tok.encode("hello"));
        assertEquals("char", tok.kind());
    }

    @Test
    void supplementaryCharactersAreOneToken() {
        CharTokenizer tok = CharTokenizer.fromCorpus("a😀b");
        assertEquals(3, tok.vocabSize());
        assertArrayEquals(new int[] {0, 2, 1}, tok.encode("a😀b"));
    }

    @Test
    void roundTripsEveryTestStringWhenBuiltFromIt() {
        for (String s : TokenizerTestStrings.ROUND_TRIP) {
            CharTokenizer tok = CharTokenizer.fromCorpus(s.isEmpty() ? "x" : s);
            assertEquals(s, tok.decode(tok.encode(s)), "round trip of \"" + s + "\"");
        }
        CharTokenizer all = CharTokenizer.fromCorpus(String.join("", TokenizerTestStrings.ROUND_TRIP));
        for (String s : TokenizerTestStrings.ROUND_TRIP) {
            assertEquals(s, all.decode(all.encode(s)));
        }
    }

    @Test
    void unpairedSurrogatesRoundTrip() {
        String s = "a\uD800b\uDC00";
        CharTokenizer tok = CharTokenizer.fromCorpus(s);
        assertEquals(s, tok.decode(tok.encode(s)));
    }

    @Test
    void unknownCharacterIsNamedWithItsPosition() {
        CharTokenizer tok = CharTokenizer.fromCorpus("abc 😀");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.encode("a😀 cab!"));
        assertEquals("CharTokenizer.encode: character '!' (U+0021) at position 7 (code point 6) is not in the "
                + "vocabulary of 5 characters", e.getMessage());
        IllegalArgumentException nl = assertThrows(IllegalArgumentException.class, () -> tok.encode("a\n"));
        assertTrue(nl.getMessage().contains("character U+000A at position 1"), nl.getMessage());
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabulary() {
        CharTokenizer tok = CharTokenizer.fromCorpus("ab");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tok.decode(new int[] {0, 1, 2}));
        assertEquals("CharTokenizer.decode: id 2 at position 2 is outside [0, 2)", e.getMessage());
    }

    @Test
    void emptyCorpusAndBadVocabulariesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> CharTokenizer.fromCorpus(""));
        assertThrows(IllegalArgumentException.class, () -> CharTokenizer.of());
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                () -> CharTokenizer.of('a', 'b', 'a'));
        assertTrue(dup.getMessage().contains("distinct"), dup.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CharTokenizer.of('a', 0x110000));
        assertEquals(CharTokenizer.fromCorpus("cab"), CharTokenizer.of('b', 'c', 'a'));
    }
}
