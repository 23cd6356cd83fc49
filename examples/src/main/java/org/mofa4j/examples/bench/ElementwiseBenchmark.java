package org.mofa4j.examples.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 * each in vector mode on 1 and N threads and in scalar mode on 1 thread. Every op allocates its result, as user
 * code does; the JVM's zeroing of that array is not counted in the bytes. Each case warms up, then repeats for a
 * time budget ({@link BenchTimer}); the rows give GB/s (10⁹ bytes per second) at the minimum and the median time.
 *
 * <p>The kernel thread count is fixed per JVM ({@code -Dmofa4j.threads}), so {@link #rows} measures each thread
 * count in a child JVM started with the same java binary and class path.
 *
 * <p>Usage: {@code ElementwiseBenchmark [--quick] [--threads N]}.
 */
public final class ElementwiseBenchmark {

    public static final int ELEMENTS = 1 << 22;

    private ElementwiseBenchmark() {}

    static BenchTimer.Budget budget(boolean quick) {
        return quick ? new BenchTimer.Budget(0.2, 0.4, 5, 200) : new BenchTimer.Budget(0.6, 1.5, 5, 400);
    }

    /** The six rows: {add, exp} × {vector/1 thread, vector/N threads, scalar/1 thread}, from child JVMs. */
    public static List<BenchRow> rows(int threads, boolean quick) throws IOException, InterruptedException {
        List<BenchRow> rows = new ArrayList<>();
        rows.addAll(inChildJvm(1, quick, "vector", "scalar"));
        if (threads > 1) {
            rows.addAll(inChildJvm(threads, quick, "vector"));
        }
        rows.sort(Comparator.comparing(BenchRow::group).thenComparing(BenchRow::impl).thenComparing(BenchRow::threads));
        return rows;
    }

    /** Measures add and exp in this JVM, at its kernel thread count, in each given mode. */
    public static List<BenchRow> measureHere(boolean quick, Mode... modes) {
        Random rnd = new Random(42);
        Tensor a = random(rnd, -1, 1);
        Tensor b = random(rnd, -1, 1);
        Tensor x = random(rnd, -10, 10);
        List<BenchRow> rows = new ArrayList<>();
        for (Mode mode : modes) {
            try (KernelMode.Restore r = KernelMode.override(mode)) {
                warmUpSmall();
                String impl = "mofa4j-" + mode.name().toLowerCase(Locale.ROOT);
                rows.add(time("add", impl, 3.0 * 4 * ELEMENTS / 1e9, () -> a.add(b), quick));
                rows.add(time("exp", impl, 2.0 * 4 * ELEMENTS / 1e9, x::exp, quick));
            }
        }
        return rows;
    }

    /**
     * Calls the kernels many times on a small tensor first, so that C2 compiles them as whole methods; a first call
     * on 2²² elements would run the loop in an OSR compilation, where Vector API values may stay boxed.
     */
    private static void warmUpSmall() {
        Tensor s = Tensor.ones(4096);
        long deadline = System.nanoTime() + 500_000_000L;
        for (int i = 0; i < 20_000 && System.nanoTime() < deadline; i++) {
            sink += s.add(s).numel() + s.exp().numel();
        }
    }

    private static Tensor random(Random rnd, float lo, float hi) {
        float[] v = new float[ELEMENTS];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + (hi - lo) * rnd.nextFloat();
        }
        return Tensor.wrap(v, ELEMENTS);
    }

    private static volatile long sink; // keeps the results observable so the ops cannot be dropped

    private static BenchRow time(String op, String impl, double gigabytes, Supplier<Tensor> f, boolean quick) {
        double[] t = BenchTimer.measure(() -> sink += f.get().numel(), budget(quick));
        return new BenchRow(op, "n=" + ELEMENTS, impl, KernelMode.threads(), t.length, t[0], BenchTimer.median(t),
                gigabytes, "GB/s");
    }

    /** Runs this class with {@code --child} in a new JVM with {@code -Dmofa4j.threads=threads}; parses its rows. */
    private static List<BenchRow> inChildJvm(int threads, boolean quick, String... modes)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--child", quick ? "quick" : "full"));
        args.addAll(List.of(modes));
        List<String> cmd = ChildProcess.javaCommand(threads, ElementwiseBenchmark.class, args);
        ChildProcess.Output out = ChildProcess.run(cmd, Map.of(), "ROW", 600);
        if (!out.ok()) {
            throw new IOException("ElementwiseBenchmark: child JVM " + cmd + " failed (exit " + out.exitCode() + "):\n"
                    + out.all());
        }
        return out.tagged().stream().map(BenchRow::fromLine).toList();
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length >= 2 && args[0].equals("--child")) {
            Mode[] modes = Arrays.stream(args, 2, args.length)
                    .map(s -> Mode.valueOf(s.toUpperCase(Locale.ROOT))).toArray(Mode[]::new);
            for (BenchRow r : measureHere(args[1].equals("quick"), modes)) {
                System.out.println(r.toLine());
            }
            return;
        }
        boolean quick = false;
        int threads = 2;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("ElementwiseBenchmark: unknown argument '" + args[i]
                        + "'; use --quick, --threads N");
            }
        }
        System.out.println(KernelMode.describe());
        System.out.println(BenchRow.tableHeader());
        for (BenchRow r : rows(threads, quick)) {
            System.out.println(r.toTableLine());
        }
    }
}
