package org.mofa4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mofa4j.tensor.Tensor;

/**
 * Every malformed file is refused with its own message, naming the file. Files are built byte by byte; the base
 * case is one F32 tensor "a" of shape [2] at [0, 8).
 */
class SafetensorsValidationTest {
    @TempDir
    Path dir;

    private static final String A = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
    private static final byte[] EIGHT = RawFiles.f32(1f, 2f);

    /** Reads {@code file}, expects a CheckpointException naming it, and returns its problem text. */
    private static String problem(Path file) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Safetensors.read(file));
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file.toString() + ": "), e.getMessage());
        return e.problem();
    }

    private Path raw(String header, byte[] data) throws IOException {
        return RawFiles.write(dir.resolve("f.safetensors"), header, data);
    }

    private static void assertMentions(String problem, String... fragments) {
        for (String f : fragments) {
            assertTrue(problem.contains(f), "expected '" + f + "' in: " + problem);
        }
    }

    @Test
    void theBaseCaseIsValid() throws IOException {
        assertEquals(2f, Safetensors.read(raw("{" + A + "}", EIGHT)).tensor("a").get(1));
    }

    @Test
    void fileShorterThanEightBytes() throws IOException {
        Path file = RawFiles.writeBytes(dir.resolve("short"), new byte[] {1, 2, 3, 4, 5});
        assertMentions(problem(file), "5 bytes", "shorter than the 8-byte header length field");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        Path file = RawFiles.writeBytes(dir.resolve("x"), RawFiles.concat(RawFiles.le64(1000), new byte[12]));
        assertMentions(problem(file), "header length 1000", "larger than the 12 bytes");
    }

    @Test
    void absurdHeaderLength() throws IOException {
        Path big = RawFiles.writeBytes(dir.resolve("big"), RawFiles.concat(RawFiles.le64(200_000_000L), new byte[8]));
        assertMentions(problem(big), "200000000", "absurd");
        Path huge = RawFiles.writeBytes(dir.resolve("huge"), RawFiles.concat(RawFiles.le64(-1L), new byte[8]));
        assertMentions(problem(huge), "18446744073709551615", "absurd"); // read as unsigned
    }

    @Test
    void headerThatIsNotUtf8() throws IOException {
        byte[] header = {'{', '"', (byte) 0xff, '"', ':', '1', '}'};
        Path file = RawFiles.writeBytes(dir.resolve("x"), RawFiles.concat(RawFiles.le64(header.length), header));
        assertMentions(problem(file), "not valid UTF-8");
    }

    @Test
    void headerThatIsNotJson() throws IOException {
        assertMentions(problem(raw("{\"a\":", EIGHT)), "not valid JSON");
        assertMentions(problem(raw("{" + A + ",}", EIGHT)), "not valid JSON");
    }

    @Test
    void headerThatIsNotAnObject() throws IOException {
        assertMentions(problem(raw("[1, 2]", new byte[0])), "not a JSON object", "an array");
    }

    @Test
    void duplicateTensorNames() throws IOException {
        assertMentions(problem(raw("{" + A + "," + A + "}", EIGHT)), "duplicate tensor name \"a\"");
    }

    @Test
    void unknownAndUnsupportedDtypes() throws IOException {
        assertMentions(problem(raw("{\"a\":{\"dtype\":\"F17\",\"shape\":[2],\"data_offsets\":[0,8]}}", EIGHT)),
                "tensor \"a\"", "unknown dtype \"F17\"");
        assertMentions(problem(raw("{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}}", EIGHT)),
                "dtype U8", "does not support");
        assertMentions(problem(raw("{\"a\":{\"dtype\":7,\"shape\":[2],\"data_offsets\":[0,8]}}", EIGHT)),
                "dtype that is not a string");
    }

    @Test
    void negativeDimension() throws IOException {
        assertMentions(problem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", EIGHT)),
                "negative dimension", "[-2]");
    }

    @Test
    void shapeThatIsNotAnArrayOfIntegers() throws IOException {
        assertMentions(problem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", EIGHT)),
                "not an array of integers");
        assertMentions(problem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", EIGHT)),
                "shape that is not an array");
    }

    @Test
    void tooManyElementsForATensor() throws IOException {
        assertMentions(problem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,8]}}",
                EIGHT)), "more than 2^31-1 elements");
    }

    @Test
    void dataOffsetsThatAreNotBeginEnd() throws IOException {
        assertMentions(problem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", EIGHT)),
                "data_offsets [0]", "expected [begin, end]");
        assertMentions(problem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,8]}}", EIGHT)),
                "expected [begin, end]");
        assertMentions(problem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", EIGHT)),
                "expected [begin, end]");
        assertMentions(problem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":\"0-8\"}}", EIGHT)),
                "data_offsets that is not an array");
        assertMentions(problem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,"
                + "18446744073709551616]}}", EIGHT)), "not an array of integers below 2^63");
    }

    @Test
    void dataOffsetsWithBeginAfterEnd() throws IOException {
        assertMentions(problem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", EIGHT)),
                "[8, 0]", "begin > end");
    }

    @Test
    void spanLengthDifferentFromNumelTimesDtypeSize() throws IOException {
        assertMentions(problem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", EIGHT)),
                "spans 8 bytes", "needs 3 × 4 = 12 bytes");
    }

    @Test
    void spanOutsideTheDataSection() throws IOException {
        assertMentions(problem(raw("{" + A + "}", RawFiles.f32(1f))), "[0, 8)", "only 4 bytes",
                "outside the data section");
    }

    @Test
    void overlappingSpans() throws IOException {
        String b = "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}";
        assertMentions(problem(raw("{" + A + "," + b + "}", RawFiles.f32(1, 2, 3))), "\"a\" [0, 8)",
                "\"b\" [4, 12)", "overlap");
    }

    @Test
    void holeBetweenSpans() throws IOException {
        String b = "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}";
        assertMentions(problem(raw("{" + A + "," + b + "}", RawFiles.f32(1, 2, 0, 3, 4))), "bytes [8, 12)",
                "belong to no tensor", "hole", "Python safetensors library rejects");
    }

    @Test
    void unusedTrailingBytes() throws IOException {
        assertMentions(problem(raw("{" + A + "}", RawFiles.f32(1, 2, 3))), "last 4 bytes", "unused trailing bytes");
    }

    @Test
    void truncatedFile() throws IOException {
        Path file = dir.resolve("t.safetensors");
        Safetensors.write(file, Map.of("w", Tensor.zeros(4, 4)), null);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 3);
        }
        assertMentions(problem(file), "tensor \"w\"", "outside the data section", "truncated");
    }

    @Test
    void fileTruncatedInsideTheHeader() throws IOException {
        Path file = dir.resolve("t.safetensors");
        Safetensors.write(file, Map.of("w", Tensor.zeros(4, 4)), null);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(30);
        }
        assertMentions(problem(file), "larger than the 22 bytes", "truncated");
    }

    @Test
    void missingAndUnexpectedFields() throws IOException {
        assertMentions(problem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", EIGHT)), "no \"data_offsets\" field");
        assertMentions(problem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}",
                EIGHT)), "unexpected field \"x\"");
        assertMentions(problem(raw("{\"a\":[1]}", EIGHT)), "tensor \"a\" is described by an array");
    }

    @Test
    void metadataMustMapStringsToStrings() throws IOException {
        assertMentions(problem(raw("{\"__metadata__\":{\"step\":100}," + A + "}", EIGHT)),
                "__metadata__ value of key \"step\"", "not a string");
        assertMentions(problem(raw("{\"__metadata__\":[]," + A + "}", EIGHT)), "__metadata__ is not an object");
    }

    @Test
    void i64ValueOutsideTheIntRange() throws IOException {
        byte[] data = RawFiles.concat(RawFiles.le64(5), RawFiles.le64(1L << 40));
        assertMentions(problem(raw("{\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", data)),
                "tensor \"ids\"", "1099511627776", "flat index 1", "int range");
    }

    @Test
    void spansMayBeListedInAnyOrderAndEmptyTensorsSitAnywhereOnTheBoundary() throws IOException {
        String b = "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}";
        String e = "\"e\":{\"dtype\":\"F32\",\"shape\":[0,5],\"data_offsets\":[8,8]}";
        Safetensors.Contents c = Safetensors.read(raw("{" + b + "," + e + "," + A + "}", RawFiles.f32(1, 2, 3)));
        assertEquals(3f, c.tensor("b").item());
        assertEquals(0, c.tensor("e").numel());
        assertEquals(java.util.List.of("a", "e", "b"), java.util.List.copyOf(c.tensors().keySet()));
    }
}
