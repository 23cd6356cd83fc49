package org.mofa4j.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp, log, tanh and sigmoid on float vectors, built only from lane operations whose IEEE results are exact
 * (add, mul, fma, div, compare, blend, integer and bit operations).
 *
 * <p>Why not {@code VectorOperators.EXP/LOG/TANH/POW}: their JIT-compiled form (an SVML-style stub) and their
 * interpreted fallback ({@code Math.exp} per lane) differ in about 1% of lanes by 1 ulp, and POW even differs in
 * kind ({@code pow(1, NaN)} is NaN interpreted, 1 compiled). The bits of a result would then depend on whether the
 * JIT had compiled the loop yet, breaking run-to-run determinism. These functions give the same bits either way.
 *
 * <p>Accuracy, against the correctly rounded result: within 2 ulp for exp, log and sigmoid, 3 ulp for tanh
 * (checked by the elementwise tests over dense sweeps).
 *
 * <pre>
 * exp:  k = round(x·log2 e), r = x − k·ln2 (Cody–Waite, two fmas), |r| ≤ ln2/2,
 *       eʳ = Σ_{j≤7} rʲ/j!  (truncation &lt; 6e-9), result = eʳ · 2^⌊k/2⌋ · 2^(k−⌊k/2⌋)
 *       (two normal scale factors, so overflow and gradual underflow round once each).
 * log:  x = m·2ᵉ with m ∈ [√½, √2) (subnormals scaled by 2²³ first), s = (m−1)/(m+1),
 *       ln m = 2s·Σ_{j≤5} s²ʲ/(2j+1) (|s| ≤ 0.172, truncation &lt; 1e-10), ln x = e·ln2 + ln m.
 * tanh: |x| &lt; 0.5: odd Taylor series through x¹⁷ (truncation &lt; 1e-9); else sign(x)·(1 − 2/(e^{2|x|} + 1)).
 * </pre>
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 = LN2_HI + LN2_LO; LN2_HI has 9 significant bits, so k·LN2_HI is exact for |k| &lt; 2^15. */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5·2²³: x + ROUND − ROUND rounds |x| &lt; 2²² to the nearest integer. */
    private static final float ROUND = 12582912f;
    private static final float SQRT_HALF = 0.70710678118654752f;

    /** 1/j! for j = 7 down to 2. */
    private static final float[] EXP_C = {1f / 5040, 1f / 720, 1f / 120, 1f / 24, 1f / 6, 1f / 2};
    /** tanh x = x + x·Σ TANH_C[j]·x^(2j+2), highest power first (coefficients from the Bernoulli numbers). */
    private static final float[] TANH_C = {
        (float) (6404582.0 / 10854718875.0), (float) (-929569.0 / 638512875.0), (float) (21844.0 / 6081075.0),
        (float) (-1382.0 / 155925.0), (float) (62.0 / 2835.0), (float) (-17.0 / 315.0), (float) (2.0 / 15.0),
        (float) (-1.0 / 3.0)};

    private VectorMath() {}

    static FloatVector exp(FloatVector x) {
        // e^89 overflows and e^-104 rounds to 0, so clamping changes no result and keeps k within [-150, 129]
        FloatVector xc = x.max(-104f).min(89f);
        FloatVector k = xc.fma(LOG2E, ROUND).sub(ROUND);
        FloatVector r = k.fma(c(-LN2_HI), xc);
        r = k.fma(c(-LN2_LO), r);
        FloatVector p = r.fma(EXP_C[0], EXP_C[1]);
        for (int j = 2; j < EXP_C.length; j++) {
            p = p.fma(r, c(EXP_C[j]));
        }
        p = p.fma(r, c(1f)).fma(r, c(1f));
        IntVector n = (IntVector) k.convert(VectorOperators.F2I, 0); // exact: k is an integer in range
        IntVector half = n.lanewise(VectorOperators.ASHR, 1);
        FloatVector result = p.mul(pow2(half)).mul(pow2(n.sub(half)));
        return result.blend(x, x.test(VectorOperators.IS_NAN)); // NaN lanes: the garbage above is replaced
    }

    private static FloatVector c(float v) {
        return FloatVector.broadcast(S, v);
    }

    /** 2ⁿ for n in the normal exponent range, built from its bits. */
    private static FloatVector pow2(IntVector n) {
        return n.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    }

    static FloatVector log(FloatVector x) {
        VectorMask<Float> subnormal = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
        FloatVector xs = x.blend(x.mul(8388608f), subnormal);  // 2²³
        IntVector bits = xs.reinterpretAsInts();
        FloatVector e = (FloatVector) bits.lanewise(VectorOperators.LSHR, 23).and(0xff).sub(127)
                .convert(VectorOperators.I2F, 0);
        e = e.sub(23f, subnormal);
        FloatVector m = bits.and(0x007fffff).or(0x3f800000).reinterpretAsFloats(); // [1, 2)
        VectorMask<Float> high = m.compare(VectorOperators.GT, 2 * SQRT_HALF);
        m = m.blend(m.mul(0.5f), high);
        e = e.add(1f, high);
        FloatVector s = m.sub(1f).div(m.add(1f));                  // m − 1 is exact (Sterbenz)
        FloatVector z = s.mul(s);
        FloatVector q = z.fma(1f / 11, 1f / 9).fma(z, c(1f / 7)).fma(z, c(1f / 5)).fma(z, c(1f / 3)).mul(z);
        FloatVector twoS = s.add(s);
        FloatVector lnM = twoS.fma(q, twoS);
        FloatVector result = e.fma(c(LN2_HI), e.fma(c(LN2_LO), lnM));
        result = result.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
        result = result.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        VectorMask<Float> nan = x.compare(VectorOperators.LT, 0f).or(x.test(VectorOperators.IS_NAN));
        return result.blend(Float.NaN, nan);
    }

    static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector z = x.mul(x);
        FloatVector q = z.fma(TANH_C[0], TANH_C[1]);
        for (int j = 2; j < TANH_C.length; j++) {
            q = q.fma(z, c(TANH_C[j]));
        }
        FloatVector small = x.mul(z).fma(q, x);
        FloatVector large = c(1f).sub(c(2f).div(exp(ax.add(ax)).add(1f)));
        large = large.blend(large.neg(), x.compare(VectorOperators.LT, 0f));
        return large.blend(small, ax.compare(VectorOperators.LT, 0.5f)); // NaN compares false: large is NaN
    }

    /** e = e^(−|x|); x ≥ 0: 1/(1+e), x &lt; 0: e/(1+e). Never overflows; NaN stays NaN. */
    static FloatVector sigmoid(FloatVector x) {
        FloatVector e = exp(x.abs().neg());
        FloatVector r = c(1f).div(e.add(1f));
        return r.blend(e.mul(r), x.compare(VectorOperators.LT, 0f));
    }
}
