package org.mofa4j.nn.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mofa4j.tensor.IntTensor;
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
    /** Size of the one buffer data passes through on its way to or from the file; a multiple of 8. */
    static final int CHUNK_BYTES = 1 << 20;

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
    static final Set<String> UNSUPPORTED_DTYPES = Set.of(
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
        List<SafetensorsWriter.Item> items = SafetensorsWriter.items(file, tensors, intTensors);
        Map<String, String> meta = SafetensorsWriter.sortedMetadata(file, metadata);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            SafetensorsWriter.writeTo(ch, items, meta, null);
        }
    }

    // ---------------------------------------------------------------- reading

    /** Reads and validates {@code file}; see the class comment for what is checked. */
    public static Contents read(Path file) throws IOException {
        return SafetensorsReader.read(file, null);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
