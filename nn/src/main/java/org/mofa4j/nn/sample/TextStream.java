package org.mofa4j.nn.sample;

import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.mofa4j.nn.data.Tokenizer;

/**
 * Turns ids arriving one at a time into text pieces, for printing samples as they are generated.
 *
 * <p>A byte-level tokenizer can split one character over several ids, and decoding a partial character gives
 * U+FFFD. So ids are held while their decoding ends in U+FFFD and released together once it does not (the
 * character completed), or once {@link #MAX_PENDING} are held (the bytes really are malformed; the U+FFFD is
 * then what {@link Tokenizer#decode} gives for them anyway). {@link #flush} releases the rest. The
 * concatenation of the pieces equals decoding each released group, which for the byte-level tokenizers equals
 * decoding all ids at once whenever groups end on character boundaries.
 */
public final class TextStream implements IntConsumer {
    /** More ids than one UTF-8 character (4 bytes) can need, with room for BPE merges that start mid-character. */
    public static final int MAX_PENDING = 8;

    private final Tokenizer tokenizer;
    private final Consumer<String> out;
    private final int[] pending = new int[MAX_PENDING];
    private int count;

    /** @param out told each released piece, never an empty one */
    public TextStream(Tokenizer tokenizer, Consumer<String> out) {
        if (tokenizer == null || out == null) {
            throw new IllegalArgumentException("TextStream: tokenizer and out must not be null");
        }
        this.tokenizer = tokenizer;
        this.out = out;
    }

    @Override
    public void accept(int id) {
        pending[count++] = id;
        String text = tokenizer.decode(Arrays.copyOf(pending, count));
        if (!text.endsWith("\uFFFD") || count == MAX_PENDING) {
            release(text);
        }
    }

    /** Releases whatever is held. */
    public void flush() {
        if (count > 0) {
            release(tokenizer.decode(Arrays.copyOf(pending, count)));
        }
    }

    private void release(String text) {
        count = 0;
        if (!text.isEmpty()) {
            out.accept(text);
        }
    }
}
