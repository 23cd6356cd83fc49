package org.mofa4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mofa4j.autograd.ElementwiseFns;
import org.mofa4j.autograd.MatmulFns;
import org.mofa4j.autograd.ReduceFns;
import org.mofa4j.autograd.Variable;
import org.mofa4j.optim.MoFaSgdUmfTest.Dense;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * Fused mode: the hooks sum G·V and Gᵀ·U over micro-batches, which must equal the products of ΣG, and a fused
 * run must follow the unfused run on the same micro-batches.
 */
class MoFaSgdFusedTest {
    private static final int M = 12;
    private static final int N = 9;
    private static final int BATCH = 5;

    /** Micro-batch k of step t: loss = Σ tanh(X·W) ⊙ Y, so G = Xᵀ·((1 − tanh²(X·W)) ⊙ Y) depends on W. */
    private record MicroBatch(Tensor x, Tensor y) {
        static MicroBatch random(Rng rng, DType dtype) {
            return new MicroBatch(rng.normal(dtype, 0, 1, BATCH, M), rng.normal(dtype, 0, 1, BATCH, N));
        }

        void backward(Variable w) {
            Variable h = ElementwiseFns.tanh(MatmulFns.matmul(Variable.constant(x), w));
            ReduceFns.sum(ElementwiseFns.mul(h, Variable.constant(y))).backward();
        }

        /** The gradient this micro-batch produces at W, computed by an unhooked backward on a copy. */
        Tensor gradientAt(Tensor weight) {
            Variable copy = Variable.parameter(weight.copy(), "copy");
            backward(copy);
            return copy.grad();
        }
    }

    @Test
    void microBatchProductsSumToTheProductsOfTheSummedGradient() {
        Rng rng = new Rng(1);
        Variable w = Variable.parameter(rng.normal(DType.F64, 0, 1, M, N), "w");
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(0.05, 3));
        opt.attach();
        MicroBatch.random(rng, DType.F64).backward(w); // gradient init: the first step starts from a sketch
        opt.step();
        MoFaSgd.Factors f = opt.factors(w);
        Tensor sum = Tensor.zeros(DType.F64, M, N);
        for (int k = 0; k < 4; k++) {
            MicroBatch mb = MicroBatch.random(rng, DType.F64);
            sum.addInPlace(mb.gradientAt(w.value()));
            mb.backward(w);
            assertNull(w.grad(), "the hook consumes every micro-batch gradient");
        }
        Tensor gv = opt.stateDict().get("w.GV");
        Tensor gtu = opt.stateDict().get("w.GtU");
        assertTrue(Dense.relErr(Dense.of(gv), Dense.of(sum.matmul(f.v()))) < 1e-12);
        assertTrue(Dense.relErr(Dense.of(gtu), Dense.of(sum.t().matmul(f.u()))) < 1e-12);
        opt.step();
        assertNull(opt.stateDict().get("w.GV"), "accumulators are cleared by step()");
    }

    /**
     * A weight used by a dense layer (factored products through the sink, G never formed) and by a plain matmul
     * (a dense gradient through the hook) in the same backward: the accumulators must still hold the products of
     * the summed gradient.
     */
    @Test
    void denseLayerProductsArriveFactoredAndSumWithDenseContributions() {
        Rng rng = new Rng(3);
        Variable w = Variable.parameter(rng.normal(DType.F64, 0, 1, M, N), "w");
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(0.05, 3).withInit(MoFaSgd.Init.WEIGHT_SVD));
        opt.attach();
        assertNotNull(w.outerProductGradSink(), "attach() installs the factored sink");
        Tensor x = rng.normal(DType.F64, 0, 1, 2, BATCH, N);   // [2, B, N]: leading axes flatten to N·rows
        Tensor y = rng.normal(DType.F64, 0, 1, 2, BATCH, M);
        Tensor z = rng.normal(DType.F64, 0, 1, BATCH, M);
        Tensor zy = rng.normal(DType.F64, 0, 1, BATCH, N);
        // the same loss on an unhooked copy gives the dense reference gradient
        Variable copy = Variable.parameter(w.value().copy(), "copy");
        twoUses(copy, x, y, z, zy);
        Tensor dense = copy.grad();
        twoUses(w, x, y, z, zy); // WEIGHT_SVD init happens at the first contribution
        MoFaSgd.Factors f = opt.factors(w);
        assertNull(w.grad(), "both contributions are consumed");
        Tensor gv = opt.stateDict().get("w.GV");
        Tensor gtu = opt.stateDict().get("w.GtU");
        assertTrue(Dense.relErr(Dense.of(gv), Dense.of(dense.matmul(f.v()))) < 1e-12);
        assertTrue(Dense.relErr(Dense.of(gtu), Dense.of(dense.t().matmul(f.u()))) < 1e-12);
        opt.detach();
        assertNull(w.outerProductGradSink(), "detach() removes the sink");
    }

    /** loss = Σ tanh(x·wᵀ) ⊙ y + Σ (z·w) ⊙ zy: w through linear and through matmul. */
    private static void twoUses(Variable w, Tensor x, Tensor y, Tensor z, Tensor zy) {
        Variable h = ElementwiseFns.tanh(MatmulFns.linear(Variable.constant(x), w));
        Variable a = ReduceFns.sum(ElementwiseFns.mul(h, Variable.constant(y)));
        Variable b = ReduceFns.sum(ElementwiseFns.mul(MatmulFns.matmul(Variable.constant(z), w), Variable.constant(zy)));
        ElementwiseFns.add(a, b).backward();
    }

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"F64, GRADIENT, 1e-10", "F64, WEIGHT_SVD, 1e-10", "F32, GRADIENT, 2e-4"})
    void fusedTrainingFollowsUnfusedTrainingOnTheSameMicroBatches(DType dtype, MoFaSgd.Init init, double tol) {
        Rng rng = new Rng(2);
        Tensor start = rng.normal(dtype, 0, 0.5, M, N);
        Variable fusedW = Variable.parameter(start.copy(), "w");
        Variable plainW = Variable.parameter(start.copy(), "w");
        MoFaSgd.Config c = MoFaSgd.Config.paper(0.05, 3).withInit(init).withBeta(0.85);
        MoFaSgd fused = new MoFaSgd(List.of(fusedW), c);
        MoFaSgd plain = new MoFaSgd(List.of(plainW), c);
        fused.attach();
        for (int t = 0; t < 6; t++) {
            for (int k = 0; k < 3; k++) {
                MicroBatch mb = MicroBatch.random(rng, dtype);
                mb.backward(fusedW);
                mb.backward(plainW); // sums into grad()
            }
            fused.step();
            plain.step();
            plain.zeroGrad();
            assertNull(fusedW.grad());
            double err = Dense.relErr(Dense.of(fusedW.value()), Dense.of(plainW.value()));
            assertTrue(err < tol, "step " + t + ": weights differ by " + err);
            DMatrixRMaj mf = Dense.momentum(fused.factors(fusedW));
            assertTrue(Dense.relErr(mf, Dense.momentum(plain.factors(plainW))) < tol);
        }
    }

    @Test
    void gradientInitKeepsNoGradientEvenOnTheFirstStep() {
        Rng rng = new Rng(3);
        Variable w = Variable.parameter(rng.normal(DType.F32, 0, 1, M, N), "w");
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(0.05, 3));
        opt.attach();
        assertTrue(opt.isAttached());
        MicroBatch.random(rng, DType.F32).backward(w);
        assertNull(w.grad(), "the first gradient arrives as a sketch, not whole");
        // k = min(3 + 10, 12, 9) = 9 sketch columns G·Ω [12, 9], l = min(2k + 1, 12) = 12 for Gᵀ·Ψ [9, 12]
        assertEquals((12L * 9 + 9L * 12) * 4, opt.stateBytes(), "the sketch is the only state in flight");
        opt.step();
        assertNull(w.grad());
        MicroBatch.random(rng, DType.F32).backward(w);
        assertNull(w.grad());
        assertEquals(3L * (M + N) * 4 + 3L * (M + N + 1) * 4, opt.stateBytes(), "factors plus pending GV, GtU");
        opt.step();
        assertEquals(3L * (M + N + 1) * 4, opt.stateBytes());
    }

    @Test
    void weightSvdInitStartsInTheFirstHookSoNoGradientIsKept() {
        Rng rng = new Rng(4);
        Variable w = Variable.parameter(rng.normal(DType.F32, 0, 1, M, N), "w");
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(0.05, 3).withInit(MoFaSgd.Init.WEIGHT_SVD));
        opt.attach();
        MicroBatch.random(rng, DType.F32).backward(w);
        assertNull(w.grad());
        assertNotNull(opt.factors(w));
    }

    @Test
    void parameterWithoutGradientIsSkipped() {
        Rng rng = new Rng(5);
        Variable w = Variable.parameter(rng.normal(DType.F64, 0, 1, M, N), "w");
        Variable idle = Variable.parameter(rng.normal(DType.F64, 0, 1, 4, 4), "idle");
        Tensor idleBefore = idle.value().copy();
        MoFaSgd opt = new MoFaSgd(List.of(w, idle), MoFaSgd.Config.paper(0.05, 2));
        opt.attach();
        for (int t = 0; t < 2; t++) {
            MicroBatch.random(rng, DType.F64).backward(w);
            opt.step();
        }
        assertNull(opt.factors(idle));
        assertEquals(0L, opt.stateBytesPerParameter().get("idle"));
        assertTrue(Dense.relErr(Dense.of(idle.value()), Dense.of(idleBefore)) == 0);
    }

    @Test
    void attachRefusesEta2AndNesterov() {
        Variable w = Variable.parameter(Tensor.zeros(M, N), "w");
        IllegalStateException eta2 = assertThrows(IllegalStateException.class,
                () -> new MoFaSgd(List.of(w), MoFaSgd.Config.paper(0.1, 2).withEtas(1, 0.5)).attach());
        assertEquals("MoFaSGD: fused mode never holds the full gradient, so the η₂ term cannot be applied; "
                + "set eta2 = 0, got 0.5", eta2.getMessage());
        IllegalStateException nesterov = assertThrows(IllegalStateException.class,
                () -> new MoFaSgd(List.of(w), MoFaSgd.Config.paper(0.1, 2).withNesterov(true)).attach());
        assertTrue(nesterov.getMessage().contains("Nesterov"), nesterov.getMessage());
    }

    @Test
    void detachRestoresOrdinaryGradients() {
        Rng rng = new Rng(6);
        Variable w = Variable.parameter(rng.normal(DType.F64, 0, 1, M, N), "w");
        MoFaSgd opt = new MoFaSgd(List.of(w), MoFaSgd.Config.paper(0.05, 2).withInit(MoFaSgd.Init.WEIGHT_SVD));
        opt.attach();
        opt.detach();
        assertFalse(opt.isAttached());
        MicroBatch.random(rng, DType.F64).backward(w);
        assertNotNull(w.grad());
        opt.step();
        assertNotNull(w.grad(), "unfused mode leaves zeroGrad() to the caller");
    }
}
