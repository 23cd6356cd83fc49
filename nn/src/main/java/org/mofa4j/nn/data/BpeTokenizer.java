package org.mofa4j.nn.data;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import org.mofa4j.nn.json.Json;

/**
 * Byte-level byte-pair encoding: ids 0..255 are the bytes, and id {@code 256 + i} is merge i, the concatenation
 * of the two tokens {@code merges[i] = (a, b)}. Training is in {@link BpeTrainer}.
 *
 * <p><b>Encoding.</b> The text is cut into pieces by the {@link Pretokenizer} the merges were learnt with; each
 * piece becomes its UTF-8 bytes, and then, while any adjacent pair is a merge, the pair with the lowest rank i is
 * replaced by {@code 256 + i}, occurrences of one rank left to right. This is done with a doubly linked list of
 * symbols and a heap keyed by (rank, position), so a piece of n bytes costs O(n log n) even when it is the whole
 * text ({@link Pretokenizer#NONE}). Equal pieces are encoded once per call.
 *
 * <p><b>Decoding</b> concatenates the tokens' bytes and decodes them as UTF-8, with U+FFFD for malformed
 * sequences. Since every token is a byte string and the pieces concatenate to the text, decode(encode(s)) = s
 * for every string without unpaired surrogates (UTF-8 cannot represent those; they encode as {@code '?'}).
 */
public final class BpeTokenizer implements Tokenizer {
    static final String KIND = "bpe";

    private final Pretokenizer pretokenizer;
    /** merges[i] = {a, b}: ids a and b (both below 256 + i) make id 256 + i. */
    private final int[][] merges;
    /** Pair key → rank, for encoding. */
    private final Map<Long, Integer> ranks;
    /** The bytes of every token, indexed by id. */
    private final byte[][] tokenBytes;

    private BpeTokenizer(int[][] merges, Pretokenizer pretokenizer, String where) {
        this.pretokenizer = pretokenizer;
        this.merges = new int[merges.length][];
        this.ranks = new HashMap<>(merges.length * 2);
        this.tokenBytes = new byte[256 + merges.length][];
        for (int i = 0; i < 256; i++) {
            tokenBytes[i] = new byte[] {(byte) i};
        }
        for (int i = 0; i < merges.length; i++) {
            int[] m = merges[i];
            if (m == null || m.length != 2) {
                throw new IllegalArgumentException(where + ": merge " + i + " must be a pair of ids");
            }
            int a = m[0];
            int b = m[1];
            if (a < 0 || a >= 256 + i || b < 0 || b >= 256 + i) {
                throw new IllegalArgumentException(where + ": merge " + i + " is (" + a + ", " + b
                        + "), but it may only use ids below " + (256 + i));
            }
            Integer earlier = ranks.putIfAbsent(BpeTrainer.key(a, b), i);
            if (earlier != null) {
                throw new IllegalArgumentException(where + ": merge " + i + " (" + a + ", " + b
                        + ") repeats merge " + earlier);
            }
            this.merges[i] = new int[] {a, b};
            byte[] left = tokenBytes[a];
            byte[] right = tokenBytes[b];
            byte[] both = Arrays.copyOf(left, left.length + right.length);
            System.arraycopy(right, 0, both, left.length, right.length);
            tokenBytes[256 + i] = both;
        }
    }

    /** Trains on {@code corpus} with {@link Pretokenizer#WORDS} up to {@code vocabSize} tokens (≥ 256). */
    public static BpeTokenizer train(String corpus, int vocabSize) {
        return train(corpus, vocabSize, Pretokenizer.WORDS);
    }

    /**
     * Learns {@code vocabSize - 256} merges from {@code corpus} (fewer if the corpus runs out of pairs; see
     * {@link BpeTrainer} for the algorithm and tie-breaking). The same arguments always give the same merges.
     *
     * @throws IllegalArgumentException if {@code vocabSize < 256}
     */
    public static BpeTokenizer train(String corpus, int vocabSize, Pretokenizer pretokenizer) {
        if (vocabSize < 256) {
            throw new IllegalArgumentException("BpeTokenizer.train: vocabSize must be ≥ 256 (the byte tokens), got "
                    + vocabSize);
        }
        return new BpeTokenizer(BpeTrainer.train(corpus, vocabSize, pretokenizer), pretokenizer,
                "BpeTokenizer.train");
    }

    /**
     * The tokenizer with these merges, in rank order.
     *
     * @throws IllegalArgumentException if a merge uses an id not yet defined, or repeats an earlier merge
     */
    public static BpeTokenizer fromMerges(int[][] merges, Pretokenizer pretokenizer) {
        return new BpeTokenizer(merges, pretokenizer, "BpeTokenizer.fromMerges");
    }

    /** The merges in rank order: element i is {@code {a, b}}, merged into id {@code 256 + i}. */
    public int[][] merges() {
        int[][] copy = new int[merges.length][];
        for (int i = 0; i < merges.length; i++) {
            copy[i] = merges[i].clone();
        }
        return copy;
    }

    public Pretokenizer pretokenizer() {
        return pretokenizer;
    }

    /** The bytes token {@code id} stands for. */
    public byte[] tokenBytes(int id) {
        checkId(id, 0, "tokenBytes");
        return tokenBytes[id].clone();
    }

    @Override
    public int vocabSize() {
        return tokenBytes.length;
    }

    @Override
    public int[] encode(String text) {
        IntList out = new IntList(text.length() / 2);
        Map<String, int[]> seen = new HashMap<>();
        for (String piece : pretokenizer.split(text)) {
            out.addAll(piece.length() <= 64 ? seen.computeIfAbsent(piece, this::encodePiece) : encodePiece(piece));
        }
        return out.toArray();
    }

    /** Applies the merges in rank order to the UTF-8 bytes of one piece. */
    private int[] encodePiece(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        int n = bytes.length;
        // Symbols as a doubly linked list over the byte positions; a merged-away position gets tok = -1.
        int[] tok = new int[n];
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            tok[i] = bytes[i] & 0xFF;
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        // Heap of (rank << 32 | position): lowest rank first, leftmost first within a rank. A merge of rank r
        // only creates pairs containing 256 + r, whose ranks exceed r, so each rank is applied left to right.
        PriorityQueue<Long> heap = new PriorityQueue<>();
        for (int i = 0; i + 1 < n; i++) {
            push(heap, tok[i], tok[i + 1], i);
        }
        int remaining = n;
        while (!heap.isEmpty()) {
            long entry = heap.poll();
            int rank = (int) (entry >>> 32);
            int p = (int) entry;
            int q = tok[p] < 0 ? -1 : next[p];
            if (q < 0 || rankOf(tok[p], tok[q]) != rank) {
                continue; // stale: the pair at p has been merged or changed since it was pushed
            }
            tok[p] = 256 + rank;
            tok[q] = -1;
            next[p] = next[q];
            if (next[q] >= 0) {
                prev[next[q]] = p;
            }
            remaining--;
            if (prev[p] >= 0) {
                push(heap, tok[prev[p]], tok[p], prev[p]);
            }
            if (next[p] >= 0) {
                push(heap, tok[p], tok[next[p]], p);
            }
        }
        int[] ids = new int[remaining];
        int k = 0;
        for (int i = n > 0 ? 0 : -1; i >= 0; i = next[i]) {
            ids[k++] = tok[i];
        }
        return ids;
    }

    private void push(PriorityQueue<Long> heap, int a, int b, int position) {
        int rank = rankOf(a, b);
        if (rank >= 0) {
            heap.add(((long) rank << 32) | position);
        }
    }

    private int rankOf(int a, int b) {
        Integer r = ranks.get(BpeTrainer.key(a, b));
        return r == null ? -1 : r;
    }

    @Override
    public String decode(int[] ids) {
        int total = 0;
        for (int i = 0; i < ids.length; i++) {
            checkId(ids[i], i, "decode");
            total += tokenBytes[ids[i]].length;
        }
        byte[] bytes = new byte[total];
        int off = 0;
        for (int id : ids) {
            byte[] t = tokenBytes[id];
            System.arraycopy(t, 0, bytes, off, t.length);
            off += t.length;
        }
        return new String(bytes, StandardCharsets.UTF_8); // replaces malformed input with U+FFFD
    }

    private void checkId(int id, int position, String op) {
        if (id < 0 || id >= tokenBytes.length) {
            throw new IllegalArgumentException("BpeTokenizer." + op + ": id " + id + " at position " + position
                    + " is outside [0, " + tokenBytes.length + ")");
        }
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public String toJson() {
        return Tokenizers.toJson(KIND, Map.entry("pretokenizer", pretokenizer.name().toLowerCase(Locale.ROOT)),
                Map.entry("merges", Arrays.asList((Object[]) merges)));
    }

    static BpeTokenizer fromJsonObject(Map<String, Object> obj, String where) {
        String name = Json.getString(obj, "pretokenizer", where);
        Pretokenizer pre = null;
        for (Pretokenizer p : Pretokenizer.values()) {
            if (p.name().toLowerCase(Locale.ROOT).equals(name)) {
                pre = p;
            }
        }
        if (pre == null) {
            throw new IllegalArgumentException(where + ": unknown pretokenizer \"" + name
                    + "\", expected \"none\", \"words\" or \"gpt2\"");
        }
        List<Object> list = Json.getArray(obj, "merges", where);
        List<int[]> merges = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof List<?> pair) || pair.size() != 2) {
                throw new IllegalArgumentException(where + ": merges[" + i + "] must be an array of two ids, got "
                        + Json.describe(list.get(i)));
            }
            int limit = 255 + i; // ids defined before merge i
            merges.add(new int[] {
                Json.asInt(pair.get(0), 0, limit, where + ": merges[" + i + "][0]"),
                Json.asInt(pair.get(1), 0, limit, where + ": merges[" + i + "][1]")});
        }
        return new BpeTokenizer(merges.toArray(new int[0][]), pre, where);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BpeTokenizer t && pretokenizer == t.pretokenizer && Arrays.deepEquals(merges, t.merges);
    }

    @Override
    public int hashCode() {
        return 31 * pretokenizer.hashCode() + Arrays.deepHashCode(merges);
    }

    @Override
    public String toString() {
        return "BpeTokenizer[vocab=" + vocabSize() + ", pretokenizer=" + pretokenizer + "]";
    }
}
