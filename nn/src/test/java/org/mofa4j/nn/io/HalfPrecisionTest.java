package org.mofa4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Tensor;

/** F16 and BF16 tensors are upcast to F32 exactly: known bit patterns through a hand-built file. */
class HalfPrecisionTest {
    @TempDir
    Path dir;

    private Tensor readOne(String dtype, int... patterns) throws IOException {
        String header = "{\"h\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + patterns.length + "],\"data_offsets\":[0,"
                + 2 * patterns.length + "]}}";
        Safetensors.Contents c = Safetensors.read(RawFiles.write(dir.resolve("h.safetensors"), header,
                RawFiles.u16(patterns)));
        assertEquals(dtype, c.storedDtypes().get("h"));
        Tensor t = c.tensor("h");
        assertEquals(DType.F32, t.dtype());
        return t;
    }

    @Test
    void float16KnownPatterns() throws IOException {
        float[] v = readOne("F16",
                0x3C00, // 1.0: exponent 15 (bias 15), mantissa 0
                0xC000, // -2.0: sign, exponent 16
                0x7BFF, // 65504: largest finite, (2 - 2^-10) · 2^15
                0x0001, // smallest subnormal: 2^-24
                0x03FF, // largest subnormal: 1023 · 2^-24
                0x0400, // smallest normal: 2^-14
                0x7C00, // +inf
                0xFC00, // -inf
                0x8000, // -0.0
                0x3555 // 0.333251953125 = 1365 · 2^-12
        ).toFloatArray();
        assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f, 1023 * 0x1p-24f, 0x1p-14f, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, -0f, 0.333251953125f}, v);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(v[8]), "the sign of zero is kept");
    }

    @Test
    void float16NaNsStayNaN() throws IOException {
        float[] v = readOne("F16", 0x7E00, 0x7C01, 0xFE00).toFloatArray();
        for (float f : v) {
            assertTrue(Float.isNaN(f), "NaN expected, got " + f);
        }
    }

    @Test
    void bfloat16KnownPatterns() throws IOException {
        float[] v = readOne("BF16",
                0x3F80, // 1.0: the upper half of 0x3f800000
                0xC000, // -2.0
                0x4780, // 65536: bf16 cannot hold 65504, its neighbours are 65280 and 65536
                0x477F, // 65280
                0x7F7F, // largest finite: (2 - 2^-7) · 2^127
                0x0001, // smallest subnormal: 2^-133
                0x0080, // smallest normal: 2^-126
                0x7F80, // +inf
                0xFF80, // -inf
                0x3E20 // 0.15625
        ).toFloatArray();
        assertArrayEquals(new float[] {1f, -2f, 65536f, 65280f, (2 - 0x1p-7f) * 0x1p127f, 0x1p-133f, 0x1p-126f,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0.15625f}, v);
    }

    @Test
    void bfloat16NaNsStayNaN() throws IOException {
        float[] v = readOne("BF16", 0x7FC0, 0x7F81, 0xFFC0).toFloatArray();
        for (float f : v) {
            assertTrue(Float.isNaN(f), "NaN expected, got " + f);
        }
    }

    @Test
    void bfloat16IsTheUpperHalfOfTheFloat32Bits() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = SafetensorsReader.bfloat16ToFloat((short) bits);
            assertEquals(bits << 16, Float.floatToRawIntBits(f), "pattern " + Integer.toHexString(bits));
        }
    }

    @Test
    void float16WidenedValuesRoundTripThroughFloat32() throws IOException {
        // Every non-NaN half-precision value is exact in float32, so narrowing it back must restore the bits.
        int[] all = new int[0x10000];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        float[] v = readOne("F16", all).toFloatArray();
        for (int i = 0; i < all.length; i++) {
            if (!Float.isNaN(v[i])) {
                assertEquals(i, Float.floatToFloat16(v[i]) & 0xFFFF, "pattern " + Integer.toHexString(i));
            }
        }
    }
}
