package org.mofa4j.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Byte-level BPE: the merges it learns, the encoding it applies, and exact round trips. */
class BpeTokenizerTest {

    private static int[][] pairs(int... flat) {
        int[][] out = new int[flat.length / 2][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new int[] {flat[2 * i], flat[2 * i + 1]};
        }
        return out;
    }

    @Test
    void learnsTheFrequentMergesInOrderWithoutPretokenization() {
        // "aaab" x 50: (a,a) is twice as frequent as anything else; then (aa,a) and (a,b) tie at 50 and the smaller
        // pair (97, 98) wins; then aa+ab = "aaab"; then "aaab"+"aaab" (49 occurrences, overlapping ones included).
        BpeTokenizer tok = BpeTokenizer.train("aaab".repeat(50), 260, Pretokenizer.NONE);
        assertArrayEquals(pairs('a', 'a', 'a', 'b', 256, 257, 258, 258), tok.merges());
        assertEquals("aaabaaab", new String(tok.tokenBytes(259), StandardCharsets.UTF_8));
    }

    @Test
    void learnsWordMergesThatNeverCrossSpacesWithWordPretokenization() {
        // Pieces are "aaab" once and " aaab" 49 times; the leading space joins the word last.
        BpeTokenizer tok = BpeTokenizer.train(String.join(" ", Collections.nCopies(50, "aaab")), 300);
        assertArrayEquals(pairs('a', 'a', 'a', 'b', 256, 257, ' ', 258), tok.merges());
        assertEquals(260, tok.vocabSize(), "training stops when every piece is one token");
        assertArrayEquals(new int[] {258, 259, 259}, tok.encode("aaab aaab aaab"));
    }

    @Test
    void trainingMatchesTheNaiveReferenceOnRandomCorpora() {
        Random r = new Random(7);
        String alphabet = "aab  b\nc.é😀";
        for (int trial = 0; trial < 12; trial++) {
            String corpus = randomText(r, alphabet, 150 + r.nextInt(250));
            for (Pretokenizer pre : Pretokenizer.values()) {
                int vocab = 256 + 1 + r.nextInt(60);
                int[][] expected = BpeReference.train(corpus, vocab, pre);
                BpeTokenizer tok = BpeTokenizer.train(corpus, vocab, pre);
                assertArrayEquals(expected, tok.merges(), "trial " + trial + " " + pre + " on " + corpus);
            }
        }
    }

    @Test
    void encodingMatchesTheNaiveReferenceOnUnseenText() {
        Random r = new Random(11);
        String alphabet = "aab  b\nc.é😀xy";
        for (Pretokenizer pre : Pretokenizer.values()) {
            BpeTokenizer tok = BpeTokenizer.train(randomText(r, alphabet, 2000), 330, pre);
            for (int trial = 0; trial < 30; trial++) {
                String text = randomText(r, alphabet, r.nextInt(120));
                assertArrayEquals(BpeReference.encode(text, tok.merges(), pre), tok.encode(text),
                        pre + " encoding of \"" + text + "\"");
            }
        }
    }

    @Test
    void trainingIsDeterministic() {
        String corpus = BuiltInCorpus.text().substring(0, 20_000);
        BpeTokenizer a = BpeTokenizer.train(corpus, 400);
        BpeTokenizer b = BpeTokenizer.train(corpus, 400);
        assertArrayEquals(a.merges(), b.merges());
        assertEquals(a, b);
    }

    @Test
    void roundTripsEveryTestStringWithEitherPretokenizer() {
        String corpus = BuiltInCorpus.text().substring(0, 30_000) + String.join("", TokenizerTestStrings.ROUND_TRIP);
        for (Pretokenizer pre : Pretokenizer.values()) {
            BpeTokenizer tok = BpeTokenizer.train(corpus, 420, pre);
            for (String s : TokenizerTestStrings.ROUND_TRIP) {
                int[] ids = tok.encode(s);
                for (int id : ids) {
                    assertTrue(id >= 0 && id < tok.vocabSize());
                }
                assertEquals(s, tok.decode(ids), pre + " round trip of \"" + s + "\"");
            }
        }
    }

    @Test
    void compressesTheTextItWasTrainedOnAndRoundTripsIt() {
        String corpus = BuiltInCorpus.text().substring(0, 40_000);
        BpeTokenizer tok = BpeTokenizer.train(corpus, 512);
        int[] ids = tok.encode(corpus);
        assertEquals(corpus, tok.decode(ids));
        double bytesPerToken = corpus.getBytes(StandardCharsets.UTF_8).length / (double) ids.length;
        assertTrue(bytesPerToken > 1.8, "256 merges should compress English well, got " + bytesPerToken);
    }

    @Test
    void wholeTextAsOnePieceRoundTrips() {
        String corpus = BuiltInCorpus.text().substring(0, 40_000);
        BpeTokenizer tok = BpeTokenizer.train(corpus, 320, Pretokenizer.NONE);
        assertEquals(corpus, tok.decode(tok.encode(corpus)));
    }

    @Test
    void malformedSampledSequencesDecodeWithReplacementCharacters() {
        BpeTokenizer tok = BpeTokenizer.train("ééé", 257, Pretokenizer.NONE); // merge 256 = the bytes of 'é'
        assertEquals("é", tok.decode(new int[] {256}));
        assertEquals("\uFFFD\uFFFD", tok.decode(new int[] {0xA9, 0xC3}));
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabulary() {
        BpeTokenizer tok = BpeTokenizer.train("abab", 257);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tok.decode(new int[] {256, 257}));
        assertEquals("BpeTokenizer.decode: id 257 at position 1 is outside [0, 257)", e.getMessage());
    }

    @Test
    void invalidArgumentsAreRejected() {
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> BpeTokenizer.train("abc", 255));
        assertTrue(small.getMessage().contains("≥ 256"), small.getMessage());
        IllegalArgumentException future = assertThrows(IllegalArgumentException.class,
                () -> BpeTokenizer.fromMerges(pairs('a', 'b', 256, 257), Pretokenizer.NONE));
        assertTrue(future.getMessage().contains("merge 1 is (256, 257), but it may only use ids below 257"),
                future.getMessage());
        IllegalArgumentException repeat = assertThrows(IllegalArgumentException.class,
                () -> BpeTokenizer.fromMerges(pairs('a', 'b', 'a', 'b'), Pretokenizer.NONE));
        assertTrue(repeat.getMessage().contains("repeats merge 0"), repeat.getMessage());
    }

    @Test
    void emptyCorpusGivesTheBareByteVocabulary() {
        BpeTokenizer tok = BpeTokenizer.train("", 300);
        assertEquals(256, tok.vocabSize());
        assertArrayEquals(new int[0], tok.encode(""));
        assertEquals("hé", tok.decode(tok.encode("hé")));
    }

    static String randomText(Random r, String alphabet, int codePoints) {
        int[] cps = alphabet.codePoints().toArray();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < codePoints; i++) {
            sb.appendCodePoint(cps[r.nextInt(cps.length)]);
        }
        return sb.toString();
    }
}
