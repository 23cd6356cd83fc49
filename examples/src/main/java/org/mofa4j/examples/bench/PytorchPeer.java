package org.mofa4j.examples.bench;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs {@code gpt_step_peer.py}, the PyTorch twin of {@link GptStepBenchmark}, and reads its result.
 *
 * <p>The peer runs only where {@code import torch} works in the given Python (Debian's torch is seen by
 * {@code /usr/bin/python3}, not by a pyenv python on PATH). Its thread count is fixed in its environment:
 * {@code OPENBLAS_NUM_THREADS} and {@code OMP_NUM_THREADS} (OpenBLAS ignores {@code torch.set_num_threads}),
 * plus {@code torch.set_num_threads} in the script. Where it cannot run, {@link Outcome} says why and the rest
 * of the benchmark goes on.
 */
public final class PytorchPeer {
    public static final String DEFAULT_PYTHON = "/usr/bin/python3";
    /** Overrides where the script is looked for. */
    public static final String SCRIPT_PROPERTY = "mofa4j.peerScript";
    static final String SCRIPT_NAME = "gpt_step_peer.py";
    private static final String INSTALL_HINT = "install with: apt-get install -y --no-install-recommends"
            + " python3-torch python3-numpy libopenblas0-pthread";

    private PytorchPeer() {
    }

    /** The peer's result, or why there is none. */
    public record Outcome(GptStepBenchmark.StepResult result, String unavailableReason) {
        public boolean available() {
            return result != null;
        }

        static Outcome unavailable(String reason) {
            return new Outcome(null, reason);
        }
    }

    /**
     * Measures the peer with {@code threads} threads on the same settings as the Java side.
     *
     * @param script the peer script, or null to look for it ({@link #findScript()})
     */
    public static Outcome run(String python, Path script, int threads, GptStepBenchmark.Settings s)
            throws InterruptedException {
        return run(python, script, threads, s, List.of());
    }

    /** {@link #run(String, Path, int, GptStepBenchmark.Settings)} with more peer arguments (e.g. --positions N). */
    public static Outcome run(String python, Path script, int threads, GptStepBenchmark.Settings s,
            List<String> extraArgs) throws InterruptedException {
        Path found = script != null ? script : findScript();
        if (found == null || !Files.isRegularFile(found)) {
            return Outcome.unavailable(SCRIPT_NAME + " not found" + (found == null ? "" : " at " + found)
                    + "; pass --peer-script or -D" + SCRIPT_PROPERTY + "=PATH");
        }
        Map<String, String> env = Map.of("OPENBLAS_NUM_THREADS", Integer.toString(threads),
                "OMP_NUM_THREADS", Integer.toString(threads), "MKL_NUM_THREADS", Integer.toString(threads));
        try {
            ChildProcess.Output probe = ChildProcess.run(
                    List.of(python, "-c", "import torch; print('TORCH\\t' + torch.__version__)"), env, "TORCH", 300);
            if (!probe.ok()) {
                return Outcome.unavailable("'import torch' fails in " + python + ": "
                        + probe.tail(1).replace('\n', ' ') + "; " + INSTALL_HINT);
            }
            List<String> cmd = new ArrayList<>(List.of(python, found.toString()));
            for (Map.Entry<String, String> e : s.fields().entrySet()) {
                cmd.add("--" + e.getKey());
                cmd.add(e.getValue());
            }
            cmd.addAll(List.of("--threads", Integer.toString(threads)));
            cmd.addAll(extraArgs);
            ChildProcess.Output out = ChildProcess.run(cmd, env, GptStepBenchmark.STEP_TAG, 3600);
            if (!out.ok()) {
                return Outcome.unavailable("the peer failed (exit " + out.exitCode() + "): "
                        + out.tail(3).replace('\n', ' '));
            }
            return new Outcome(GptStepBenchmark.StepResult.fromLine(out.tagged().getLast()), null);
        } catch (IOException e) {
            return Outcome.unavailable("cannot start " + python + ": " + e.getMessage() + "; " + INSTALL_HINT);
        }
    }

    /**
     * Where the script is: {@code -Dmofa4j.peerScript}, else {@code examples/src/main/python/} found from this
     * class's jar or classes folder ({@code examples/target/...}), else from the working directory; null if none.
     */
    public static Path findScript() {
        String prop = System.getProperty(SCRIPT_PROPERTY);
        if (prop != null) {
            return Path.of(prop);
        }
        List<Path> candidates = new ArrayList<>();
        try {
            Path code = Path.of(PytorchPeer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = code; p != null; p = p.getParent()) {
                if (p.getFileName() != null && p.getFileName().toString().equals("target")) {
                    candidates.add(p.resolveSibling("src/main/python/" + SCRIPT_NAME));
                    break;
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            // no code source (unusual class loader): fall back to the working directory
        }
        candidates.add(Path.of("examples/src/main/python", SCRIPT_NAME));
        candidates.add(Path.of("src/main/python", SCRIPT_NAME));
        for (Path c : candidates) {
            if (Files.isRegularFile(c)) {
                return c.toAbsolutePath().normalize();
            }
        }
        return null;
    }
}
