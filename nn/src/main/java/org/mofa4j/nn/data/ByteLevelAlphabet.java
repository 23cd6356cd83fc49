package org.mofa4j.nn.data;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's printable stand-ins for bytes ({@code bytes_to_unicode} in OpenAI's {@code encoder.py}): the files
 * {@code vocab.json} and {@code merges.txt} spell every token as one character per byte, so that no token
 * contains whitespace or a control character.
 * <pre>
 *   byte b in '!'..'~', '¡'..'¬', '®'..'ÿ'   → the character U+00b itself (188 printable bytes)
 *   every other byte, in increasing order     → U+0100, U+0101, ... (68 bytes: 0x00..0x20, 0x7F..0xA0, 0xAD)
 * </pre>
 * So the space 0x20 is {@code 'Ġ'} (U+0120) and the newline 0x0A is {@code 'Ċ'} (U+010A).
 */
public final class ByteLevelAlphabet {
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Character → byte, -1 for characters that stand for no byte; indexed by char up to U+0143. */
    private static final int[] CHAR_TO_BYTE = new int[256 + 68];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + extra++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevelAlphabet() {}

    /** The character standing for byte {@code b} (0..255). */
    public static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The stand-in spelling of {@code bytes}: one character per byte. */
    public static String spell(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            sb.append(BYTE_TO_CHAR[b & 0xFF]);
        }
        return sb.toString();
    }

    /**
     * The bytes a stand-in spelling stands for, or null if some character stands for no byte (a special token
     * such as {@code "<|endoftext|>"} is spelt in printable ASCII, which stands for itself, so it decodes).
     */
    public static byte[] bytesOf(String token) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(token.length());
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) {
                return null;
            }
            out.write(b);
        }
        return out.toByteArray();
    }

    /** {@link #bytesOf}, or the token's UTF-8 bytes when it is not spelt in the alphabet. */
    static byte[] bytesOrUtf8(String token) {
        byte[] b = bytesOf(token);
        return b != null ? b : token.getBytes(StandardCharsets.UTF_8);
    }
}
