package org.mofa4j.examples.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.mofa4j.tensor.kernels.KernelMode;

/**
 * Starts the measuring processes of the benchmarks: a child JVM per kernel thread count (the count is fixed per
 * JVM by {@code -Dmofa4j.threads}), and the Python peer. Output lines are read back; the lines a caller wants
 * start with a tag such as {@code ROW}, the rest is kept for the error message when the child fails. The reliability
 * tests use {@link #javaCommand} too, to kill and interrupt training runs.
 */
public final class ChildProcess {
    /** The heap every measuring child JVM gets, so that runs are comparable across machines. */
    static final String CHILD_HEAP = "-Xmx2g";

    /**
     * The collector of children that measure heap: serial, so that {@code System.gc()} is exactly one full,
     * stop-the-world collection and the heap used right after it is the live heap (see {@link PeakHeapProbe}),
     * compacting fully every time. By default ({@code MarkSweepDeadRatio=5}, {@code MarkSweepAlwaysCompactCount=4})
     * three full collections in four leave up to 5% of the old generation as dead objects that are cheaper to keep
     * than to move, and that "dark matter" counts as used: it made readings of the same point of a step differ by up
     * to 4.6 MiB from one step to the next.
     */
    public static final List<String> MEASURING_GC = List.of("-XX:+UseSerialGC", "-XX:MarkSweepDeadRatio=0");

    private ChildProcess() {
    }

    /**
     * {@code java ... -Dmofa4j.threads=threads -cp <this class path> main args...}: the same java binary and class
     * path as this JVM, the Vector API module, a fixed heap, and this JVM's {@code -Dmofa4j.kernels} if set.
     */
    public static List<String> javaCommand(int threads, Class<?> main, List<String> args) {
        return javaCommand(threads, List.of(), main, args);
    }

    /** {@link #javaCommand(int, Class, List)} with another heap flag, e.g. {@code -Xmx8g} for a 124M-parameter model. */
    public static List<String> javaCommand(int threads, String heapFlag, Class<?> main, List<String> args) {
        return javaCommand(threads, List.of(heapFlag), main, args);
    }

    /**
     * {@link #javaCommand(int, Class, List)} with extra JVM options (e.g. {@link #MEASURING_GC}) before the class;
     * an {@code -Xmx} among them replaces the default heap, since the JVM takes the last one.
     */
    public static List<String> javaCommand(int threads, List<String> jvmOptions, Class<?> main, List<String> args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-Xss4m",
                CHILD_HEAP, "-D" + KernelMode.THREADS_PROPERTY + "=" + threads));
        cmd.addAll(jvmOptions);
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-D" + KernelMode.MODE_PROPERTY + "=")) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(args);
        return cmd;
    }

    /** What a finished child printed: its exit code, the lines with the wanted tag, and everything it said. */
    public record Output(int exitCode, List<String> tagged, String all) {
        public boolean ok() {
            return exitCode == 0 && !tagged.isEmpty();
        }

        /** The last few lines of the output, for error messages. */
        public String tail(int lines) {
            String[] l = all.strip().split("\n");
            return String.join("\n", java.util.Arrays.copyOfRange(l, Math.max(0, l.length - lines), l.length));
        }
    }

    /**
     * Runs {@code cmd} with extra environment variables, stdout and stderr merged, and collects the lines that
     * start with {@code tag + '\t'}. Lines starting with {@code "PROGRESS\t"} are echoed to this process's stderr.
     * A child still running after {@code timeoutSeconds} is destroyed (exit code -1).
     */
    public static Output run(List<String> cmd, Map<String, String> env, String tag, long timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        List<String> tagged = new ArrayList<>();
        StringBuilder all = new StringBuilder();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    synchronized (all) {
                        all.append(line).append('\n');
                        if (line.startsWith(tag + "\t")) {
                            tagged.add(line);
                        }
                    }
                    if (line.startsWith("PROGRESS\t")) {
                        System.err.println("  " + line.substring("PROGRESS\t".length()));
                    }
                }
            } catch (IOException e) {
                synchronized (all) {
                    all.append("(reading the child's output failed: ").append(e.getMessage()).append(")\n");
                }
            }
        });
        int code;
        if (p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            code = p.exitValue();
        } else {
            p.destroyForcibly().waitFor();
            code = -1;
        }
        reader.join(5_000);
        synchronized (all) {
            if (code == -1) {
                all.append("(killed after ").append(timeoutSeconds).append(" s)\n");
            }
            return new Output(code, List.copyOf(tagged), all.toString());
        }
    }
}
