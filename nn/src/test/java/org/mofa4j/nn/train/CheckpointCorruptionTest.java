package org.mofa4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.data.CharTokenizer;
import org.mofa4j.nn.data.TokenStream;
import org.mofa4j.nn.data.Tokenizer;
import org.mofa4j.nn.io.CheckpointException;
import org.mofa4j.optim.AdamW;

/**
 * Every way a checkpoint can be damaged is refused on resume with a message naming the file and the problem, and the
 * refusal changes nothing on disk. The run directory holds a real 4-step run (checkpoints at steps 2 and 4); each test
 * damages the newest files, copies the bytes it then expects to find, and resumes.
 */
class CheckpointCorruptionTest {
    private static final String TEXT = "all that glitters is not gold; often have you heard that told. ".repeat(20);
    private static final Tokenizer TOK = CharTokenizer.fromCorpus(TEXT);
    private static final GptConfig CFG = new GptConfig(1, 2, 16, 8, TOK.vocabSize(), 0.0);
    private static final String QKV = "blocks.0.attn.qkv.weight";

    @TempDir
    Path dir;
    private Path model;
    private Path training;

    private static Trainer trainer(Gpt gpt) {
        TokenStream all = TokenStream.of("verse", TOK.encode(TEXT));
        AdamW opt = new AdamW(gpt.trainableParameters(), AdamW.Config.defaults(1e-3));
        return new Trainer(gpt, opt, all.slice(0, 900, "train"), all.slice(900, all.size(), "val"),
                new TrainConfig(4, 2, 8, 1, 0, 0.1, 1.0, 0, 1, 2, 3), 1e-3);
    }

    @BeforeEach
    void trainFourSteps() {
        trainer(new Gpt(CFG, 1)).onCheckpoint(t -> TrainingCheckpoint.save(dir, t, TOK, 5)).run();
        model = dir.resolve("model-000004.safetensors");
        training = dir.resolve("training-000004.safetensors");
    }

    /** What --resume does: the newest complete checkpoint's weights, then its optimizer state and step. */
    private void resume() {
        TrainingCheckpoint.Loaded loaded = TrainingCheckpoint.loadModel(dir);
        TrainingCheckpoint.restoreTraining(dir, loaded.step(), trainer(loaded.model()));
    }

    private Map<String, byte[]> snapshot() throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                files.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }

    /** Resumes expecting a refusal naming {@code file} and every fragment; asserts no file changed or appeared. */
    private void assertRefused(Path file, String... fragments) throws IOException {
        Map<String, byte[]> before = snapshot();
        CheckpointException e = assertThrows(CheckpointException.class, this::resume);
        assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "expected '" + f + "' in: " + e.getMessage());
        }
        Map<String, byte[]> after = snapshot();
        assertEquals(before.keySet(), after.keySet(), "files appeared or vanished");
        for (String name : before.keySet()) {
            assertArrayEquals(before.get(name), after.get(name), name + " was modified");
        }
    }

    /** A safetensors file split into its header text and its data section. */
    private record Parts(String header, byte[] data) {
        static Parts of(Path file) throws IOException {
            byte[] b = Files.readAllBytes(file);
            int n = (int) ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            return new Parts(new String(b, 8, n, StandardCharsets.UTF_8), Arrays.copyOfRange(b, 8 + n, b.length));
        }

        void writeTo(Path file) throws IOException {
            byte[] h = header.getBytes(StandardCharsets.UTF_8);
            ByteBuffer out = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
            Files.write(file, out.putLong(h.length).put(h).put(data).array());
        }

        /** The header with {@code regex}'s first match replaced (the match must exist). */
        Parts replace(String regex, String replacement) {
            Matcher m = Pattern.compile(regex).matcher(header);
            assertTrue(m.find(), "no " + regex + " in " + header);
            return new Parts(m.replaceFirst(replacement), data);
        }
    }

    /** begin and end of tensor {@code name}'s data_offsets. */
    private static long[] span(Parts p, String name) {
        Matcher m = Pattern.compile(Pattern.quote("\"" + name + "\"") + ":\\{[^}]*\"data_offsets\":\\[(\\d+),(\\d+)]")
                .matcher(p.header());
        assertTrue(m.find(), name);
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    private static String offsetsOf(String name) {
        return "(" + Pattern.quote("\"" + name + "\"") + ":\\{[^}]*\"data_offsets\":)\\[\\d+,\\d+]";
    }

    @Test
    void theUndamagedRunResumes() {
        resume();
    }

    @Test
    void truncatedFile() throws IOException {
        byte[] b = Files.readAllBytes(model);
        Files.write(model, Arrays.copyOf(b, b.length - 100));
        assertRefused(model, "outside the data section", "truncated");
    }

    @Test
    void corruptedDataByte() throws IOException {
        byte[] b = Files.readAllBytes(model);
        b[b.length - 200] ^= 0x10;
        Files.write(model, b);
        assertRefused(model, "checksum mismatch", "corrupt");
    }

    @Test
    void corruptedOptimizerState() throws IOException {
        byte[] b = Files.readAllBytes(training);
        b[b.length - 7] ^= 0x01;
        Files.write(training, b);
        assertRefused(training, "checksum mismatch");
    }

    @Test
    void wrongModelConfigInTheMetadata() throws IOException {
        // the stored config says width 32 while the tensors are width 16
        Parts.of(model).replace("\"mofa4j.config\":\"1,2,16,", "\"mofa4j.config\":\"1,2,32,").writeTo(model);
        assertRefused(model, "does not match its stored config", "width=32");
    }

    @Test
    void wrongTensorShape() throws IOException {
        // [48, 16] stored as [16, 48]: same byte count, so only the shape check can catch it
        Parts.of(model).replace("(\"" + Pattern.quote(QKV) + "\":\\{\"dtype\":\"F32\",\"shape\":)\\[48,16]", "$1[16,48]")
                .writeTo(model);
        assertRefused(model, QKV, "[16, 48]", "[48, 16]");
    }

    @Test
    void wrongOptimizerStateShape() throws IOException {
        Parts.of(training).replace("(\"" + Pattern.quote(QKV) + "\\.[a-z_]+\":\\{\"dtype\":\"F32\",\"shape\":)\\[48,16]",
                "$1[16,48]").writeTo(training);
        assertRefused(training, "optimizer state does not fit", QKV);
    }

    @Test
    void unknownDtype() throws IOException {
        Parts.of(model).replace("(\"" + Pattern.quote(QKV) + "\":\\{\"dtype\":)\"F32\"", "$1\"F31\"").writeTo(model);
        assertRefused(model, "unknown dtype \"F31\"", QKV);
    }

    @Test
    void overlappingSpans() throws IOException {
        Parts p = Parts.of(model);
        long[] s = span(p, QKV);
        p.replace(offsetsOf(QKV), "$1[" + (s[0] - 4) + "," + (s[1] - 4) + "]").writeTo(model);
        assertRefused(model, "overlap", QKV);
    }

    @Test
    void outOfRangeSpan() throws IOException {
        Parts p = Parts.of(model);
        long end = p.data().length;
        String last = lastTensor(p);
        long[] s = span(p, last);
        assertEquals(end, s[1]);
        p.replace(offsetsOf(last), "$1[" + (s[0] + 8) + "," + (s[1] + 8) + "]").writeTo(model);
        assertRefused(model, "outside the data section", last);
    }

    private static String lastTensor(Parts p) {
        Matcher m = Pattern.compile("\"([^\"]+)\":\\{\"dtype\":\"[A-Z0-9]+\",\"shape\":\\[[0-9,]*],\"data_offsets\":\\[\\d+,"
                + p.data().length + "]").matcher(p.header());
        assertTrue(m.find(), "no tensor ends at the end of the data section");
        return m.group(1);
    }

    @Test
    void headerLargerThanTheFile() throws IOException {
        byte[] b = Files.readAllBytes(model);
        ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(b.length + 1000L);
        Files.write(model, b);
        assertRefused(model, "header length " + (b.length + 1000L), "larger than the");
    }

    @Test
    void aModelFileWithoutItsTrainingFileIsNotResumedFrom() throws IOException {
        Files.delete(training);
        Map<String, byte[]> before = snapshot();
        resume(); // falls back to the newest complete pair, step 2
        assertEquals(2, TrainingCheckpoint.loadModel(dir).step());
        assertEquals(before.keySet(), snapshot().keySet());
    }

    @Test
    void theRefusalPointsToTheOlderCheckpoint() throws IOException {
        byte[] b = Files.readAllBytes(model);
        b[b.length - 1] ^= 0x01;
        Files.write(model, b);
        assertRefused(model, "model-000002.safetensors");
    }
}
