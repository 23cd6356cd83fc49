package org.mofa4j.examples.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;
import org.mofa4j.tensor.Tensor;
import org.mofa4j.tensor.kernels.KernelMode;
import org.mofa4j.tensor.kernels.KernelMode.Mode;

/**
 * Memory throughput of elementwise f32 ops through the public Tensor API, n = 2²² contiguous elements:
 * <pre>
 *   add:  c = a + b   bytes = 3·4·n  (read a, b; write c)
 *   exp:  c = exp(a)  bytes = 2·4·n  (read a; write c)
 * </pre>
 * each in vector mode on 1 and 2 threads and in scalar mode on 1 thread. Every op allocates its result, as user
 * code does; the JVM's zeroing of that array is not counted in the bytes. Each case warms up, then repeats for a
 * fixed time; GB/s (10⁹ bytes per second) is reported at the minimum and at the median time.
 *
 * <p>The kernel thread count is fixed per JVM ({@code -Dmofa4j.threads}), so {@link #run()} measures each thread
 * count in a child JVM started with the same java binary and class path.
 */
public final class ElementwiseBenchmark {

    /** One measured case: GB/s at the fastest and at the median repetition. */
    public record Result(String name, int elements, double gbPerSecBest, double gbPerSecMedian, int repetitions) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-22s n=%-8d %7.2f GB/s best  %7.2f GB/s median  (%d reps)",
                    name, elements, gbPerSecBest, gbPerSecMedian, repetitions);
        }
    }

    public static final int ELEMENTS = 1 << 22;
    private static final double WARMUP_SECONDS = 0.6;
    private static final double MEASURE_SECONDS = 1.5;
    private static final int MAX_REPS = 400;

    private ElementwiseBenchmark() {}

    /** The six rows: {add, exp} × {vector/1 thread, vector/2 threads, scalar/1 thread}. */
    public static List<Result> run() throws IOException, InterruptedException {
        List<Result> rows = new ArrayList<>();
        rows.addAll(inChildJvm(1, "vector", "scalar"));
        rows.addAll(inChildJvm(2, "vector"));
        rows.sort((x, y) -> x.name().compareTo(y.name()));
        return rows;
    }

    /** Measures add and exp in this JVM, at its kernel thread count, in each given mode. */
    public static List<Result> measureHere(Mode... modes) {
        Random rnd = new Random(42);
        Tensor a = random(rnd, -1, 1);
        Tensor b = random(rnd, -1, 1);
        Tensor x = random(rnd, -10, 10);
        String t = KernelMode.threads() + "t";
        List<Result> rows = new ArrayList<>();
        for (Mode mode : modes) {
            try (KernelMode.Restore r = KernelMode.override(mode)) {
                String m = mode.name().toLowerCase(Locale.ROOT);
                rows.add(time("add " + m + "/" + t, 3L * 4 * ELEMENTS, () -> a.add(b)));
                rows.add(time("exp " + m + "/" + t, 2L * 4 * ELEMENTS, x::exp));
            }
        }
        return rows;
    }

    private static Tensor random(Random rnd, float lo, float hi) {
        float[] v = new float[ELEMENTS];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + (hi - lo) * rnd.nextFloat();
        }
        return Tensor.wrap(v, ELEMENTS);
    }

    private static Result time(String name, long bytes, Supplier<Tensor> op) {
        long sink = 0;
        long warmEnd = System.nanoTime() + (long) (WARMUP_SECONDS * 1e9);
        while (System.nanoTime() < warmEnd) {
            sink += op.get().numel();
        }
        long[] times = new long[MAX_REPS];
        int reps = 0;
        long end = System.nanoTime() + (long) (MEASURE_SECONDS * 1e9);
        while (reps < MAX_REPS && (reps < 5 || System.nanoTime() < end)) {
            long t0 = System.nanoTime();
            sink += op.get().numel();
            times[reps++] = System.nanoTime() - t0;
        }
        if (sink == 42) {
            System.out.print(""); // keeps the results alive
        }
        long[] sorted = Arrays.copyOf(times, reps);
        Arrays.sort(sorted);
        return new Result(name, ELEMENTS, bytes / (double) sorted[0], bytes / (double) sorted[reps / 2], reps);
    }

    /** Runs this class with {@code --child} in a new JVM with {@code -Dmofa4j.threads=threads}; parses its rows. */
    private static List<Result> inChildJvm(int threads, String... modes) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-Xmx3g",
                "-D" + KernelMode.THREADS_PROPERTY + "=" + threads, "-cp", System.getProperty("java.class.path"),
                ElementwiseBenchmark.class.getName(), "--child"));
        cmd.addAll(List.of(modes));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<Result> rows = new ArrayList<>();
        StringBuilder output = new StringBuilder();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                output.append(line).append('\n');
                if (line.startsWith("ROW\t")) {
                    String[] f = line.split("\t");
                    rows.add(new Result(f[1], Integer.parseInt(f[2]), Double.parseDouble(f[3]), Double.parseDouble(f[4]),
                            Integer.parseInt(f[5])));
                }
            }
        }
        if (p.waitFor() != 0 || rows.isEmpty()) {
            throw new IOException("ElementwiseBenchmark: child JVM " + cmd + " failed:\n" + output);
        }
        return rows;
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length > 0 && args[0].equals("--child")) {
            Mode[] modes = Arrays.stream(args, 1, args.length)
                    .map(s -> Mode.valueOf(s.toUpperCase(Locale.ROOT))).toArray(Mode[]::new);
            for (Result r : measureHere(modes)) {
                System.out.println("ROW\t" + r.name() + "\t" + r.elements() + "\t" + r.gbPerSecBest() + "\t"
                        + r.gbPerSecMedian() + "\t" + r.repetitions());
            }
            return;
        }
        System.out.println(KernelMode.describe());
        for (Result r : run()) {
            System.out.println(r);
        }
    }
}
