package org.mofa4j.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The byte tokenizer is UTF-8, id for byte, and decodes anything a model can sample. */
class ByteTokenizerTest {
    private final ByteTokenizer tok = ByteTokenizer.INSTANCE;

    @Test
    void encodeGivesTheUtf8Bytes() {
        assertArrayEquals(new int[] {'h', 'i'}, tok.encode("hi"));
        assertArrayEquals(new int[] {0xC3, 0xA9}, tok.encode("é"));
        assertArrayEquals(new int[] {0xF0, 0x9F, 0x98, 0x80}, tok.encode("😀"));
        assertArrayEquals(new int[0], tok.encode(""));
    }

    @Test
    void roundTripsEveryTestString() {
        for (String s : TokenizerTestStrings.ROUND_TRIP) {
            int[] ids = tok.encode(s);
            for (int id : ids) {
                assertTrue(id >= 0 && id < 256);
            }
            assertEquals(s, tok.decode(ids), "round trip of \"" + s + "\"");
        }
    }

    @Test
    void malformedUtf8DecodesToReplacementCharacters() {
        // A lone continuation byte, a truncated 2-byte sequence, then valid ASCII.
        assertEquals("\uFFFDa\uFFFD", tok.decode(new int[] {0x80, 'a', 0xC3}));
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabulary() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tok.decode(new int[] {65, 256}));
        assertEquals("ByteTokenizer.decode: id 256 at position 1 is outside [0, 256)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {-1}));
    }

    @Test
    void describesItself() {
        assertEquals(256, tok.vocabSize());
        assertEquals("byte", tok.kind());
    }
}
