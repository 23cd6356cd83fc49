package org.mofa4j.nn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mofa4j.nn.io.Safetensors.FileDType;
import org.mofa4j.nn.json.DuplicateKeyException;
import org.mofa4j.nn.json.Json;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * The reading half of {@link Safetensors}: the header is parsed and every rule checked before any tensor storage
 * is allocated; then the data is streamed, in file order, through one buffer into the tensors.
 */
final class SafetensorsReader {
    /** A safetensors header is three levels deep; anything far beyond that is corrupt or hostile. */
    static final int MAX_HEADER_DEPTH = 64;

    private SafetensorsReader() {}

    /** A tensor's header entry. */
    private record Entry(String name, String dtypeName, FileDType dtype, int[] shape, int numel, long begin,
            long end) {}

    /** Opens {@code file}; a missing file is a NoSuchFileException whose message says so, not just the path. */
    private static FileChannel openForReading(Path file) throws IOException {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "no such file: cannot read a "
                    + "safetensors file that does not exist");
        }
    }

    /** Reads {@code file}, feeding the data section, in order, to {@code digest} when it is not null. */
    static Safetensors.Contents read(Path file, MessageDigest digest) throws IOException {
        try (FileChannel ch = openForReading(file)) {
            long size = ch.size();
            if (size < 8) {
                throw new CheckpointException(file, "file is " + size
                        + " bytes long, shorter than the 8-byte header length field: not a safetensors file");
            }
            ByteBuffer lengthField = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(file, ch, lengthField, 0, "the header length field");
            long n = lengthField.flip().getLong(); // unsigned: values ≥ 2^63 come out negative
            if (n < 0 || n > Safetensors.MAX_HEADER_BYTES) {
                throw new CheckpointException(file, "header length " + Long.toUnsignedString(n)
                        + " is absurd (limit " + Safetensors.MAX_HEADER_BYTES
                        + " bytes): not a safetensors file or corrupt");
            }
            if (n > size - 8) {
                throw new CheckpointException(file, "header length " + n + " is larger than the " + (size - 8)
                        + " bytes that follow the length field: the file is truncated or not safetensors");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) n);
            readFully(file, ch, headerBytes, 8, "the header");
            String header;
            try {
                header = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(headerBytes.flip()).toString();
            } catch (CharacterCodingException e) {
                throw new CheckpointException(file, "header is not valid UTF-8", e);
            }
            long dataStart = 8 + n;
            long dataLength = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = parseHeader(file, header, dataLength, metadata);

            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, IntTensor> ints = new LinkedHashMap<>();
            Map<String, String> dtypes = new LinkedHashMap<>();
            long largest = 8;
            for (Entry e : entries) {
                largest = Math.max(largest, e.end() - e.begin());
            }
            ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(Safetensors.CHUNK_BYTES, (largest + 7) / 8 * 8))
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : entries) {
                dtypes.put(e.name(), e.dtypeName());
                switch (e.dtype()) {
                    case I32, I64 -> ints.put(e.name(), IntTensor.wrap(readInts(file, ch, buf, e, dataStart, digest),
                            e.shape()));
                    case F64 -> tensors.put(e.name(), Tensor.wrap(readDoubles(file, ch, buf, e, dataStart, digest),
                            e.shape()));
                    default -> tensors.put(e.name(), Tensor.wrap(readFloats(file, ch, buf, e, dataStart, digest),
                            e.shape()));
                }
            }
            return new Safetensors.Contents(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(ints),
                    Collections.unmodifiableMap(metadata), Collections.unmodifiableMap(dtypes));
        }
    }

    /** Parses and validates the header; fills {@code metadata}; returns the entries sorted by offset. */
    private static List<Entry> parseHeader(Path file, String header, long dataLength, Map<String, String> metadata) {
        Object root;
        try {
            root = Json.parse(header, MAX_HEADER_DEPTH);
        } catch (DuplicateKeyException e) {
            throw new CheckpointException(file, e.depth() == 1
                    ? "duplicate tensor name " + Json.quote(e.key()) + " in the header"
                    : "header is not valid JSON: " + e.getMessage().substring("JSON: ".length()), e);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, "header is not valid JSON: "
                    + e.getMessage().replaceFirst("^JSON: ", ""), e);
        }
        if (!(root instanceof Map<?, ?> top)) {
            throw new CheckpointException(file, "header is not a JSON object but " + describe(root));
        }
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> kv : top.entrySet()) {
            String name = (String) kv.getKey();
            if (name.equals(Safetensors.METADATA_KEY)) {
                readMetadata(file, kv.getValue(), metadata);
            } else {
                entries.add(parseEntry(file, name, kv.getValue(), dataLength));
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long covered = 0;
        Entry previous = null;
        for (Entry e : entries) {
            if (e.begin() < covered) {
                throw new CheckpointException(file, "tensors " + Json.quote(previous.name()) + " "
                        + span(previous) + " and " + Json.quote(e.name()) + " " + span(e) + " overlap");
            }
            if (e.begin() > covered) {
                throw new CheckpointException(file, "bytes [" + covered + ", " + e.begin()
                        + ") of the data section belong to no tensor (a hole before " + Json.quote(e.name())
                        + "); the Python safetensors library rejects such files too");
            }
            covered = e.end();
            previous = e;
        }
        if (covered != dataLength) {
            throw new CheckpointException(file, "the last " + (dataLength - covered) + " bytes of the "
                    + dataLength + "-byte data section belong to no tensor (unused trailing bytes); the Python"
                    + " safetensors library rejects such files too");
        }
        return entries;
    }

    private static void readMetadata(Path file, Object value, Map<String, String> metadata) {
        if (!(value instanceof Map<?, ?> map)) {
            throw new CheckpointException(file, Safetensors.METADATA_KEY + " is not an object of strings but "
                    + describe(value));
        }
        for (Map.Entry<?, ?> kv : map.entrySet()) {
            if (!(kv.getValue() instanceof String s)) {
                throw new CheckpointException(file, Safetensors.METADATA_KEY + " value of key "
                        + Json.quote((String) kv.getKey())
                        + " is not a string but " + describe(kv.getValue()));
            }
            metadata.put((String) kv.getKey(), s);
        }
    }

    private static Entry parseEntry(Path file, String name, Object value, long dataLength) {
        String what = "tensor " + Json.quote(name);
        if (!(value instanceof Map<?, ?> info)) {
            throw new CheckpointException(file, what + " is described by " + describe(value) + ", not an object");
        }
        for (Object key : info.keySet()) {
            if (!Set.of("dtype", "shape", "data_offsets").contains(key)) {
                throw new CheckpointException(file, what + " has an unexpected field " + Json.quote((String) key)
                        + " (allowed: dtype, shape, data_offsets)");
            }
        }
        for (String key : List.of("dtype", "shape", "data_offsets")) {
            if (!info.containsKey(key)) {
                throw new CheckpointException(file, what + " has no \"" + key + "\" field");
            }
        }
        if (!(info.get("dtype") instanceof String dtypeName)) {
            throw new CheckpointException(file, what + " has a dtype that is not a string: "
                    + describe(info.get("dtype")));
        }
        FileDType dtype = null;
        for (FileDType d : FileDType.values()) {
            if (d.name().equals(dtypeName)) {
                dtype = d;
            }
        }
        if (dtype == null) {
            throw new CheckpointException(file, Safetensors.UNSUPPORTED_DTYPES.contains(dtypeName)
                    ? what + " has dtype " + dtypeName + ", which this reader does not support (supported: F64, F32,"
                            + " F16, BF16, I64, I32)"
                    : what + " has unknown dtype " + Json.quote(dtypeName));
        }
        List<Long> shapeList = integers(file, what, "shape", info.get("shape"));
        for (long d : shapeList) {
            if (d < 0) {
                throw new CheckpointException(file, what + " has a negative dimension in shape " + shapeList);
            }
        }
        int[] shape = new int[shapeList.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            long d = shapeList.get(i);
            if (d > Integer.MAX_VALUE) {
                throw new CheckpointException(file, what + " has shape " + shapeList
                        + " with a dimension above 2^31-1, more than a mofa4j tensor holds");
            }
            shape[i] = (int) d;
            numel = Math.min(numel * d, 1L << 31); // saturates above the int range: 2^31 · 2^31 fits a long
        }
        if (numel > Integer.MAX_VALUE) {
            throw new CheckpointException(file, what + " has shape " + shapeList
                    + ", more than 2^31-1 elements, more than a mofa4j tensor holds");
        }
        List<Long> offsets = integers(file, what, "data_offsets", info.get("data_offsets"));
        if (offsets.size() != 2 || offsets.get(0) < 0 || offsets.get(1) < 0) {
            throw new CheckpointException(file, what + " has data_offsets " + offsets
                    + ", expected [begin, end] with 0 <= begin <= end");
        }
        long begin = offsets.get(0);
        long end = offsets.get(1);
        if (begin > end) {
            throw new CheckpointException(file, what + " has data_offsets " + offsets + " with begin > end");
        }
        long needed = numel * dtype.size;
        if (end - begin != needed) {
            throw new CheckpointException(file, what + " spans " + (end - begin) + " bytes " + offsets
                    + " but shape " + Shapes.str(shape) + " of " + dtypeName + " needs " + numel + " × " + dtype.size
                    + " = " + needed + " bytes");
        }
        if (end > dataLength) {
            throw new CheckpointException(file, what + " spans [" + begin + ", " + end + ") but the data section has"
                    + " only " + dataLength
                    + " bytes: the span lies outside the data section (is the file truncated?)");
        }
        return new Entry(name, dtypeName, dtype, shape, (int) numel, begin, end);
    }

    /** {@code value} as a list of integers, or an error naming the tensor and the field. */
    private static List<Long> integers(Path file, String what, String field, Object value) {
        if (value instanceof List<?> list) {
            List<Long> out = new ArrayList<>(list.size());
            for (Object o : list) {
                if (!(o instanceof Long l)) {
                    throw new CheckpointException(file, what + " has " + field + " " + list
                            + ", which is not an array of integers below 2^63");
                }
                out.add(l);
            }
            return out;
        }
        throw new CheckpointException(file, what + " has " + field + " that is not an array: " + describe(value));
    }

    private static String describe(Object v) {
        return switch (v) {
            case null -> "null";
            case String s -> "the string " + Json.quote(s);
            case List<?> l -> "an array";
            case Map<?, ?> m -> "an object";
            default -> "the value " + v;
        };
    }

    private static String span(Entry e) {
        return "[" + e.begin() + ", " + e.end() + ")";
    }

    // ---------------------------------------------------------------- decoding the data section

    /** Reads the next {@code m} elements of {@code e} into {@code buf}, flipped for reading. */
    private static void nextChunk(Path file, FileChannel ch, ByteBuffer buf, Entry e, long position, int bytes,
            MessageDigest digest) throws IOException {
        buf.clear().limit(bytes);
        readFully(file, ch, buf, position, "tensor " + Json.quote(e.name()));
        buf.flip();
        if (digest != null) {
            digest.update(buf.duplicate());
        }
    }

    private static float[] readFloats(Path file, FileChannel ch, ByteBuffer buf, Entry e, long dataStart,
            MessageDigest digest) throws IOException {
        float[] out = new float[e.numel()];
        int size = e.dtype().size;
        int perChunk = buf.capacity() / size;
        long position = dataStart + e.begin();
        for (int i = 0; i < out.length; i += perChunk) {
            int m = Math.min(perChunk, out.length - i);
            nextChunk(file, ch, buf, e, position, m * size, digest);
            position += (long) m * size;
            switch (e.dtype()) {
                case F32 -> buf.asFloatBuffer().get(out, i, m);
                case F16 -> {
                    for (int j = 0; j < m; j++) {
                        out[i + j] = Float.float16ToFloat(buf.getShort());
                    }
                }
                case BF16 -> {
                    for (int j = 0; j < m; j++) {
                        out[i + j] = bfloat16ToFloat(buf.getShort());
                    }
                }
                default -> throw new IllegalStateException("readFloats: " + e.dtype());
            }
        }
        return out;
    }

    private static double[] readDoubles(Path file, FileChannel ch, ByteBuffer buf, Entry e, long dataStart,
            MessageDigest digest) throws IOException {
        double[] out = new double[e.numel()];
        int perChunk = buf.capacity() / 8;
        long position = dataStart + e.begin();
        for (int i = 0; i < out.length; i += perChunk) {
            int m = Math.min(perChunk, out.length - i);
            nextChunk(file, ch, buf, e, position, m * 8, digest);
            position += m * 8L;
            buf.asDoubleBuffer().get(out, i, m);
        }
        return out;
    }

    private static int[] readInts(Path file, FileChannel ch, ByteBuffer buf, Entry e, long dataStart,
            MessageDigest digest) throws IOException {
        int[] out = new int[e.numel()];
        int size = e.dtype().size;
        int perChunk = buf.capacity() / size;
        long position = dataStart + e.begin();
        for (int i = 0; i < out.length; i += perChunk) {
            int m = Math.min(perChunk, out.length - i);
            nextChunk(file, ch, buf, e, position, m * size, digest);
            position += (long) m * size;
            if (e.dtype() == FileDType.I32) {
                buf.asIntBuffer().get(out, i, m);
                continue;
            }
            for (int j = 0; j < m; j++) {
                long v = buf.getLong();
                if (v != (int) v) {
                    throw new CheckpointException(file, "tensor " + Json.quote(e.name()) + " (I64) holds " + v
                            + " at flat index " + (i + j) + ", outside the int range of an IntTensor");
                }
                out[i + j] = (int) v;
            }
        }
        return out;
    }

    /** bfloat16 is the upper half of a float32: shifting its bits back is exact for every value, NaN included. */
    static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    private static void readFully(Path file, FileChannel ch, ByteBuffer buf, long position, String what)
            throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, position);
            if (r < 0) {
                throw new CheckpointException(file, "unexpected end of file while reading " + what
                        + " (was the file truncated while it was read?)");
            }
            position += r;
        }
    }
}
