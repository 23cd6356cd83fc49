package org.mofa4j.nn.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mofa4j.nn.json.Json;

/**
 * GPT-2's byte-level BPE tokenizer, read from the files a GPT-2 checkpoint ships: {@code vocab.json} (token →
 * id) with {@code merges.txt} (one merge "a b" per line, in rank order), or Hugging Face's {@code tokenizer.json},
 * or their older names {@code encoder.json} with {@code vocab.bpe}.
 *
 * <p>Tokens are spelt in the {@link ByteLevelAlphabet} (one character per byte). Encoding cuts the text with
 * {@link Pretokenizer#GPT2}, then merges the UTF-8 bytes of each piece by rank exactly like OpenAI's
 * {@code encoder.py}: repeatedly the adjacent pair of lowest rank is merged, every occurrence left to right.
 * The work is done by a {@link BpeTokenizer} over internal ids (byte b is id b, merge i makes id 256 + i), whose
 * ids are then mapped to the vocabulary's. Text that spells a special token ({@code "<|endoftext|>"}) is encoded
 * as plain text, as {@code encoder.py} does; special tokens are ids of the vocabulary that no merge makes, and
 * decode to their spelling.
 *
 * <p>Decoding concatenates the tokens' bytes and reads them as UTF-8 (U+FFFD for malformed sequences), so
 * decode(encode(s)) = s for every string without unpaired surrogates.
 */
public final class Gpt2Tokenizer implements Tokenizer {
    static final String KIND = "gpt2";

    private final BpeTokenizer bpe;
    /** Internal id (byte, or 256 + merge rank) → vocabulary id. */
    private final int[] vocabIdOf;
    /** Vocabulary id → the bytes the token stands for. */
    private final byte[][] tokenBytes;
    private final Map<String, Integer> vocab;
    private final List<String[]> merges;

    private Gpt2Tokenizer(Map<String, Integer> vocab, List<String[]> merges, String where) {
        int size = 0;
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (e.getValue() < 0) {
                throw new IllegalArgumentException(where + ": token " + Json.quote(e.getKey()) + " has negative id "
                        + e.getValue());
            }
            size = Math.max(size, e.getValue() + 1);
        }
        this.tokenBytes = new byte[size][];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (tokenBytes[e.getValue()] != null) {
                throw new IllegalArgumentException(where + ": id " + e.getValue() + " is given to two tokens, one of"
                        + " them " + Json.quote(e.getKey()));
            }
            tokenBytes[e.getValue()] = ByteLevelAlphabet.bytesOrUtf8(e.getKey());
        }
        for (int id = 0; id < size; id++) {
            if (tokenBytes[id] == null) {
                throw new IllegalArgumentException(where + ": no token has id " + id + " (ids must be 0.." + (size - 1)
                        + " without gaps)");
            }
        }
        Map<String, Integer> internalOf = new HashMap<>(2 * (256 + merges.size()));
        this.vocabIdOf = new int[256 + merges.size()];
        for (int b = 0; b < 256; b++) {
            String spelling = String.valueOf(ByteLevelAlphabet.charOf(b));
            Integer id = vocab.get(spelling);
            if (id == null) {
                throw new IllegalArgumentException(where + ": the vocabulary has no token for byte " + b + " (spelt "
                        + Json.quote(spelling) + "); is it a byte-level BPE vocabulary?");
            }
            internalOf.put(spelling, b);
            vocabIdOf[b] = id;
        }
        int[][] pairs = new int[merges.size()][];
        for (int i = 0; i < merges.size(); i++) {
            String a = merges.get(i)[0];
            String b = merges.get(i)[1];
            String what = where + ": merge " + i + " (" + Json.quote(a) + " " + Json.quote(b) + ")";
            Integer ia = internalOf.get(a);
            Integer ib = internalOf.get(b);
            if (ia == null || ib == null) {
                throw new IllegalArgumentException(what + ": " + Json.quote(ia == null ? a : b)
                        + " is neither a byte nor made by an earlier merge");
            }
            String made = a + b;
            Integer id = vocab.get(made);
            if (id == null) {
                throw new IllegalArgumentException(what + ": the vocabulary has no token " + Json.quote(made));
            }
            if (internalOf.putIfAbsent(made, 256 + i) != null) {
                throw new IllegalArgumentException(what + " makes " + Json.quote(made)
                        + ", which an earlier merge already made; only vocabularies that make each token once (as"
                        + " GPT-2's) are supported");
            }
            vocabIdOf[256 + i] = id;
            pairs[i] = new int[] {ia, ib};
        }
        this.bpe = BpeTokenizer.fromMerges(pairs, Pretokenizer.GPT2);
        this.vocab = vocab;
        this.merges = merges;
    }

    /**
     * The tokenizer of a token → id map and merges in rank order (each {@code {a, b}}).
     *
     * @throws IllegalArgumentException if ids are not 0..n−1 without gaps, a byte has no token, a merge uses a
     *     token no earlier merge made, or a merge's result is not in the vocabulary; the message names it
     */
    public static Gpt2Tokenizer of(Map<String, Integer> vocab, List<String[]> merges) {
        return new Gpt2Tokenizer(new LinkedHashMap<>(vocab), List.copyOf(merges), "Gpt2Tokenizer");
    }

    /**
     * Reads the tokenizer files of a checkpoint directory: {@code vocab.json} + {@code merges.txt}, else
     * {@code tokenizer.json}, else {@code encoder.json} + {@code vocab.bpe}.
     */
    public static Gpt2Tokenizer fromDirectory(Path dir) {
        if (Files.isRegularFile(dir.resolve("vocab.json")) && Files.isRegularFile(dir.resolve("merges.txt"))) {
            return fromFiles(dir.resolve("vocab.json"), dir.resolve("merges.txt"));
        }
        if (Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            return fromTokenizerJson(dir.resolve("tokenizer.json"));
        }
        if (Files.isRegularFile(dir.resolve("encoder.json")) && Files.isRegularFile(dir.resolve("vocab.bpe"))) {
            return fromFiles(dir.resolve("encoder.json"), dir.resolve("vocab.bpe"));
        }
        throw new IllegalArgumentException("Gpt2Tokenizer: " + dir + " has no tokenizer files: expected vocab.json"
                + " and merges.txt, or tokenizer.json, or encoder.json and vocab.bpe");
    }

    /** From {@code vocab.json} (token → id) and {@code merges.txt} ("#version" lines and blank lines skipped). */
    public static Gpt2Tokenizer fromFiles(Path vocabJson, Path mergesTxt) {
        String where = "Gpt2Tokenizer(" + vocabJson.getFileName() + ", " + mergesTxt.getFileName() + ")";
        Map<String, Integer> vocab = vocabMap(Json.asObject(Json.parse(read(vocabJson)), where + ": "
                + vocabJson), where + ": " + vocabJson);
        List<String[]> merges = new ArrayList<>();
        String[] lines = read(mergesTxt).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) {
                continue;
            }
            merges.add(mergeLine(line, mergesTxt + " line " + (i + 1)));
        }
        return new Gpt2Tokenizer(vocab, merges, where);
    }

    /** From Hugging Face's {@code tokenizer.json}: its {@code model} must be of type "BPE". */
    public static Gpt2Tokenizer fromTokenizerJson(Path file) {
        String where = "Gpt2Tokenizer(" + file + ")";
        Map<String, Object> root = Json.asObject(Json.parse(read(file)), where);
        Map<String, Object> model = Json.asObject(Json.member(root, "model", where), where + ": model");
        if (model.containsKey("type") && !"BPE".equals(model.get("type"))) {
            throw new IllegalArgumentException(where + ": model type is " + Json.describe(model.get("type"))
                    + ", expected \"BPE\"");
        }
        Map<String, Integer> vocab = vocabMap(Json.asObject(Json.member(model, "vocab", where), where
                + ": model.vocab"), where + ": model.vocab");
        return new Gpt2Tokenizer(vocab, mergeList(Json.getArray(model, "merges", where), where), where);
    }

    private static Map<String, Integer> vocabMap(Map<String, Object> obj, String where) {
        Map<String, Integer> vocab = new LinkedHashMap<>(obj.size() * 2);
        for (Map.Entry<String, Object> e : obj.entrySet()) {
            vocab.put(e.getKey(), Json.asInt(e.getValue(), 0, Integer.MAX_VALUE - 1, where + ": id of token "
                    + Json.quote(e.getKey())));
        }
        return vocab;
    }

    /** Merges as "a b" strings (tokenizer.json before 2024, our own form) or as [a, b] arrays. */
    private static List<String[]> mergeList(List<Object> list, String where) {
        List<String[]> merges = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            Object m = list.get(i);
            if (m instanceof String s) {
                merges.add(mergeLine(s, where + ": merges[" + i + "]"));
            } else if (m instanceof List<?> pair && pair.size() == 2 && pair.get(0) instanceof String a
                    && pair.get(1) instanceof String b) {
                merges.add(new String[] {a, b});
            } else {
                throw new IllegalArgumentException(where + ": merges[" + i + "] must be \"a b\" or [\"a\", \"b\"], got "
                        + Json.describe(m));
            }
        }
        return merges;
    }

    private static String[] mergeLine(String line, String where) {
        String[] parts = line.split(" ", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new IllegalArgumentException(where + ": a merge must be two tokens separated by one space, got "
                    + Json.quote(line));
        }
        return parts;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Gpt2Tokenizer: cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int vocabSize() {
        return tokenBytes.length;
    }

    /** The vocabulary id of a token spelt in the {@link ByteLevelAlphabet} (e.g. "<|endoftext|>"), or -1. */
    public int idOf(String spelling) {
        Integer id = vocab.get(spelling);
        return id == null ? -1 : id;
    }

    @Override
    public int[] encode(String text) {
        int[] ids = bpe.encode(text);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = vocabIdOf[ids[i]];
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        int total = 0;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= tokenBytes.length) {
                throw new IllegalArgumentException("Gpt2Tokenizer.decode: id " + ids[i] + " at position " + i
                        + " is outside [0, " + tokenBytes.length + ")");
            }
            total += tokenBytes[ids[i]].length;
        }
        byte[] bytes = new byte[total];
        int off = 0;
        for (int id : ids) {
            System.arraycopy(tokenBytes[id], 0, bytes, off, tokenBytes[id].length);
            off += tokenBytes[id].length;
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** {@code {"kind":"gpt2","version":1,"vocab":{token: id, ...},"merges":["a b", ...]}}. */
    @Override
    public String toJson() {
        List<String> lines = new ArrayList<>(merges.size());
        for (String[] m : merges) {
            lines.add(m[0] + " " + m[1]);
        }
        return Tokenizers.toJson(KIND, Map.entry("vocab", vocab), Map.entry("merges", lines));
    }

    static Gpt2Tokenizer fromJsonObject(Map<String, Object> obj, String where) {
        Map<String, Integer> vocab = vocabMap(Json.asObject(Json.member(obj, "vocab", where), where + ": vocab"),
                where + ": vocab");
        return new Gpt2Tokenizer(vocab, mergeList(Json.getArray(obj, "merges", where), where), where);
    }

    @Override
    public String toString() {
        return "Gpt2Tokenizer[vocab=" + vocabSize() + ", merges=" + merges.size() + "]";
    }
}
