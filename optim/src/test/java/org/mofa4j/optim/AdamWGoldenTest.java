package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mofa4j.autograd.Variable;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Tensor;

/**
 * Replays ten steps of PyTorch's {@code torch.optim.AdamW} (lr 1e-2, β = (0.9, 0.95), ε = 1e-8, λ = 0.1, float64)
 * on a [3, 4] matrix and a [4] vector, from the golden file written by
 * {@code optim/src/test/python/make_adamw_golden.py}; no Python is needed to run this test. Every step's
 * parameters must match: 1e-12 relative in F64 (the two only round differently, PyTorch dividing √v by √(1−β₂ᵗ)),
 * and 1e-6 relative in F32.
 */
class AdamWGoldenTest {
    private static final int STEPS = 10;
    private static final List<String> NAMES = List.of("w", "b");

    /** name → (shape, row-major values). */
    private record Record(int[] shape, double[] values) {}

    private static Map<String, Record> readGolden() throws IOException {
        Map<String, Record> out = new HashMap<>();
        try (InputStream in = AdamWGoldenTest.class.getResourceAsStream("/golden/adamw.golden")) {
            assertNotNull(in, "golden/adamw.golden is missing; run optim/src/test/python/make_adamw_golden.py");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String header;
            while ((header = r.readLine()) != null) {
                if (header.startsWith("#") || header.isBlank()) {
                    continue;
                }
                String[] nameAndShape = header.split(" shape=");
                String[] dims = nameAndShape[1].split(",");
                int[] shape = new int[dims.length];
                for (int i = 0; i < dims.length; i++) {
                    shape[i] = Integer.parseInt(dims[i].trim());
                }
                String[] tokens = r.readLine().trim().split(" ");
                double[] values = new double[tokens.length];
                for (int i = 0; i < tokens.length; i++) {
                    values[i] = Double.parseDouble(tokens[i]);
                }
                out.put(nameAndShape[0], new Record(shape, values));
            }
        }
        return out;
    }

    private static Tensor tensor(Record rec, DType dtype) {
        return Tensor.of(rec.values().clone(), rec.shape()).to(dtype);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"F64, 1e-12", "F32, 1e-6"})
    void everyStepMatchesPyTorch(DType dtype, double relTol) throws IOException {
        Map<String, Record> golden = readGolden();
        Variable w = Variable.parameter(tensor(golden.get("init.w"), dtype), "w");
        Variable b = Variable.parameter(tensor(golden.get("init.b"), dtype), "b");
        List<Variable> params = List.of(w, b);
        // One group: PyTorch decays the vector too, so Optimizers.adamW's no-decay split is not used here.
        AdamW opt = new AdamW(params, new AdamW.Config(1e-2, 0.9, 0.95, 1e-8, 0.1));
        double worst = 0;
        for (int t = 1; t <= STEPS; t++) {
            for (Variable p : params) {
                p.setGrad(tensor(golden.get("grad." + t + "." + p.name()), dtype));
            }
            opt.step();
            for (int i = 0; i < params.size(); i++) {
                Variable p = params.get(i);
                double[] expected = golden.get("param." + t + "." + NAMES.get(i)).values();
                double[] actual = p.value().toDoubleArray();
                assertEquals(expected.length, actual.length);
                for (int k = 0; k < expected.length; k++) {
                    double rel = Math.abs(actual[k] - expected[k]) / Math.abs(expected[k]);
                    worst = Math.max(worst, rel);
                    assertTrue(rel <= relTol, dtype + " step " + t + " " + p.name() + "[" + k + "]: expected "
                            + expected[k] + ", got " + actual[k] + " (relative error " + rel + ")");
                }
            }
            opt.zeroGrad();
        }
        assertTrue(worst > 0 || dtype == DType.F64, "F32 cannot match float64 bit for bit; is the test reading F32?");
    }
}
