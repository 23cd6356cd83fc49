package org.mofa4j.autograd;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.mofa4j.tensor.IntTensor;
import org.mofa4j.tensor.Tensor;

/**
 * Reads a golden file written by {@code autograd/src/test/python/make_golden.py}.
 *
 * <p>Format (UTF-8 text): lines starting with {@code #} and blank lines are ignored; every record is two
 * lines,
 * <pre>
 * name dtype=f64 shape=2,3        (an empty "shape=" means a 0-d scalar)
 * v0 v1 v2 v3 v4 v5               (row-major values, space-separated)
 * </pre>
 * f64 values are Python {@code repr} strings, which {@link Double#parseDouble} turns back into the exact
 * same doubles; i64 values are integers (class targets, ignore index) and are read as {@code int}.
 * {@link Comparison} checks computed tensors against the records.
 */
final class GoldenFile {
    /** One record: a shape and either doubles (f64) or ints (i64). */
    record Entry(String name, String dtype, int[] shape, double[] f64, int[] i64) {}

    private final String source;
    private final Map<String, Entry> entries;

    private GoldenFile(String source, Map<String, Entry> entries) {
        this.source = source;
        this.entries = entries;
    }

    /** Loads {@code resource} (e.g. "/golden/mlp.golden") from the test classpath. */
    static GoldenFile load(String resource) {
        try (InputStream in = GoldenFile.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("golden file " + resource + " is not on the classpath;"
                        + " regenerate it with /usr/bin/python3 autograd/src/test/python/make_golden.py");
            }
            return parse(resource, new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("reading golden file " + resource, e);
        }
    }

    static GoldenFile parse(String source, BufferedReader reader) throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        String line;
        int lineNo = 0;
        while ((line = reader.readLine()) != null) {
            lineNo++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String where = source + ":" + lineNo;
            String[] head = line.trim().split(" +");
            if (head.length != 3 || !head[1].startsWith("dtype=") || !head[2].startsWith("shape=")) {
                throw new IllegalArgumentException(where + ": expected 'name dtype=.. shape=..', got '" + line + "'");
            }
            String name = head[0];
            String dtype = head[1].substring("dtype=".length());
            int[] shape = parseShape(where, head[2].substring("shape=".length()));
            int numel = 1;
            for (int d : shape) {
                numel *= d;
            }
            String valuesLine = reader.readLine();
            lineNo++;
            if (valuesLine == null) {
                throw new IllegalArgumentException(where + ": record " + name + " has no values line");
            }
            String trimmed = valuesLine.trim();
            String[] tokens = trimmed.isEmpty() ? new String[0] : trimmed.split(" +");
            if (tokens.length != numel) {
                throw new IllegalArgumentException(where + ": record " + name + " with shape "
                        + Arrays.toString(shape) + " needs " + numel + " values, found " + tokens.length);
            }
            Entry entry = switch (dtype) {
                case "f64" -> new Entry(name, dtype, shape,
                        Arrays.stream(tokens).mapToDouble(Double::parseDouble).toArray(), null);
                case "i64" -> new Entry(name, dtype, shape, null,
                        Arrays.stream(tokens).mapToInt(Integer::parseInt).toArray());
                default -> throw new IllegalArgumentException(
                        where + ": record " + name + " has unknown dtype " + dtype);
            };
            if (entries.putIfAbsent(name, entry) != null) {
                throw new IllegalArgumentException(where + ": duplicate record " + name);
            }
        }
        return new GoldenFile(source, entries);
    }

    private static int[] parseShape(String where, String text) {
        if (text.isEmpty()) {
            return new int[0];
        }
        try {
            return Arrays.stream(text.split(",")).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": bad shape '" + text + "'", e);
        }
    }

    /** Record names in file order. */
    Set<String> names() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException(source + " has no record '" + name + "'; it has " + entries.keySet());
        }
        return e;
    }

    /** A fresh F64 tensor holding the record's values (a copy: callers may modify it). */
    Tensor f64(String name) {
        Entry e = entry(name);
        if (e.f64() == null) {
            throw new IllegalArgumentException(source + ": record " + name + " is " + e.dtype() + ", not f64");
        }
        return Tensor.of(e.f64(), e.shape());
    }

    /** The record's values as an IntTensor (class targets). */
    IntTensor ints(String name) {
        Entry e = entry(name);
        if (e.i64() == null) {
            throw new IllegalArgumentException(source + ": record " + name + " is " + e.dtype() + ", not i64");
        }
        return IntTensor.of(e.i64(), e.shape());
    }

    /** A 0-d f64 record as a double. */
    double scalar(String name) {
        Entry e = entry(name);
        if (e.f64() == null || e.f64().length != 1) {
            throw new IllegalArgumentException(source + ": record " + name + " is not a one-element f64");
        }
        return e.f64()[0];
    }

    /** A one-element i64 record as an int. */
    int intScalar(String name) {
        Entry e = entry(name);
        if (e.i64() == null || e.i64().length != 1) {
            throw new IllegalArgumentException(source + ": record " + name + " is not a one-element i64");
        }
        return e.i64()[0];
    }

    @Override
    public String toString() {
        return "GoldenFile(" + source + ", " + entries.size() + " records)";
    }

    // ---------------------------------------------------------------- comparison

    /**
     * Compares tensors with golden values: element i passes when
     * {@code |a_i − e_i| ≤ tol·max(|e_i|, floorFraction·max_j |e_j|)}. Records each tensor's worst element,
     * prints the table in {@link #assertAllPassed} and then fails listing every tensor out of tolerance.
     * (It lives here rather than inside the test class so that {@code -Dtest=GoldenPytorch*} does not
     * match it as a test class.)
     */
    static final class Comparison {
        private final String what;
        private final double tol;
        private final double floorFraction;
        private final List<String> failures = new ArrayList<>();
        private final StringBuilder summary = new StringBuilder();

        Comparison(String what, double tol, double floorFraction) {
            this.what = what;
            this.tol = tol;
            this.floorFraction = floorFraction;
        }

        void check(String name, Tensor actual, Tensor expected) {
            if (actual == null) {
                failures.add(name + ": no value (gradient missing?)");
                return;
            }
            if (!Arrays.equals(actual.shape(), expected.shape())) {
                failures.add(name + ": shape " + Arrays.toString(actual.shape()) + ", PyTorch has "
                        + Arrays.toString(expected.shape()));
                return;
            }
            double[] a = actual.toDoubleArray();
            double[] e = expected.toDoubleArray();
            double maxAbs = 0;
            for (double v : e) {
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            double floor = floorFraction * maxAbs;
            int worst = -1;
            double worstErr = -1;
            double maxAbsErr = 0;
            for (int i = 0; i < e.length; i++) {
                double diff = Math.abs(a[i] - e[i]);
                double scale = Math.max(Math.abs(e[i]), floor);
                double err = diff == 0 ? 0 : scale == 0 ? Double.POSITIVE_INFINITY : diff / scale;
                if (Double.isNaN(a[i])) {
                    err = Double.POSITIVE_INFINITY;
                }
                maxAbsErr = Math.max(maxAbsErr, diff);
                if (err > worstErr) {
                    worstErr = err;
                    worst = i;
                }
            }
            String line = String.format(Locale.ROOT, "%-22s rel %.2e  abs %.2e  worst at %s: mofa4j %s, PyTorch %s",
                    name, worstErr, maxAbsErr, Arrays.toString(unravel(worst, expected.shape())),
                    worst < 0 ? "-" : Double.toString(a[worst]), worst < 0 ? "-" : Double.toString(e[worst]));
            summary.append("  ").append(line).append('\n');
            if (worstErr > tol) {
                failures.add(line);
            }
        }

        /** Prints the table when it fails or when -Dmofa4j.golden.verbose=true, then fails if any tensor did. */
        void assertAllPassed() {
            if (!failures.isEmpty() || Boolean.getBoolean("mofa4j.golden.verbose")) {
                System.out.print("[golden] " + what + " (tol " + tol + ", floor " + floorFraction + "·max|e|)\n"
                        + summary);
            }
            if (!failures.isEmpty()) {
                throw new AssertionError(what + ": " + failures.size() + " tensor(s) differ from PyTorch beyond "
                        + tol + " (relative, floor " + floorFraction + "·max|e|):\n  "
                        + String.join("\n  ", failures));
            }
        }

        private static int[] unravel(int flat, int[] shape) {
            int[] idx = new int[shape.length];
            if (flat < 0) {
                return idx;
            }
            for (int ax = shape.length - 1; ax >= 0; ax--) {
                idx[ax] = flat % shape[ax];
                flat /= shape[ax];
            }
            return idx;
        }
    }
}
