package org.mofa4j.nn.data;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Learns byte-pair merges from a corpus (Sennrich, Haddow &amp; Birch, "Neural Machine Translation of Rare Words
 * with Subword Units", ACL 2016; byte-level as in GPT-2).
 *
 * <p><b>Algorithm.</b> The corpus is cut into pieces by a {@link Pretokenizer} and reduced to a table of distinct
 * pieces with their frequencies f(w); each piece starts as its UTF-8 bytes. With
 * <pre>
 *   count(a, b) = Σ_w f(w) · #{k : w[k] = a, w[k+1] = b}      (overlapping occurrences counted)
 * </pre>
 * each step picks the pair with the largest count, ties broken by the smallest {@code a}, then the smallest
 * {@code b}, gives it the next id {@code 256 + step}, and rewrites every occurrence left to right, non-overlapping
 * ({@code a a a} with merge {@code (a, a)} becomes {@code z a}). Training stops at the target vocabulary or when
 * no pair is left (every piece is a single token); the result can then be smaller than asked for.
 *
 * <p><b>Incremental counts.</b> The corpus is never rescanned. A merge of (a, b) into z at a site with left
 * neighbour p and right neighbour q changes only the pairs around the site: (a, b), (p, a), (b, q) lose f(w)
 * and (p, z), (z, q) gain it. An index from each pair to the pieces that contain it restricts the rewrite to the
 * pieces that need it, and a max-heap with lazy deletion (an entry is used only if its count is still current)
 * finds the next pair. A step therefore costs time proportional to the occurrences it rewrites.
 */
final class BpeTrainer {
    /** Distinct pieces as symbol sequences; {@code len[w]} symbols of {@code symbols[w]} are live. */
    private final int[][] symbols;
    private final int[] len;
    private final long[] freq;
    /** Current count of each pair with a positive count; key = {@link #key}. */
    private final Map<Long, Long> counts = new HashMap<>();
    /** Pieces that contained the pair at some point (a superset: entries may be stale, never missing). */
    private final Map<Long, IntList> where = new HashMap<>();
    private final PriorityQueue<Candidate> heap = new PriorityQueue<>();
    /** Pairs whose count changed during the current merge; they get fresh heap entries afterwards. */
    private final Set<Long> dirty = new HashSet<>();

    /** A heap entry: larger count first, then smaller key (smaller a, then smaller b). */
    private record Candidate(long count, long key) implements Comparable<Candidate> {
        @Override
        public int compareTo(Candidate o) {
            int c = Long.compare(o.count, count);
            return c != 0 ? c : Long.compare(key, o.key);
        }
    }

    private BpeTrainer(Map<String, long[]> pieceCounts) {
        int n = pieceCounts.size();
        symbols = new int[n][];
        len = new int[n];
        freq = new long[n];
        int w = 0;
        for (Map.Entry<String, long[]> e : pieceCounts.entrySet()) {
            byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
            int[] s = new int[bytes.length];
            for (int k = 0; k < bytes.length; k++) {
                s[k] = bytes[k] & 0xFF;
            }
            symbols[w] = s;
            len[w] = s.length;
            freq[w] = e.getValue()[0];
            for (int k = 0; k + 1 < s.length; k++) {
                long key = key(s[k], s[k + 1]);
                counts.merge(key, freq[w], Long::sum);
                index(key, w);
            }
            w++;
        }
        counts.forEach((key, count) -> heap.add(new Candidate(count, key)));
    }

    /**
     * The merges, in rank order: element i is {@code {a, b}}, merged into id {@code 256 + i}. At most
     * {@code vocabSize - 256} merges.
     */
    static int[][] train(String corpus, int vocabSize, Pretokenizer pretokenizer) {
        // Distinct pieces in first-occurrence order, so the internal layout is deterministic too.
        Map<String, long[]> pieceCounts = new LinkedHashMap<>();
        for (String piece : pretokenizer.split(corpus)) {
            pieceCounts.computeIfAbsent(piece, p -> new long[1])[0]++;
        }
        return new BpeTrainer(pieceCounts).run(vocabSize - 256);
    }

    private int[][] run(int maxMerges) {
        List<int[]> merges = new ArrayList<>();
        int[] stamp = new int[symbols.length];
        Arrays.fill(stamp, -1);
        while (merges.size() < maxMerges) {
            Candidate best = heap.poll();
            if (best == null) {
                break; // no pair left anywhere
            }
            Long current = counts.get(best.key);
            if (current == null || current != best.count) {
                continue; // stale entry
            }
            int a = (int) (best.key >>> 32);
            int b = (int) best.key;
            int rank = merges.size();
            int z = 256 + rank;
            merges.add(new int[] {a, b});
            IntList pieces = where.remove(best.key);
            for (int i = 0; i < pieces.size(); i++) {
                int w = pieces.get(i);
                if (stamp[w] != rank) { // the index may list a piece more than once
                    stamp[w] = rank;
                    mergeIn(w, a, b, z);
                }
            }
            for (Long key : dirty) {
                Long c = counts.get(key);
                if (c != null) {
                    heap.add(new Candidate(c, key));
                }
            }
            dirty.clear();
        }
        return merges.toArray(new int[0][]);
    }

    /** Rewrites (a, b) → z in piece w, in place, left to right, updating pair counts around each site. */
    private void mergeIn(int w, int a, int b, int z) {
        int[] s = symbols[w];
        int n = len[w];
        long f = freq[w];
        int out = 0;
        int i = 0;
        while (i < n) {
            if (i + 1 < n && s[i] == a && s[i + 1] == b) {
                add(key(a, b), -f, w);
                if (out > 0) { // left neighbour p = s[out - 1], already rewritten
                    int p = s[out - 1];
                    add(key(p, a), -f, w);
                    add(key(p, z), f, w);
                }
                if (i + 2 < n) { // right neighbour q, not yet rewritten
                    int q = s[i + 2];
                    add(key(b, q), -f, w);
                    add(key(z, q), f, w);
                }
                s[out++] = z;
                i += 2;
            } else {
                s[out++] = s[i++];
            }
        }
        len[w] = out;
    }

    private void add(long key, long delta, int w) {
        long c = counts.getOrDefault(key, 0L) + delta;
        if (c == 0) {
            counts.remove(key);
        } else {
            counts.put(key, c);
        }
        dirty.add(key);
        if (delta > 0) {
            index(key, w);
        }
    }

    private void index(long key, int w) {
        IntList list = where.computeIfAbsent(key, k -> new IntList(2));
        if (list.size() == 0 || list.last() != w) {
            list.add(w);
        }
    }

    /** Pair (a, b) as one long, ordered like (a, b) lexicographically (ids are non-negative). */
    static long key(int a, int b) {
        return ((long) a << 32) | b;
    }
}
