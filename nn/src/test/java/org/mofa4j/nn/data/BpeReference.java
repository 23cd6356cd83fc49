package org.mofa4j.nn.data;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A deliberately naive byte-level BPE, the oracle for {@link BpeTrainer} and {@link BpeTokenizer}: training
 * recounts every pair of every piece occurrence at every step; encoding rescans the piece for the lowest-rank pair
 * and merges all its occurrences left to right.
 */
final class BpeReference {
    private BpeReference() {
    }

    static int[][] train(String corpus, int vocabSize, Pretokenizer pre) {
        List<List<Integer>> words = new ArrayList<>();
        for (String piece : pre.split(corpus)) {
            words.add(bytes(piece));
        }
        List<int[]> merges = new ArrayList<>();
        while (256 + merges.size() < vocabSize) {
            Map<Long, Long> counts = new HashMap<>();
            for (List<Integer> w : words) {
                for (int k = 0; k + 1 < w.size(); k++) {
                    counts.merge(BpeTrainer.key(w.get(k), w.get(k + 1)), 1L, Long::sum);
                }
            }
            long bestKey = -1;
            long bestCount = 0;
            for (Map.Entry<Long, Long> e : counts.entrySet()) {
                long c = e.getValue();
                if (c > bestCount || (c == bestCount && e.getKey() < bestKey)) {
                    bestKey = e.getKey();
                    bestCount = c;
                }
            }
            if (bestCount == 0) {
                break;
            }
            int a = (int) (bestKey >>> 32);
            int b = (int) bestKey;
            int z = 256 + merges.size();
            merges.add(new int[] {a, b});
            for (List<Integer> w : words) {
                mergeAll(w, a, b, z);
            }
        }
        return merges.toArray(new int[0][]);
    }

    static int[] encode(String text, int[][] merges, Pretokenizer pre) {
        List<Integer> out = new ArrayList<>();
        for (String piece : pre.split(text)) {
            List<Integer> w = bytes(piece);
            while (true) {
                int bestRank = Integer.MAX_VALUE;
                for (int k = 0; k + 1 < w.size(); k++) {
                    for (int r = 0; r < merges.length && r < bestRank; r++) {
                        if (merges[r][0] == w.get(k) && merges[r][1] == w.get(k + 1)) {
                            bestRank = r;
                        }
                    }
                }
                if (bestRank == Integer.MAX_VALUE) {
                    break;
                }
                mergeAll(w, merges[bestRank][0], merges[bestRank][1], 256 + bestRank);
            }
            out.addAll(w);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void mergeAll(List<Integer> w, int a, int b, int z) {
        List<Integer> out = new ArrayList<>(w.size());
        for (int i = 0; i < w.size(); ) {
            if (i + 1 < w.size() && w.get(i) == a && w.get(i + 1) == b) {
                out.add(z);
                i += 2;
            } else {
                out.add(w.get(i++));
            }
        }
        w.clear();
        w.addAll(out);
    }

    private static List<Integer> bytes(String s) {
        List<Integer> list = new ArrayList<>();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            list.add(x & 0xFF);
        }
        return list;
    }
}
