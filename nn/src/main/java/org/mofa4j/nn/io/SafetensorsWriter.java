package org.mofa4j.nn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.mofa4j.tensor.DType;
import org.mofa4j.nn.io.Safetensors.FileDType;
import org.mofa4j.nn.json.Json;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Tensor;

/** The writing half of {@link Safetensors}: validation of the inputs, the header, and the streamed data. */
final class SafetensorsWriter {
    private SafetensorsWriter() {}

    /** One tensor to write: exactly one of {@code floats}, {@code ints} is set. */
    record Item(String name, FileDType dtype, int[] shape, Tensor floats, IntTensor ints) {
        long bytes() {
            long n = floats != null ? floats.numel() : ints.numel();
            return n * dtype.size;
        }
    }

    /** Validates the inputs and orders them as the file will: descending dtype rank, then name. */
    static List<Item> items(Path file, Map<String, Tensor> tensors, Map<String, IntTensor> intTensors) {
        Objects.requireNonNull(tensors, "safetensors: tensors map is null");
        Objects.requireNonNull(intTensors, "safetensors: intTensors map is null");
        CharsetEncoder utf8 = StandardCharsets.UTF_8.newEncoder();
        List<Item> items = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            checkName(file, e.getKey(), e.getValue(), utf8);
            Tensor t = e.getValue();
            FileDType dt = t.dtype() == DType.F64 ? FileDType.F64 : FileDType.F32;
            items.add(new Item(e.getKey(), dt, t.shape(), t, null));
        }
        for (Map.Entry<String, IntTensor> e : intTensors.entrySet()) {
            checkName(file, e.getKey(), e.getValue(), utf8);
            if (tensors.containsKey(e.getKey())) {
                throw new IllegalArgumentException("safetensors: " + file + ": name '" + e.getKey()
                        + "' is given both as a tensor and as an int tensor");
            }
            items.add(new Item(e.getKey(), FileDType.I64, e.getValue().shape(), null, e.getValue()));
        }
        items.sort(Comparator.comparingInt((Item i) -> -i.dtype.rank).thenComparing(Item::name));
        return items;
    }

    private static void checkName(Path file, String name, Object value, CharsetEncoder utf8) {
        if (name == null || value == null) {
            throw new IllegalArgumentException("safetensors: " + file + ": null tensor name or value (name "
                    + name + ")");
        }
        if (name.equals(Safetensors.METADATA_KEY)) {
            throw new IllegalArgumentException("safetensors: " + file + ": '" + Safetensors.METADATA_KEY
                    + "' is reserved for the metadata and cannot name a tensor");
        }
        if (!utf8.canEncode(name)) {
            throw new IllegalArgumentException("safetensors: " + file + ": tensor name " + Json.quote(name)
                    + " is not valid Unicode (unpaired surrogate)");
        }
    }

    /** The metadata as a sorted map, checked for nulls and unencodable text. */
    static Map<String, String> sortedMetadata(Path file, Map<String, String> metadata) {
        Map<String, String> out = new TreeMap<>();
        if (metadata == null) {
            return out;
        }
        CharsetEncoder utf8 = StandardCharsets.UTF_8.newEncoder();
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("safetensors: " + file + ": metadata holds a null key or value (key "
                        + e.getKey() + ")");
            }
            if (!utf8.canEncode(e.getKey()) || !utf8.canEncode(e.getValue())) {
                throw new IllegalArgumentException("safetensors: " + file + ": metadata entry "
                        + Json.quote(e.getKey()) + " is not valid Unicode (unpaired surrogate)");
            }
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    /**
     * Writes the file from the channel's position 0. When {@code checksumKey} is given, the metadata gets that key
     * with the SHA-256 (lowercase hex) of the data section: the header is written with a placeholder of 64 '0's,
     * the data is hashed as it is written, and the placeholder is then overwritten in place (same length, so no
     * offset moves). Returns the hex digest, or null without a key.
     */
    static String writeTo(FileChannel ch, List<Item> items, Map<String, String> metadata, String checksumKey)
            throws IOException {
        Map<String, String> meta = new TreeMap<>(metadata);
        String placeholder = "0".repeat(64);
        if (checksumKey != null) {
            meta.put(checksumKey, placeholder);
        }
        StringBuilder json = new StringBuilder("{");
        int placeholderChar = -1;
        if (!meta.isEmpty()) {
            Json.appendQuoted(json, Safetensors.METADATA_KEY, Json.Escape.MINIMAL);
            json.append(":{");
            String sep = "";
            for (Map.Entry<String, String> e : meta.entrySet()) {
                json.append(sep);
                sep = ",";
                Json.appendQuoted(json, e.getKey(), Json.Escape.MINIMAL);
                json.append(':');
                if (e.getKey().equals(checksumKey)) {
                    placeholderChar = json.length() + 1; // after the opening quote
                }
                Json.appendQuoted(json, e.getValue(), Json.Escape.MINIMAL);
            }
            json.append('}');
        }
        long offset = 0;
        for (Item item : items) {
            if (json.length() > 1) {
                json.append(',');
            }
            Json.appendQuoted(json, item.name(), Json.Escape.MINIMAL);
            json.append(":{\"dtype\":\"").append(item.dtype().name()).append("\",\"shape\":[");
            for (int i = 0; i < item.shape().length; i++) {
                json.append(i == 0 ? "" : ",").append(item.shape()[i]);
            }
            long end = offset + item.bytes();
            json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        json.append('}');
        byte[] utf8 = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (utf8.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(utf8);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        ch.position(0);
        writeFully(ch, head);

        MessageDigest digest = checksumKey != null ? Safetensors.sha256() : null;
        ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(Safetensors.CHUNK_BYTES, Math.max(8, offset)))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (Item item : items) {
            writeData(ch, buf, item, digest);
        }
        if (digest == null) {
            return null;
        }
        String hex = HexFormat.of().formatHex(digest.digest());
        long at = 8 + json.substring(0, placeholderChar).getBytes(StandardCharsets.UTF_8).length;
        ByteBuffer patch = ByteBuffer.wrap(hex.getBytes(StandardCharsets.US_ASCII));
        while (patch.hasRemaining()) {
            at += ch.write(patch, at);
        }
        return hex;
    }

    /** Streams one tensor's elements through {@code buf}, little-endian. */
    private static void writeData(FileChannel ch, ByteBuffer buf, Item item, MessageDigest digest) throws IOException {
        int perChunk = buf.capacity() / item.dtype().size;
        if (item.ints() != null) {
            int[] a = item.ints().data();
            for (int i = 0; i < a.length; i += perChunk) {
                int m = Math.min(perChunk, a.length - i);
                buf.clear();
                for (int j = 0; j < m; j++) {
                    buf.putLong(a[i + j]);
                }
                buf.flip();
                emit(ch, buf, digest);
            }
            return;
        }
        Tensor c = item.floats().contiguous(); // element i of a contiguous tensor sits at offset() + i
        int n = c.numel();
        for (int i = 0; i < n; i += perChunk) {
            int m = Math.min(perChunk, n - i);
            buf.clear();
            if (c.dtype() == DType.F64) {
                buf.asDoubleBuffer().put(c.dataF64(), c.offset() + i, m);
            } else {
                buf.asFloatBuffer().put(c.data(), c.offset() + i, m);
            }
            buf.limit(m * item.dtype().size);
            emit(ch, buf, digest);
        }
    }

    private static void emit(FileChannel ch, ByteBuffer buf, MessageDigest digest) throws IOException {
        if (digest != null) {
            digest.update(buf.duplicate());
        }
        writeFully(ch, buf);
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
