package org.mofa4j.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Every tokenizer survives toJson → Tokenizers.fromJson, and corrupt JSON is refused with a precise message. */
class TokenizerJsonTest {
    private static final String SAMPLE = String.join("", TokenizerTestStrings.ROUND_TRIP);

    private static void assertSameEncoding(Tokenizer expected, Tokenizer actual) {
        assertEquals(expected.kind(), actual.kind());
        assertEquals(expected.vocabSize(), actual.vocabSize());
        for (String s : TokenizerTestStrings.ROUND_TRIP) {
            assertArrayEquals(expected.encode(s), actual.encode(s), "encoding of \"" + s + "\"");
        }
        int[] all = new int[expected.vocabSize()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        assertEquals(expected.decode(all), actual.decode(all));
    }

    @Test
    void byteTokenizerRoundTrips() {
        String json = ByteTokenizer.INSTANCE.toJson();
        assertEquals("{\"kind\":\"byte\",\"version\":1}", json);
        assertSame(ByteTokenizer.INSTANCE, Tokenizers.fromJson(json));
    }

    @Test
    void charTokenizerRoundTrips() {
        CharTokenizer tok = CharTokenizer.fromCorpus(SAMPLE + "\uD800");
        Tokenizer back = Tokenizers.fromJson(tok.toJson());
        assertEquals(tok, back);
        assertSameEncoding(tok, back);
    }

    @Test
    void bpeTokenizerRoundTripsWithEitherPretokenizer() {
        for (Pretokenizer pre : Pretokenizer.values()) {
            BpeTokenizer tok = BpeTokenizer.train(BuiltInCorpus.text().substring(0, 10_000) + SAMPLE, 350, pre);
            Tokenizer back = Tokenizers.fromJson(tok.toJson());
            assertEquals(tok, back);
            assertSameEncoding(tok, back);
        }
    }

    @Test
    void bpeJsonHasTheDocumentedShape() {
        BpeTokenizer tok = BpeTokenizer.fromMerges(new int[][] {{'a', 'b'}, {256, 'c'}}, Pretokenizer.WORDS);
        assertEquals("{\"kind\":\"bpe\",\"version\":1,\"pretokenizer\":\"words\",\"merges\":[[97,98],[256,99]]}",
                tok.toJson());
    }

    @Test
    void extraFieldsAndWhitespaceAreAccepted() {
        Tokenizer t = Tokenizers.fromJson(" {\n \"version\": 1, \"kind\": \"char\", \"codePoints\": [97, 98],"
                + " \"note\": {\"x\": [1, 2]} }\n");
        assertEquals("ab", t.decode(new int[] {0, 1}));
    }

    @Test
    void corruptJsonIsRefusedWithAPreciseMessage() {
        assertError("", "JSON: input is empty");
        assertError("{\"kind\":\"char\",\"version\":1,\"codePoints\":[97,98]", "expected ',' or '}'");
        assertError("[1, 2]", "Tokenizers.fromJson: expected a JSON object, got an array of 2");
        assertError("{\"version\":1}", "missing field \"kind\"");
        assertError("{\"kind\":\"wordpiece\",\"version\":1}", "unknown kind \"wordpiece\"");
        assertError("{\"kind\":\"byte\"}", "missing field \"version\"");
        assertError("{\"kind\":\"byte\",\"version\":2}", "version 2 is newer than this reader (1)");
        assertError("{\"kind\":\"byte\",\"version\":\"1\"}", "field \"version\" must be an integer");
        assertError("{\"kind\":\"char\",\"version\":1}", "missing field \"codePoints\"");
        assertError("{\"kind\":\"char\",\"version\":1,\"codePoints\":[98,97]}", "distinct and increasing");
        assertError("{\"kind\":\"char\",\"version\":1,\"codePoints\":[]}", "the vocabulary is empty");
        assertError("{\"kind\":\"char\",\"version\":1,\"codePoints\":[97,1114112]}",
                "codePoints[1] must be an integer in [0, 1114111], got 1114112");
        assertError("{\"kind\":\"char\",\"version\":1,\"codePoints\":[97,\"b\"]}", "codePoints[1] must be an integer");
        assertError("{\"kind\":\"bpe\",\"version\":1,\"merges\":[]}", "missing field \"pretokenizer\"");
        assertError("{\"kind\":\"bpe\",\"version\":1,\"pretokenizer\":\"gpt4\",\"merges\":[]}",
                "unknown pretokenizer \"gpt4\"");
        assertError("{\"kind\":\"bpe\",\"version\":1,\"pretokenizer\":\"none\",\"merges\":[[97,98],[97]]}",
                "merges[1] must be an array of two ids, got an array of 1");
        assertError("{\"kind\":\"bpe\",\"version\":1,\"pretokenizer\":\"none\",\"merges\":[[97,98],[256,257]]}",
                "merges[1][1] must be an integer in [0, 256], got 257");
        assertError("{\"kind\":\"bpe\",\"version\":1,\"pretokenizer\":\"none\",\"merges\":[[97,98],[97,98]]}",
                "repeats merge 0");
        assertError("{\"kind\":\"bpe\",\"version\":1,\"pretokenizer\":\"none\",\"merges\":[[97,-1]]}",
                "merges[0][1] must be an integer in [0, 255], got -1");
    }

    @Test
    void truncatedSerialisationsAreAllRefused() {
        String json = BpeTokenizer.train("the cat sat on the mat, the end", 270).toJson();
        for (int cut = 0; cut < json.length(); cut++) {
            String prefix = json.substring(0, cut);
            assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromJson(prefix), prefix);
        }
    }

    private static void assertError(String json, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromJson(json));
        assertTrue(e.getMessage().contains(expected), "message \"" + e.getMessage() + "\" should contain \""
                + expected + "\"");
    }

    @Test
    void kindsAreStable() {
        assertEquals(List.of("byte", "char", "bpe"), List.of(ByteTokenizer.INSTANCE.kind(),
                CharTokenizer.fromCorpus("a").kind(), BpeTokenizer.train("a", 256).kind()));
    }
}
