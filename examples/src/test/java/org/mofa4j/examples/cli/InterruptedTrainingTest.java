package org.mofa4j.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mofa4j.examples.Main;
import org.mofa4j.examples.bench.ChildProcess;
import org.mofa4j.nn.io.CheckpointFiles;
import org.mofa4j.nn.io.Safetensors;
import org.mofa4j.nn.train.TrainingCheckpoint;
import org.mofa4j.tensor.Tensor;

/**
 * Interrupted training in a child JVM: SIGKILL at a random moment after a checkpoint, then {@code --resume}, ends
 * with the same weights and per-step losses, bit for bit, as an uninterrupted run; SIGINT writes a checkpoint of
 * the step in progress and exits with status 130. A tiny model (1 layer, width 16) keeps each child to seconds.
 */
class InterruptedTrainingTest {
    private static final int STEPS = 100;
    private static final Pattern STEP_LINE = Pattern.compile("\"type\":\"step\",\"step\":(\\d+),\"loss\":([^,]+),");
    private static final long SEED = Long.getLong("mofa4j.test.killSeed", System.nanoTime());

    @TempDir
    static Path work;
    private static Path reference;

    private static List<String> trainArgs(Path out, int checkpointEvery, boolean resume) {
        List<String> args = new ArrayList<>(List.of("train", "--layers", "1", "--heads", "2", "--width", "16",
                "--context", "16", "--batch", "2", "--dropout", "0.1", "--steps", Integer.toString(STEPS),
                "--warmup", "10", "--eval-every", "0", "--sample-tokens", "0", "--no-plot", "--seed", "5", "--keep", "2",
                "--checkpoint-every", Integer.toString(checkpointEvery), "--out", out.toString()));
        if (resume) {
            args.add("--resume");
        }
        return args;
    }

    /** The child JVM's command; SIGINT is reset to its default action in case this JVM inherited it ignored. */
    private static List<String> command(List<String> args) {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/env")) && run(List.of("/usr/bin/env", "--default-signal=INT",
                "true")) == 0) {
            cmd.addAll(List.of("/usr/bin/env", "--default-signal=INT"));
        }
        cmd.addAll(ChildProcess.javaCommand(1, Main.class, args));
        return cmd;
    }

    private static int run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    private static Process start(List<String> args, Path log) throws IOException {
        return new ProcessBuilder(command(args)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void finish(Process p, Path log, int expectedExit) throws Exception {
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child did not finish: " + Files.readString(log));
        assertEquals(expectedExit, p.exitValue(), "exit status; output:\n" + Files.readString(log));
    }

    @BeforeAll
    static void uninterruptedRun() throws Exception {
        reference = work.resolve("reference");
        Path log = work.resolve("reference.log");
        finish(start(trainArgs(reference, 50, false), log), log, 0);
    }

    /** Polls until {@code dir} holds a complete checkpoint newer than {@code afterStep}; returns its step. */
    private static long awaitCheckpoint(Path dir, long afterStep, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Path newest = TrainingCheckpoint.latestModelFile(dir);
            if (newest != null) {
                long step = stepOf(newest);
                if (step > afterStep) {
                    return step;
                }
            }
            assertTrue(p.isAlive(), "child exited before a checkpoint: " + Files.readString(log));
            Thread.sleep(5);
        }
        throw new AssertionError("no checkpoint after step " + afterStep + ": " + Files.readString(log));
    }

    private static long stepOf(Path modelFile) {
        String name = modelFile.getFileName().toString();
        return Long.parseLong(name.substring(TrainingCheckpoint.MODEL_PREFIX.length(), name.indexOf('.')));
    }

    /** Step → loss, the last line per step winning (a resumed run appends the steps after its checkpoint again). */
    private static Map<Integer, String> losses(Path dir) throws IOException {
        Map<Integer, String> out = new TreeMap<>();
        for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
            Matcher m = STEP_LINE.matcher(line); // a line cut by SIGKILL may run into the next one: find them all
            while (m.find()) {
                out.put(Integer.parseInt(m.group(1)), m.group(2));
            }
        }
        return out;
    }

    private static void assertSameFinalWeights(Path dir) throws IOException {
        String last = CheckpointFiles.fileName(TrainingCheckpoint.MODEL_PREFIX, STEPS);
        Map<String, Tensor> expected = Safetensors.read(reference.resolve(last)).tensors();
        Map<String, Tensor> actual = CheckpointFiles.readVerified(dir.resolve(last)).tensors();
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name).toFloatArray(), actual.get(name).toFloatArray(), name);
        }
        assertEquals(losses(reference), losses(dir), "per-step losses");
    }

    @Test
    void killedTwiceAtRandomMomentsThenResumedEndsBitIdenticalToAnUninterruptedRun() throws Exception {
        Random random = new Random(SEED);
        Path dir = work.resolve("killed");
        long lastCheckpoint = 0;
        for (int kill = 1; kill <= 2; kill++) {
            Path log = work.resolve("killed-" + kill + ".log");
            Process p = start(trainArgs(dir, 5, kill > 1), log);
            lastCheckpoint = awaitCheckpoint(dir, lastCheckpoint, p, log);
            long seen = lastCheckpoint;
            int delay = random.nextInt(60);
            Thread.sleep(delay); // a random moment: mid-step, mid-write or between them
            p.destroyForcibly(); // SIGKILL on Unix: no hook runs
            p.waitFor(30, TimeUnit.SECONDS);
            assertTrue(p.exitValue() != 0, "kill " + kill + " (seed " + SEED + ") came after the run ended; output: "
                    + Files.readString(log));
            lastCheckpoint = stepOf(TrainingCheckpoint.latestModelFile(dir));
            System.out.printf("SIGKILL %d (seed %d): %d ms after checkpoint %d appeared; newest complete checkpoint "
                    + "%d, %d steps logged%n", kill, SEED, delay, seen, lastCheckpoint, losses(dir).size());
        }
        Path log = work.resolve("killed-resume.log");
        finish(start(trainArgs(dir, 5, true), log), log, 0);
        assertTrue(Files.readString(log).contains("resumed from"), Files.readString(log));
        assertSameFinalWeights(dir);
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(f -> f.toString().endsWith(".tmp")).toList(),
                    "temporaries of a write cut by SIGKILL are cleaned up by the resumed run");
        }
    }

    @Test
    void sigintWritesACheckpointOfTheStepInProgressAndResumingFinishesTheSameRun() throws Exception {
        Path dir = work.resolve("interrupted");
        Path log = work.resolve("interrupted.log");
        Process p = start(trainArgs(dir, 1000, false), log); // no periodic checkpoint before the end
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(dir.resolve("metrics.jsonl")) && losses(dir).size() >= 10)) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "child: " + Files.readString(log));
            Thread.sleep(5);
        }
        assertEquals(0, run(List.of("kill", "-INT", Long.toString(p.pid()))));
        finish(p, log, StopOnSignal.EXIT_CODE);
        String output = Files.readString(log);
        assertTrue(output.contains("interrupted"), output);
        Path saved = TrainingCheckpoint.latestModelFile(dir);
        assertTrue(saved != null, "no checkpoint after SIGINT: " + output);
        long step = stepOf(saved);
        assertTrue(step >= 10 && step < STEPS, "checkpoint step " + step);
        assertEquals(step, losses(dir).size(), "the checkpoint is of the last completed step");

        Path resumeLog = work.resolve("interrupted-resume.log");
        finish(start(trainArgs(dir, 1000, true), resumeLog), resumeLog, 0);
        assertSameFinalWeights(dir);
    }
}
