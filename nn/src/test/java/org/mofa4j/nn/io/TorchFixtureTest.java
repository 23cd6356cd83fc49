package org.mofa4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.DType;

/**
 * Reads {@code io/torch_fixture.safetensors}, written by torch through {@code src/test/python/check_safetensors.py
 * write} (regenerate it with that command; {@link PythonInteropTest} checks it is reproduced byte for byte).
 */
class TorchFixtureTest {

    static Path fixture() throws Exception {
        return Path.of(TorchFixtureTest.class.getResource("/io/torch_fixture.safetensors").toURI());
    }

    /** The values {@code fixture()} in check_safetensors.py puts in the file. */
    static void assertIsTheTorchFixture(Safetensors.Contents c) {
        assertEquals(Map.of("format", "pt", "written_by", "check_safetensors.py"), c.metadata());
        assertEquals(Map.of("f32", "F32", "f64", "F64", "f16", "F16", "bf16", "BF16", "i64", "I64", "i32", "I32",
                "scalar", "F32", "empty", "F32"), c.storedDtypes());
        // torch.arange(6) / 4 - 0.5, reshaped (2, 3)
        assertArrayEquals(new int[] {2, 3}, c.tensor("f32").shape());
        assertArrayEquals(new float[] {-0.5f, -0.25f, 0f, 0.25f, 0.5f, 0.75f}, c.tensor("f32").toFloatArray());
        assertEquals(DType.F64, c.tensor("f64").dtype());
        assertArrayEquals(new double[] {1.0 / 3.0, -2.5, 1e-300}, c.tensor("f64").toDoubleArray());
        float[] f16 = c.tensor("f16").toFloatArray();
        assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY}, java.util.Arrays.copyOf(f16,
                5));
        assertTrue(Float.isNaN(f16[5]));
        assertArrayEquals(new float[] {1f, -2f, 0.15625f, Float.NEGATIVE_INFINITY}, c.tensor("bf16").toFloatArray());
        assertArrayEquals(new int[] {2, 3}, c.intTensors().get("i64").shape());
        assertArrayEquals(new int[] {0, 1, -7, 50256, Integer.MAX_VALUE, Integer.MIN_VALUE},
                c.intTensors().get("i64").data());
        assertArrayEquals(new int[] {3, -4}, c.intTensors().get("i32").data());
        assertArrayEquals(new int[] {}, c.tensor("scalar").shape());
        assertEquals(2.5, c.tensor("scalar").item());
        assertArrayEquals(new int[] {0, 3}, c.tensor("empty").shape());
        // Written like the library: 8-byte dtypes first, then 4-byte, then 2-byte; by name within a dtype.
        assertEquals(List.of("f64", "empty", "f32", "scalar", "bf16", "f16"), List.copyOf(c.tensors().keySet()));
    }

    @Test
    void readsTheFileTorchWrote() throws Exception {
        assertIsTheTorchFixture(Safetensors.read(fixture()));
    }

    @Test
    void readVerifiedAcceptsAFileWithoutAChecksum() throws Exception {
        assertIsTheTorchFixture(CheckpointFiles.readVerified(fixture()));
    }
}
