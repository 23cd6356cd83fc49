package org.mofa4j.nn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * Reads and writes the safetensors format of Hugging Face.
 *
 * <pre>
 *   [8 bytes]  N, unsigned little-endian: length of the header
 *   [N bytes]  UTF-8 JSON object, padded with spaces to a multiple of 8:
 *              {"__metadata__": {"key": "value", ...},             (optional, string → string)
 *               "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
 *   [rest]     the data section: each tensor's elements, row-major, little-endian, at
 *              [begin, end) relative to the start of the data section
 * </pre>
 *
 * <p><b>Writing</b> follows the Python library byte for byte: tensors are laid out by descending dtype rank
 * (I64, F64, F32: 8-byte elements first, so every tensor is aligned to its element size, the header being padded
 * to 8), then by name; the header lists {@code __metadata__} first (keys sorted; left out when empty), then the
 * tensors in data order, in compact JSON. F32 and F64 tensors are written as such, {@link IntTensor}s as I64 (the
 * dtype of torch index tensors).
 *
 * <p><b>Reading</b> decodes F32 and F64 as such, F16 and BF16 upcast to F32 tensors, and I32 and I64 into
 * {@link IntTensor}s (an I64 value outside the int range is an error). The file is read through one reusable
 * buffer of at most 1 MiB straight into each tensor's storage, so reading needs the tensors' memory and little
 * more. Before any tensor storage is allocated the whole header is validated, and every problem is a
 * {@link CheckpointException} naming the file: a file shorter than 8 bytes, a header length beyond the file or
 * above 100 MB, a header that is not UTF-8 JSON or not an object, a duplicate tensor name, an unknown dtype, a
 * negative dimension, malformed {@code data_offsets}, a span whose length is not numel × dtype size, a span
 * outside the data section (a truncated file), overlapping spans, and bytes of the data section that belong to
 * no tensor. The Python library rejects such holes and trailing bytes as well ("MetadataIncompleteBuffer",
 * "InvalidOffset"): a file that does not account for every byte is not trusted.
 *
 * <p>Writing is not atomic; {@link CheckpointFiles#writeAtomically} is.
 */
public final class Safetensors {
    /** The largest header accepted, as in the Python library. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String METADATA_KEY = "__metadata__";
    private static final int CHUNK_BYTES = 1 << 20; // a multiple of every element size

    private Safetensors() {}

    /** Element types this class decodes. {@code rank} is the Python library's layout order (higher first). */
    enum FileDType {
        I64(8, 13),
        F64(8, 12),
        F32(4, 11),
        I32(4, 9),
        BF16(2, 8),
        F16(2, 7);

        final int size;
        final int rank;

        FileDType(int size, int rank) {
            this.size = size;
            this.rank = rank;
        }
    }

    /** Dtypes the format defines that this reader does not decode (named in the error, not called unknown). */
    private static final Set<String> UNSUPPORTED_DTYPES = Set.of(
            "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "I16", "U16", "U32",
            "U64", "C64");

    /**
     * What a file holds. Maps are unmodifiable and in data-section order.
     *
     * @param tensors F32 and F64 tensors (F16 and BF16 ones upcast to F32)
     * @param intTensors I32 and I64 tensors
     * @param metadata the {@code __metadata__} object, empty when absent
     * @param storedDtypes every tensor's dtype as stored in the file ("F16", "I64", ...)
     */
    public record Contents(
            Map<String, Tensor> tensors,
            Map<String, IntTensor> intTensors,
            Map<String, String> metadata,
            Map<String, String> storedDtypes) {

        /** The floating-point tensor called {@code name}; throws naming the names present when absent. */
        public Tensor tensor(String name) {
            Tensor t = tensors.get(name);
            if (t == null) {
                throw new IllegalArgumentException("safetensors: no floating-point tensor '" + name + "'; the file has "
                        + tensors.keySet());
            }
            return t;
        }
    }

    // ---------------------------------------------------------------- writing

    /** Writes {@code tensors} (F32/F64) and {@code metadata} (may be null) to {@code file}, replacing it. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        write(file, tensors, Map.of(), metadata);
    }

    /** Like {@link #write(Path, Map, Map)}, with integer tensors (token ids, ...) stored as I64. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, IntTensor> intTensors,
            Map<String, String> metadata) throws IOException {
        List<Item> items = items(file, tensors, intTensors);
        Map<String, String> meta = sortedMetadata(file, metadata);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeTo(ch, items, meta, null);
        }
    }

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
        if (name.equals(METADATA_KEY)) {
            throw new IllegalArgumentException("safetensors: " + file + ": '" + METADATA_KEY
                    + "' is reserved for the metadata and cannot name a tensor");
        }
        if (!utf8.canEncode(name)) {
            throw new IllegalArgumentException("safetensors: " + file + ": tensor name " + HeaderJson.quote(name)
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
                        + HeaderJson.quote(e.getKey()) + " is not valid Unicode (unpaired surrogate)");
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
            HeaderJson.appendQuoted(json, METADATA_KEY);
            json.append(":{");
            String sep = "";
            for (Map.Entry<String, String> e : meta.entrySet()) {
                json.append(sep);
                sep = ",";
                HeaderJson.appendQuoted(json, e.getKey());
                json.append(':');
                if (e.getKey().equals(checksumKey)) {
                    placeholderChar = json.length() + 1; // after the opening quote
                }
                HeaderJson.appendQuoted(json, e.getValue());
            }
            json.append('}');
        }
        long offset = 0;
        for (Item item : items) {
            if (json.length() > 1) {
                json.append(',');
            }
            HeaderJson.appendQuoted(json, item.name());
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

        MessageDigest digest = checksumKey != null ? sha256() : null;
        ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(CHUNK_BYTES, Math.max(8, offset)))
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

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    // ---------------------------------------------------------------- reading

    /** Reads and validates {@code file}; see the class comment for what is checked. */
    public static Contents read(Path file) throws IOException {
        return read(file, null);
    }

    /** A tensor's header entry. */
    private record Entry(String name, String dtypeName, FileDType dtype, int[] shape, int numel, long begin, long end) {}

    /** Reads {@code file}, feeding the data section, in order, to {@code digest} when it is not null. */
    static Contents read(Path file, MessageDigest digest) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new CheckpointException(file, "file is " + size
                        + " bytes long, shorter than the 8-byte header length field: not a safetensors file");
            }
            ByteBuffer lengthField = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(file, ch, lengthField, 0, "the header length field");
            long n = lengthField.flip().getLong(); // unsigned: values ≥ 2^63 come out negative
            if (n < 0 || n > MAX_HEADER_BYTES) {
                throw new CheckpointException(file, "header length " + Long.toUnsignedString(n)
                        + " is absurd (limit " + MAX_HEADER_BYTES + " bytes): not a safetensors file or corrupt");
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
            ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(CHUNK_BYTES, (largest + 7) / 8 * 8))
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
            return new Contents(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(ints),
                    Collections.unmodifiableMap(metadata), Collections.unmodifiableMap(dtypes));
        }
    }

    /** Parses and validates the header; fills {@code metadata}; returns the entries sorted by offset. */
    private static List<Entry> parseHeader(Path file, String header, long dataLength, Map<String, String> metadata) {
        Object root;
        try {
            root = HeaderJson.parse(header);
        } catch (HeaderJson.DuplicateKeyException e) {
            throw new CheckpointException(file, e.depth == 1
                    ? "duplicate tensor name " + HeaderJson.quote(e.key) + " in the header"
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
            if (name.equals(METADATA_KEY)) {
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
                throw new CheckpointException(file, "tensors " + HeaderJson.quote(previous.name()) + " "
                        + span(previous) + " and " + HeaderJson.quote(e.name()) + " " + span(e) + " overlap");
            }
            if (e.begin() > covered) {
                throw new CheckpointException(file, "bytes [" + covered + ", " + e.begin()
                        + ") of the data section belong to no tensor (a hole before " + HeaderJson.quote(e.name())
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
            throw new CheckpointException(file, METADATA_KEY + " is not an object of strings but " + describe(value));
        }
        for (Map.Entry<?, ?> kv : map.entrySet()) {
            if (!(kv.getValue() instanceof String s)) {
                throw new CheckpointException(file, METADATA_KEY + " value of key " + HeaderJson.quote((String) kv.getKey())
                        + " is not a string but " + describe(kv.getValue()));
            }
            metadata.put((String) kv.getKey(), s);
        }
    }

    private static Entry parseEntry(Path file, String name, Object value, long dataLength) {
        String what = "tensor " + HeaderJson.quote(name);
        if (!(value instanceof Map<?, ?> info)) {
            throw new CheckpointException(file, what + " is described by " + describe(value) + ", not an object");
        }
        for (Object key : info.keySet()) {
            if (!Set.of("dtype", "shape", "data_offsets").contains(key)) {
                throw new CheckpointException(file, what + " has an unexpected field " + HeaderJson.quote((String) key)
                        + " (allowed: dtype, shape, data_offsets)");
            }
        }
        for (String key : List.of("dtype", "shape", "data_offsets")) {
            if (!info.containsKey(key)) {
                throw new CheckpointException(file, what + " has no \"" + key + "\" field");
            }
        }
        if (!(info.get("dtype") instanceof String dtypeName)) {
            throw new CheckpointException(file, what + " has a dtype that is not a string: " + describe(info.get("dtype")));
        }
        FileDType dtype = null;
        for (FileDType d : FileDType.values()) {
            if (d.name().equals(dtypeName)) {
                dtype = d;
            }
        }
        if (dtype == null) {
            throw new CheckpointException(file, UNSUPPORTED_DTYPES.contains(dtypeName)
                    ? what + " has dtype " + dtypeName + ", which this reader does not support (supported: F64, F32,"
                            + " F16, BF16, I64, I32)"
                    : what + " has unknown dtype " + HeaderJson.quote(dtypeName));
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
                    + " only " + dataLength + " bytes: the span lies outside the data section (is the file truncated?)");
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
            case String s -> "the string " + HeaderJson.quote(s);
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
        readFully(file, ch, buf, position, "tensor " + HeaderJson.quote(e.name()));
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
                    throw new CheckpointException(file, "tensor " + HeaderJson.quote(e.name()) + " (I64) holds " + v
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
