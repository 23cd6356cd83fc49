package org.mofa4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.mofa4j.tensor.kernels.GemmViews.Layout;
import org.mofa4j.tensor.kernels.GemmViews.View;
import org.mofa4j.tensor.kernels.KernelMode.Mode;

/**
 * Random shapes, layouts, accumulate flags and thread counts: the vector kernel equals the scalar twin bit for bit,
 * and both are within the rounding bound of the float64 product.
 */
class GemmPropertyTest {

    private static final Layout[] LAYOUTS = Layout.values();

    /** Sizes drawn uniformly from [1, max]: most are not multiples of MR, NR or KC. */
    private static void randomCase(Random rnd, int maxM, int maxN, int maxK) {
        exactCase(rnd, 1 + rnd.nextInt(maxM), 1 + rnd.nextInt(maxN), 1 + rnd.nextInt(maxK));
    }

    /** One case of the given sizes with random layouts, accumulate flag and thread count. */
    private static void exactCase(Random rnd, int m, int n, int k) {
        Layout la = LAYOUTS[rnd.nextInt(LAYOUTS.length)];
        Layout lb = LAYOUTS[rnd.nextInt(LAYOUTS.length)];
        Layout lc = LAYOUTS[rnd.nextInt(LAYOUTS.length)];
        View a = GemmViews.random(rnd, m, k, la);
        View b = GemmViews.random(rnd, k, n, lb);
        View c0 = GemmViews.random(rnd, m, n, lc);
        boolean accumulate = rnd.nextBoolean();
        int threads = 1 + rnd.nextInt(3);

        View scalar = c0.copy();
        try (var _ = KernelMode.override(Mode.SCALAR)) {
            GemmViews.sgemm(a, b, scalar, accumulate, threads);
        }
        GemmViews.assertProduct(a, b, c0, scalar, accumulate);
        if (KernelMode.vectorAvailable()) {
            View vector = c0.copy();
            try (var _ = KernelMode.override(Mode.VECTOR)) {
                GemmViews.sgemm(a, b, vector, accumulate, threads);
            }
            assertArrayEquals(scalar.data(), vector.data(), () -> String.format(
                    "vector != scalar for m=%d n=%d k=%d, A %s, B %s, C %s, accumulate=%b, threads=%d",
                    m, n, k, la, lb, lc, accumulate, threads));
        }
    }

    @Test
    void smallRandomProblemsAgreeWithScalarTwinAndOracle() {
        Random rnd = new Random(21);
        for (int i = 0; i < 300; i++) {
            randomCase(rnd, 40, 70, 40);
        }
    }

    @Test
    void mediumRandomProblemsSpanningSeveralBlocksAgree() {
        Random rnd = new Random(22);
        for (int i = 0; i < 25; i++) {
            randomCase(rnd, 300, 150, 700);
        }
    }

    @Test
    void skinnyAndThinShapesAgree() {
        Random rnd = new Random(23);
        int[][] shapes = {{300, 5, 77}, {5, 300, 77}, {1, 257, 300}, {257, 1, 300}, {700, 64, 96}};
        for (int[] s : shapes) {
            exactCase(rnd, s[0], s[1], s[2]);
        }
    }

    @Test
    @Tag("slow")
    void largeRandomProblemsAgree() {
        assumeTrue(KernelMode.vectorAvailable());
        Random rnd = new Random(24);
        for (int i = 0; i < 40; i++) {
            randomCase(rnd, 700, 700, 1500);
        }
    }
}
