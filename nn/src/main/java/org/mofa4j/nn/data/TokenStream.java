package org.mofa4j.nn.data;

import java.util.Arrays;

/**
 * An immutable, named run of token ids (a whole corpus, or its train or validation part). Slicing shares the
 * underlying array; nothing ever writes to it.
 */
public final class TokenStream {
    private final String name;
    private final int[] tokens;
    private final int offset;
    private final int size;

    private TokenStream(String name, int[] tokens, int offset, int size) {
        this.name = name;
        this.tokens = tokens;
        this.offset = offset;
        this.size = size;
    }

    /** A stream over a copy of {@code tokens}. */
    public static TokenStream of(String name, int[] tokens) {
        return new TokenStream(name, tokens.clone(), 0, tokens.length);
    }

    /** Wraps {@code tokens} without copying; the caller must not modify the array afterwards. */
    static TokenStream wrap(String name, int[] tokens) {
        return new TokenStream(name, tokens, 0, tokens.length);
    }

    /** What the stream holds, for messages: e.g. "train split of tinyshakespeare.txt". */
    public String name() {
        return name;
    }

    public int size() {
        return size;
    }

    /** Token {@code i}, {@code 0 ≤ i < size()}. */
    public int get(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("TokenStream.get: index " + i + " outside [0, " + size + ") of "
                    + name);
        }
        return tokens[offset + i];
    }

    /** Tokens [from, to) as a new stream named {@code name}, sharing storage. */
    public TokenStream slice(int from, int to, String name) {
        if (from < 0 || to > size || from > to) {
            throw new IndexOutOfBoundsException("TokenStream.slice: [" + from + ", " + to + ") is not inside [0, "
                    + size + ") of " + this.name);
        }
        return new TokenStream(name, tokens, offset + from, to - from);
    }

    /**
     * Copies {@code length} tokens starting at {@code from} into {@code dst} at {@code dstOffset}.
     * Modifies: dst.
     */
    public void copyTo(int from, int length, int[] dst, int dstOffset) {
        if (from < 0 || length < 0 || from + length > size) {
            throw new IndexOutOfBoundsException("TokenStream.copyTo: [" + from + ", " + (from + length)
                    + ") is not inside [0, " + size + ") of " + name);
        }
        System.arraycopy(tokens, offset + from, dst, dstOffset, length);
    }

    /** A copy of all tokens. */
    public int[] toArray() {
        return Arrays.copyOfRange(tokens, offset, offset + size);
    }

    /**
     * Checks that the stream can supply one training window: {@code contextLength} inputs and the one extra token
     * the last target needs.
     *
     * @throws IllegalArgumentException naming the stream, its size and the {@code contextLength + 1} needed
     */
    public void requireWindow(int contextLength) {
        if (contextLength < 1) {
            throw new IllegalArgumentException("TokenStream: contextLength must be ≥ 1, got " + contextLength);
        }
        if (size < (long) contextLength + 1) {
            throw new IllegalArgumentException(name + " has " + size + " tokens, fewer than the context length + 1 = "
                    + ((long) contextLength + 1) + " needed for one training window");
        }
    }

    @Override
    public String toString() {
        return "TokenStream[" + name + ", " + size + " tokens]";
    }
}
