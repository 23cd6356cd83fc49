package org.mofa4j.nn.data;

import java.nio.charset.StandardCharsets;

/**
 * One token per UTF-8 byte: vocabulary 256, no training, no unknown characters.
 *
 * <p>Decoding turns the ids back into bytes and decodes them as UTF-8; malformed sequences (which a model can
 * sample) become U+FFFD instead of failing. Unpaired surrogates in the input are not representable in UTF-8 and
 * are encoded as {@code '?'}, as {@link String#getBytes} does.
 */
public final class ByteTokenizer implements Tokenizer {
    static final String KIND = "byte";

    /** The tokenizer; it has no state, so one instance serves everyone. */
    public static final ByteTokenizer INSTANCE = new ByteTokenizer();

    private ByteTokenizer() {
    }

    @Override
    public int vocabSize() {
        return 256;
    }

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xFF;
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        byte[] bytes = new byte[ids.length];
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id > 255) {
                throw new IllegalArgumentException("ByteTokenizer.decode: id " + id + " at position " + i
                        + " is outside [0, 256)");
            }
            bytes[i] = (byte) id;
        }
        return new String(bytes, StandardCharsets.UTF_8); // replaces malformed input with U+FFFD
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public String toJson() {
        return Tokenizers.toJson(KIND);
    }

    @Override
    public String toString() {
        return "ByteTokenizer[vocab=256]";
    }
}
