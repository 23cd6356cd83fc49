package org.mofa4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Tensor;

/** Atomic replacement, the data checksum, and pruning of old checkpoints. */
class CheckpointFilesTest {
    @TempDir
    Path dir;

    @AfterEach
    void removeHook() {
        CheckpointFiles.beforeCommitHook = null;
    }

    private static Map<String, Tensor> weights(float scale) {
        return Map.of("w", Tensor.of(new float[] {1 * scale, 2 * scale, 3 * scale, 4 * scale}, 2, 2),
                "b", Tensor.of(new double[] {scale}, 1));
    }

    private Set<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** The SHA-256 of bytes [8 + N, end), computed independently of the code under test. */
    private static String dataSha256(byte[] file) throws Exception {
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(file, (int) (8 + n), (int) (file.length - 8 - n));
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void writeAtomicallyStoresTheSha256OfTheDataSection() throws Exception {
        Path file = dir.resolve("ckpt.safetensors");
        CheckpointFiles.writeAtomically(file, weights(1), Map.of("step", "7"));

        Safetensors.Contents c = CheckpointFiles.readVerified(file);
        String stored = c.metadata().get(CheckpointFiles.CHECKSUM_KEY);
        assertEquals(dataSha256(Files.readAllBytes(file)), stored);
        assertEquals("7", c.metadata().get("step"));
        assertArrayEquals(new float[] {1, 2, 3, 4}, c.tensor("w").toFloatArray());
        assertEquals(Set.of("ckpt.safetensors"), listing(), "no temporary file is left behind");
    }

    @Test
    void intTensorsAreCoveredToo() throws Exception {
        Path file = dir.resolve("ids.safetensors");
        CheckpointFiles.writeAtomically(file, Map.of(), Map.of("ids", IntTensor.vector(3, 1, 4)), null);
        assertArrayEquals(new int[] {3, 1, 4}, CheckpointFiles.readVerified(file).intTensors().get("ids").data());
    }

    @Test
    void flippingOneDataByteIsACheckumMismatch() throws Exception {
        Path file = dir.resolve("ckpt.safetensors");
        CheckpointFiles.writeAtomically(file, weights(1), null);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 5] ^= 0x01; // inside "w" (F32 comes after F64 "b")
        Files.write(file, bytes);

        Safetensors.read(file); // structurally still fine
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointFiles.readVerified(file));
        assertTrue(e.getMessage().startsWith(file + ": checksum mismatch: the file is corrupt"), e.getMessage());
    }

    @Test
    void aTamperedStoredChecksumIsAMismatchToo() throws Exception {
        Path file = dir.resolve("ckpt.safetensors");
        CheckpointFiles.writeAtomically(file, weights(1), null);
        String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        int at = text.indexOf(CheckpointFiles.CHECKSUM_KEY + "\":\"") + CheckpointFiles.CHECKSUM_KEY.length() + 3;
        char c = text.charAt(at);
        String tampered = text.substring(0, at) + (c == '0' ? '1' : '0') + text.substring(at + 1);
        Files.write(file, tampered.getBytes(StandardCharsets.ISO_8859_1));
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointFiles.readVerified(file));
        assertTrue(e.problem().startsWith("checksum mismatch"), e.getMessage());
    }

    @Test
    void aMalformedStoredChecksumIsReported() throws Exception {
        Path file = dir.resolve("m.safetensors");
        Safetensors.write(file, weights(1), Map.of(CheckpointFiles.CHECKSUM_KEY, "not-hex"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointFiles.readVerified(file));
        assertTrue(e.problem().contains("not 64 lowercase hex digits"), e.getMessage());
    }

    @Test
    void filesWithoutAChecksumAreReadUnverified() throws Exception {
        Path file = dir.resolve("plain.safetensors");
        Safetensors.write(file, weights(2), null);
        assertArrayEquals(new float[] {2, 4, 6, 8}, CheckpointFiles.readVerified(file).tensor("w").toFloatArray());
    }

    @Test
    void theChecksumKeyIsReservedAndRejectedBeforeAnyFileIsCreated() throws IOException {
        Path file = dir.resolve("ckpt.safetensors");
        assertThrows(IllegalArgumentException.class, () -> CheckpointFiles.writeAtomically(file, weights(1),
                Map.of(CheckpointFiles.CHECKSUM_KEY, "x")));
        assertThrows(IllegalArgumentException.class, () -> CheckpointFiles.writeAtomically(file,
                Map.of("__metadata__", Tensor.vector(1f)), null));
        assertEquals(Set.of(), listing());
    }

    @Test
    void temporariesLeftByAKilledWriterAreRemovedAndNothingElse() throws IOException {
        Files.writeString(dir.resolve(".model-000010.safetensors.0123456789ab.tmp"), "half a checkpoint");
        Files.writeString(dir.resolve(".training-000010.safetensors.0123456789ab.tmp"), "other prefix");
        Files.writeString(dir.resolve(".model-000010.safetensors.notours.tmp"), "not a temporary of writeAtomically");
        CheckpointFiles.writeAtomically(dir.resolve("model-000010.safetensors"), weights(1), null);
        List<Path> deleted = CheckpointFiles.removeStaleTemporaries(dir, "model-");
        assertEquals(List.of(dir.resolve(".model-000010.safetensors.0123456789ab.tmp")), deleted);
        assertEquals(Set.of("model-000010.safetensors", ".training-000010.safetensors.0123456789ab.tmp",
                ".model-000010.safetensors.notours.tmp"), listing());
    }

    @Test
    void aSecondWriteReplacesTheFirst() throws IOException {
        Path file = dir.resolve("ckpt.safetensors");
        CheckpointFiles.writeAtomically(file, weights(1), null);
        CheckpointFiles.writeAtomically(file, weights(10), null);
        assertArrayEquals(new float[] {10, 20, 30, 40}, CheckpointFiles.readVerified(file).tensor("w").toFloatArray());
        assertEquals(Set.of("ckpt.safetensors"), listing());
    }

    @Test
    void aFailedWriteLeavesTheOldFileIntactAndNoTemporaryFile() throws IOException {
        Path file = dir.resolve("ckpt.safetensors");
        CheckpointFiles.writeAtomically(file, weights(1), null);
        byte[] before = Files.readAllBytes(file);
        Path[] seen = new Path[1];
        CheckpointFiles.beforeCommitHook = tmp -> {
            seen[0] = tmp;
            assertTrue(Files.size(tmp) > 0, "the new data is fully written before the failure");
            throw new IOException("simulated: no space left on device");
        };

        IOException e = assertThrows(IOException.class, () -> CheckpointFiles.writeAtomically(file, weights(10),
                null));
        assertEquals("simulated: no space left on device", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
        assertEquals(dir, seen[0].getParent(), "the temporary file lives beside the target (same file system)");
        assertFalse(Files.exists(seen[0]));
        assertEquals(Set.of("ckpt.safetensors"), listing());
    }

    @Test
    void anUncheckedFailureAlsoCleansUp() throws IOException {
        Path file = dir.resolve("ckpt.safetensors");
        CheckpointFiles.writeAtomically(file, weights(1), null);
        byte[] before = Files.readAllBytes(file);
        CheckpointFiles.beforeCommitHook = tmp -> {
            throw new IllegalStateException("simulated crash in a tensor's data access");
        };
        assertThrows(IllegalStateException.class, () -> CheckpointFiles.writeAtomically(file, weights(10), null));
        assertArrayEquals(before, Files.readAllBytes(file));
        assertEquals(Set.of("ckpt.safetensors"), listing());
    }

    @Test
    void aFailedRenameCleansUp() throws IOException {
        Path target = dir.resolve("occupied.safetensors");
        Files.createDirectory(target);
        Files.writeString(target.resolve("keep.txt"), "a non-empty directory cannot be replaced");
        assertThrows(IOException.class, () -> CheckpointFiles.writeAtomically(target, weights(1), null));
        assertEquals(Set.of("occupied.safetensors"), listing());
        assertTrue(Files.exists(target.resolve("keep.txt")));
    }

    @Test
    void fileNamePadsTheStepToSixDigits() {
        assertEquals("ckpt-000100.safetensors", CheckpointFiles.fileName("ckpt-", 100));
        assertEquals("ckpt-1234567.safetensors", CheckpointFiles.fileName("ckpt-", 1234567));
        assertThrows(IllegalArgumentException.class, () -> CheckpointFiles.fileName("ckpt-", -1));
    }

    @Test
    void keepLastDeletesOnlyOlderCheckpointsWithThePrefix() throws IOException {
        for (int step : new int[] {1, 2, 3, 10, 11}) {
            Files.write(dir.resolve(CheckpointFiles.fileName("ckpt-", step)), new byte[] {1});
        }
        Files.write(dir.resolve("ckpt-9.safetensors"), new byte[] {1}); // unpadded: numerically older than 10
        Files.write(dir.resolve("ckpt-12.safetensors"), new byte[] {1}); // the newest
        List<String> bystanders = List.of("other-000001.safetensors", "ckpt-latest.safetensors",
                "ckpt-000004.safetensors.tmp", ".ckpt-000005.safetensors.0a1b2c.tmp", "ckpt-000006.bin",
                "ckpt-.safetensors", "xckpt-000007.safetensors", "notes.txt");
        for (String name : bystanders) {
            Files.write(dir.resolve(name), new byte[] {2});
        }
        Files.createDirectory(dir.resolve("ckpt-000000.safetensors")); // a directory is never deleted

        List<Path> deleted = CheckpointFiles.keepLast(dir, "ckpt-", 3);

        assertEquals(List.of("ckpt-000001.safetensors", "ckpt-000002.safetensors", "ckpt-000003.safetensors",
                "ckpt-9.safetensors"), deleted.stream().map(p -> p.getFileName().toString()).toList());
        Set<String> expected = new TreeSet<>(bystanders);
        expected.addAll(List.of("ckpt-000010.safetensors", "ckpt-000011.safetensors", "ckpt-12.safetensors",
                "ckpt-000000.safetensors"));
        assertEquals(expected, listing());
    }

    @Test
    void keepLastWithFewerFilesThanKDeletesNothing() throws IOException {
        Files.write(dir.resolve("ckpt-000001.safetensors"), new byte[] {1});
        assertEquals(List.of(), CheckpointFiles.keepLast(dir, "ckpt-", 5));
        assertEquals(Set.of("ckpt-000001.safetensors"), listing());
    }

    @Test
    void keepLastTreatsThePrefixLiterally() throws IOException {
        Files.write(dir.resolve("run.1-000001.safetensors"), new byte[] {1});
        Files.write(dir.resolve("run.1-000002.safetensors"), new byte[] {1});
        Files.write(dir.resolve("runX1-000001.safetensors"), new byte[] {1}); // '.' is not a regex wildcard
        CheckpointFiles.keepLast(dir, "run.1-", 1);
        assertEquals(Set.of("run.1-000002.safetensors", "runX1-000001.safetensors"), listing());
    }

    @Test
    void keepLastRequiresKeepingAtLeastOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CheckpointFiles.keepLast(dir, "ckpt-", 0));
        assertTrue(e.getMessage().contains("k must be >= 1"), e.getMessage());
    }

    @Test
    void theChecksumIsTheSameAsAPlainWriteWouldHash() throws Exception {
        // The placeholder is patched in place: the data section (and every offset) equals a plain write's.
        Path atomic = dir.resolve("a.safetensors");
        Path plain = dir.resolve("p.safetensors");
        CheckpointFiles.writeAtomically(atomic, weights(3), null);
        Safetensors.write(plain, weights(3), null);
        byte[] a = Files.readAllBytes(atomic);
        byte[] p = Files.readAllBytes(plain);
        assertArrayEquals(Arrays.copyOfRange(p, p.length - 24, p.length), Arrays.copyOfRange(a, a.length - 24,
                a.length));
        assertEquals(dataSha256(p), dataSha256(a));
    }
}
