package org.mofa4j.nn.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds safetensors files byte by byte, so tests can write exactly the malformed file they need. */
final class RawFiles {
    private RawFiles() {}

    /** Length field (the header's UTF-8 length), header, data: a well-formed frame around any header text. */
    static Path write(Path file, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return writeBytes(file, concat(le64(h.length), h, data));
    }

    static Path writeBytes(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        return file;
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    /** Little-endian 16-bit patterns (F16 / BF16 elements). */
    static byte[] u16(int... patterns) {
        ByteBuffer b = ByteBuffer.allocate(2 * patterns.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int p : patterns) {
            b.putShort((short) p);
        }
        return b.array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
