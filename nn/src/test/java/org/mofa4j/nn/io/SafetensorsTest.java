package org.mofa4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Tensor;

/** Writing and reading back: values bit for bit, shapes, metadata, and the exact bytes of small files. */
class SafetensorsTest {
    @TempDir
    Path dir;

    private static float[] floats(int n, int seed) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) Math.sin(seed + 0.37 * i) * (i + 1);
        }
        return a;
    }

    private static void assertSameBits(Tensor expected, Tensor actual) {
        assertEquals(expected.dtype(), actual.dtype());
        assertArrayEquals(expected.shape(), actual.shape());
        if (expected.dtype() == DType.F64) {
            double[] e = expected.toDoubleArray();
            double[] a = actual.toDoubleArray();
            for (int i = 0; i < e.length; i++) {
                assertEquals(Double.doubleToRawLongBits(e[i]), Double.doubleToRawLongBits(a[i]), "element " + i);
            }
        } else {
            float[] e = expected.toFloatArray();
            float[] a = actual.toFloatArray();
            for (int i = 0; i < e.length; i++) {
                assertEquals(Float.floatToRawIntBits(e[i]), Float.floatToRawIntBits(a[i]), "element " + i);
            }
        }
    }

    @Test
    void roundTripKeepsEveryBitShapeAndMetadata() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                Float.MAX_VALUE, Float.intBitsToFloat(0x7fc00123)};
        tensors.put("special", Tensor.of(special, 2, 4));
        tensors.put("h.0.attn.weight", Tensor.of(floats(15, 1), 3, 5));
        tensors.put("f64", Tensor.of(new double[] {1.0 / 3, -1e-300, Double.NaN, 7}, 2, 2, 1));
        tensors.put("scalar", Tensor.scalar(2.5));
        tensors.put("scalar64", Tensor.scalar(DType.F64, -0.125));
        tensors.put("empty", Tensor.zeros(0, 4));
        tensors.put("empty64", Tensor.zeros(DType.F64, 3, 0));
        tensors.put("odd", Tensor.of(floats(21, 2), 1, 7, 1, 3));
        Map<String, String> meta = Map.of("step", "100", "note", "ünïcødé \"quoted\" \\ tab\t newline\n 🙂");
        Path file = dir.resolve("m.safetensors");

        Safetensors.write(file, tensors, meta);
        Safetensors.Contents back = Safetensors.read(file);

        assertEquals(tensors.keySet(), back.tensors().keySet());
        for (String name : tensors.keySet()) {
            assertSameBits(tensors.get(name), back.tensor(name));
        }
        assertEquals(meta, back.metadata());
        assertTrue(back.intTensors().isEmpty());
        assertEquals("F64", back.storedDtypes().get("f64"));
        assertEquals("F32", back.storedDtypes().get("odd"));
    }

    @Test
    void intTensorsRoundTripAsI64() throws IOException {
        IntTensor ids = IntTensor.of(new int[] {0, 50256, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 7}, 2, 3);
        Path file = dir.resolve("ids.safetensors");
        Safetensors.write(file, Map.of("w", Tensor.vector(1f)), Map.of("ids", ids), null);

        Safetensors.Contents back = Safetensors.read(file);
        assertArrayEquals(ids.data(), back.intTensors().get("ids").data());
        assertArrayEquals(new int[] {2, 3}, back.intTensors().get("ids").shape());
        assertEquals("I64", back.storedDtypes().get("ids"));
    }

    @Test
    void nonContiguousViewsAreWrittenInLogicalOrder() throws IOException {
        Tensor base = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor transposed = base.transpose(0, 1); // (3, 2): [[1, 4], [2, 5], [3, 6]]
        Tensor offsetView = base.narrow(1, 1, 2); // (2, 2): [[2, 3], [5, 6]], offset 1
        Path file = dir.resolve("views.safetensors");
        Safetensors.write(file, Map.of("t", transposed, "n", offsetView), null);

        Safetensors.Contents back = Safetensors.read(file);
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, back.tensor("t").toFloatArray());
        assertArrayEquals(new int[] {3, 2}, back.tensor("t").shape());
        assertArrayEquals(new float[] {2, 3, 5, 6}, back.tensor("n").toFloatArray());
    }

    @Test
    void tensorsLargerThanTheOneMebibyteBufferCrossChunksIntact() throws IOException {
        float[] big = floats(300_001, 3); // 1.2 MB: two chunks and a ragged tail
        double[] big64 = new double[200_003];
        for (int i = 0; i < big64.length; i++) {
            big64[i] = i * 1e-3 - Math.cos(i);
        }
        Path file = dir.resolve("big.safetensors");
        Safetensors.write(file, Map.of("big", Tensor.wrap(big, big.length), "big64", Tensor.wrap(big64, big64.length)),
                null);
        Safetensors.Contents back = Safetensors.read(file);
        assertArrayEquals(big, back.tensor("big").data());
        assertArrayEquals(big64, back.tensor("big64").dataF64());
    }

    /** Worked out by hand from the format: length field, JSON, space padding to 8, little-endian floats. */
    @Test
    void tinyFileHasTheExactByteLayout() throws IOException {
        Path file = dir.resolve("tiny.safetensors");
        Safetensors.write(file, Map.of("a", Tensor.vector(1.0f, -2.0f)), null);
        byte[] bytes = Files.readAllBytes(file);

        String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"; // 54 bytes
        assertEquals(54, json.length());
        byte[] expected = RawFiles.concat(
                new byte[] {56, 0, 0, 0, 0, 0, 0, 0}, // N = 56 = 54 rounded up to a multiple of 8
                json.getBytes(StandardCharsets.US_ASCII),
                new byte[] {' ', ' '},
                new byte[] {0, 0, (byte) 0x80, 0x3f}, // 1.0f = 0x3f800000, little-endian
                new byte[] {0, 0, 0, (byte) 0xc0}); // -2.0f = 0xc0000000
        assertArrayEquals(expected, bytes);
        assertEquals(0, (8 + 56) % 8, "the data section starts 8-byte aligned");
    }

    /** The byte sequences the Python library's own tests expect for an empty file, with and without metadata. */
    @Test
    void emptyFilesMatchThePythonLibraryBytes() throws IOException {
        Path empty = dir.resolve("empty.safetensors");
        Safetensors.write(empty, Map.of(), null);
        assertArrayEquals(new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '},
                Files.readAllBytes(empty));

        Path meta = dir.resolve("meta.safetensors");
        Safetensors.write(meta, Map.of(), Map.of("framework", "pt"));
        String json = "{\"__metadata__\":{\"framework\":\"pt\"}}"; // 35 bytes, padded to 40
        assertArrayEquals(RawFiles.concat(RawFiles.le64(40), json.getBytes(StandardCharsets.US_ASCII),
                "     ".getBytes(StandardCharsets.US_ASCII)), Files.readAllBytes(meta));
        assertEquals(Map.of("framework", "pt"), Safetensors.read(meta).metadata());
    }

    @Test
    void layoutIsI64ThenF64ThenF32EachByNameSoEveryTensorIsAligned() throws IOException {
        Map<String, Tensor> tensors = Map.of(
                "b", Tensor.vector(1f, 2f, 3f), // 12 bytes: would misalign what follows if placed first
                "a", Tensor.vector(4f),
                "z", Tensor.of(new double[] {5, 6}, 2));
        Path file = dir.resolve("order.safetensors");
        Safetensors.write(file, tensors, Map.of("ids", IntTensor.vector(9)), Map.of("k", "v"));

        String header = header(file);
        assertEquals("{\"__metadata__\":{\"k\":\"v\"},"
                + "\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"z\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[8,24]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[24,28]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[28,40]}}", header.stripTrailing());
        assertEquals(List.of("z", "a", "b"), List.copyOf(Safetensors.read(file).tensors().keySet()));
    }

    @Test
    void writingIsDeterministicWhateverTheMapOrder() throws IOException {
        Map<String, Tensor> one = new LinkedHashMap<>();
        one.put("x", Tensor.vector(1f));
        one.put("y", Tensor.vector(2f));
        Map<String, Tensor> two = new LinkedHashMap<>();
        two.put("y", Tensor.vector(2f));
        two.put("x", Tensor.vector(1f));
        Map<String, String> m1 = new LinkedHashMap<>();
        m1.put("p", "1");
        m1.put("q", "2");
        Map<String, String> m2 = new LinkedHashMap<>();
        m2.put("q", "2");
        m2.put("p", "1");
        Safetensors.write(dir.resolve("1"), one, m1);
        Safetensors.write(dir.resolve("2"), two, m2);
        assertArrayEquals(Files.readAllBytes(dir.resolve("1")), Files.readAllBytes(dir.resolve("2")));
    }

    @Test
    void emptyMetadataIsLeftOutOfTheHeader() throws IOException {
        Path file = dir.resolve("nometa.safetensors");
        Safetensors.write(file, Map.of("a", Tensor.vector(1f)), Map.of());
        assertFalse(header(file).contains("__metadata__"));
        assertEquals(Map.of(), Safetensors.read(file).metadata());
    }

    @Test
    void namesWithQuotesAndUnicodeSurviveAsUtf8() throws IOException {
        String name = "blöck \"0\"\\w\u0001 😀";
        Path file = dir.resolve("names.safetensors");
        Safetensors.write(file, Map.of(name, Tensor.vector(3f)), null);
        assertTrue(header(file).contains("\"blöck \\\"0\\\"\\\\w\\u0001 😀\""), header(file));
        assertEquals(3f, Safetensors.read(file).tensor(name).item());
    }

    @Test
    void writeRejectsTheReservedNameNullsAndNameClashes() {
        Path file = dir.resolve("bad.safetensors");
        Tensor t = Tensor.vector(1f);
        IllegalArgumentException reserved = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(file, Map.of("__metadata__", t), null));
        assertTrue(reserved.getMessage().contains("reserved"), reserved.getMessage());

        Map<String, String> nullValue = new LinkedHashMap<>();
        nullValue.put("k", null);
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(file, Map.of("a", t), nullValue));

        IllegalArgumentException clash = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(file, Map.of("a", t), Map.of("a", IntTensor.vector(1)), null));
        assertTrue(clash.getMessage().contains("both"), clash.getMessage());

        assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(file, Map.of("bad\uD800", t), null));
        assertFalse(Files.exists(file), "rejected input creates no file");
    }

    @Test
    void contentsNamesTheTensorsPresentWhenOneIsMissing() throws IOException {
        Path file = dir.resolve("c.safetensors");
        Safetensors.write(file, Map.of("present", Tensor.vector(1f)), null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.read(file).tensor("absent"));
        assertTrue(e.getMessage().contains("absent") && e.getMessage().contains("present"), e.getMessage());
    }

    /** The header text: bytes 8 .. 8+N, padding included. */
    static String header(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        int n = (int) java.nio.ByteBuffer.wrap(b, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        return new String(Arrays.copyOfRange(b, 8, 8 + n), StandardCharsets.UTF_8);
    }
}
