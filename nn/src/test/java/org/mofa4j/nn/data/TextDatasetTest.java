package org.mofa4j.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a corpus file, tokenizing it, and the nanoGPT train/validation split. */
class TextDatasetTest {
    @TempDir
    Path dir;

    private static void assertMessageContains(Throwable e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message \"" + e.getMessage() + "\" should contain \""
                    + part + "\"");
        }
    }

    @Test
    void readsAUtf8File() throws IOException {
        Path f = dir.resolve("poem.txt");
        Files.writeString(f, "Tyger Tyger, burning bright,\nIn the forests of the night; — é😀\n");
        assertEquals(Files.readString(f), TextDataset.readText(f));
    }

    @Test
    void leadingByteOrderMarkIsDropped() throws IOException {
        Path f = dir.resolve("bom.txt");
        Files.write(f, new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'h', 'i'});
        assertEquals("hi", TextDataset.readText(f));
    }

    @Test
    void missingFileIsNamed() {
        Path f = dir.resolve("no-such-corpus.txt");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextDataset.readText(f));
        assertMessageContains(e, "no such file", f.toAbsolutePath().toString());
    }

    @Test
    void directoryIsNotAFile() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextDataset.readText(dir));
        assertMessageContains(e, "not a regular file", dir.toAbsolutePath().toString());
    }

    @Test
    void unreadableFileIsNamed() throws IOException {
        Path f = Files.writeString(dir.resolve("secret.txt"), "text");
        assumeTrue(f.toFile().setReadable(false, false) && !Files.isReadable(f),
                "cannot make a file unreadable here (running as root?)");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> TextDataset.readText(f));
        assertMessageContains(e, "cannot read", f.toAbsolutePath().toString());
    }

    @Test
    void emptyFileIsNamed() throws IOException {
        Path f = Files.createFile(dir.resolve("empty.txt"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextDataset.readText(f));
        assertMessageContains(e, "file is empty", f.toAbsolutePath().toString());
    }

    @Test
    void invalidUtf8IsNamedWithItsOffset() throws IOException {
        Path f = dir.resolve("latin1.txt");
        Files.write(f, "caf\u00e9 au lait".getBytes(StandardCharsets.ISO_8859_1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextDataset.readText(f));
        assertMessageContains(e, f.toAbsolutePath().toString(), "not valid UTF-8", "near byte 3");
    }

    @Test
    void fromFileTokenizesTheWholeText() throws IOException {
        Path f = dir.resolve("c.txt");
        Files.writeString(f, "hello\nworld\n");
        TextDataset ds = TextDataset.fromFile(f, ByteTokenizer.INSTANCE);
        assertArrayEquals(ByteTokenizer.INSTANCE.encode("hello\nworld\n"), ds.tokens().toArray());
        assertEquals("c.txt", ds.source());
        assertEquals(ByteTokenizer.INSTANCE, ds.tokenizer());
    }

    @Test
    void emptyTextIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TextDataset.fromText("", ByteTokenizer.INSTANCE, "nothing"));
        assertMessageContains(e, "nothing is empty");
    }

    @Test
    void defaultSplitIsNinetyTenWithTrainFirst() {
        TextDataset ds = TextDataset.fromText("0123456789".repeat(10) + "x", ByteTokenizer.INSTANCE, "digits");
        TextDataset.Split split = ds.split();
        assertEquals(101, ds.tokens().size());
        assertEquals(90, split.train().size()); // floor(101 * 0.9) = 90, as nanoGPT's int(n * 0.9)
        assertEquals(11, split.validation().size());
        int[] all = ds.tokens().toArray();
        assertEquals(all[0], split.train().get(0));
        assertEquals(all[89], split.train().get(89));
        assertEquals(all[90], split.validation().get(0));
        assertEquals('x', split.validation().get(10));
        assertEquals("train split of digits", split.train().name());
        assertEquals("validation split of digits", split.validation().name());
    }

    @Test
    void customFractionsAndTheirLimits() {
        TextDataset ds = TextDataset.fromText("a".repeat(1000), ByteTokenizer.INSTANCE, "a");
        assertEquals(500, ds.split(0.5).train().size());
        assertEquals(1000, ds.split(1.0).train().size());
        assertEquals(0, ds.split(1.0).validation().size());
        assertEquals(1, ds.split(0.001).train().size());
        for (double bad : new double[] {0, -0.1, 1.01, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ds.split(bad));
            assertMessageContains(e, "trainFraction must be in (0, 1]");
        }
    }

    @Test
    void corpusShorterThanContextPlusOneNamesBothNumbers() {
        TextDataset ds = TextDataset.fromText("abcdefghij", ByteTokenizer.INSTANCE, "tiny.txt");
        ds.requireWindow(9);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ds.requireWindow(10));
        assertEquals("tiny.txt has 10 tokens, fewer than the context length + 1 = 11 needed for one training window",
                e.getMessage());
    }

    @Test
    void builtInCorpusMakesADataset() {
        TextDataset ds = TextDataset.builtIn(ByteTokenizer.INSTANCE);
        assertEquals(BuiltInCorpus.NAME, ds.source());
        assertEquals(BuiltInCorpus.text().getBytes(StandardCharsets.UTF_8).length, ds.tokens().size());
        ds.requireWindow(1024);
    }
}
