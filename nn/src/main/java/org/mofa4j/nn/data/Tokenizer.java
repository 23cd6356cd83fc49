package org.mofa4j.nn.data;

/**
 * Maps text to token ids in {@code [0, vocabSize())} and back.
 *
 * <p>Every implementation round-trips exactly: {@code decode(encode(s)).equals(s)} for every string {@code s}
 * its encoder accepts (for the byte-level tokenizers: every string without unpaired surrogates, which UTF-8
 * cannot represent). {@link #decode} never throws on ids that are in range, even in orders that no encoder
 * produces (a model's samples); byte-level tokenizers then show malformed UTF-8 as U+FFFD.
 *
 * <p>Implementations are immutable and thread-safe. {@link #toJson()} stores everything needed to rebuild an
 * equal tokenizer with {@link Tokenizers#fromJson(String)}, so a checkpoint can carry its tokenizer.
 */
public interface Tokenizer {

    /** Number of distinct ids; every id produced by {@link #encode} is in {@code [0, vocabSize())}. */
    int vocabSize();

    /**
     * The ids for {@code text}.
     *
     * @throws IllegalArgumentException if the text cannot be represented (a character a {@link CharTokenizer}
     *     has never seen), naming the character and its position
     */
    int[] encode(String text);

    /**
     * The text for {@code ids}.
     *
     * @throws IllegalArgumentException if an id is outside {@code [0, vocabSize())}, naming it and its position
     */
    String decode(int[] ids);

    /** A short name for the scheme, stored as the {@code "kind"} field of {@link #toJson()}: "byte", "char", "bpe". */
    String kind();

    /** A self-contained JSON object describing this tokenizer; see {@link Tokenizers#fromJson(String)}. */
    String toJson();
}
