package org.mofa4j.examples.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Debian's headless Chromium on a local page, isolated and offline-friendly: a fresh profile directory, no
 * sandbox (containers), no GPU, no background networking, updates or sync. Console output is logged to stderr
 * ({@code --enable-logging=stderr --v=0}), where each message appears as a {@code :CONSOLE} line.
 */
final class Browser {
    /** What one run printed: stdout (the DOM for --dump-dom), stderr, and the console lines found in it. */
    record Result(String stdout, String stderr, List<String> consoleMessages) {}

    private Browser() {}

    static Result run(Path chromium, Path work, Path page, String... extra) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(work, "chromium-profile");
        Path out = work.resolve("chromium.out");
        Path err = work.resolve("chromium.err");
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"));
        cmd.addAll(List.of(extra));
        cmd.add(page.toUri().toString());
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("chromium did not finish within 120 s: " + cmd);
        }
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("chromium exited with " + p.exitValue() + ":\n" + stderr);
        }
        List<String> console = new ArrayList<>();
        for (String line : stderr.split("\n")) {
            if (line.contains(":CONSOLE")) {
                console.add(line);
            }
        }
        return new Result(Files.readString(out, StandardCharsets.UTF_8), stderr, console);
    }

    /** Variance of the pixels' luminance (0..255): 0 for a blank image. */
    static double luminanceVariance(BufferedImage image) {
        double sum = 0;
        double sumSq = 0;
        long n = (long) image.getWidth() * image.getHeight();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                double l = 0.299 * ((rgb >> 16) & 0xFF) + 0.587 * ((rgb >> 8) & 0xFF) + 0.114 * (rgb & 0xFF);
                sum += l;
                sumSq += l * l;
            }
        }
        double mean = sum / n;
        return sumSq / n - mean * mean;
    }
}
