package org.mofa4j.tensor;

import static org.mofa4j.tensor.ElementwiseReference.assertClose;
import static org.mofa4j.tensor.ElementwiseReference.assertSameBits;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Ops large enough to be split over threads: same bits for 1, 2 and 3 threads in both modes, and correct results.
 * Layouts cover one long run (cut into pieces), many short runs (grouped), broadcast inner steps and views.
 */
class ElementwiseParallelTest {

    static Tensor withThreads(int threads, Supplier<Tensor> op) {
        int before = ElementwiseOps.threadsOverride;
        ElementwiseOps.threadsOverride = threads;
        try {
            return op.get();
        } finally {
            ElementwiseOps.threadsOverride = before;
        }
    }

    /**
     * Named ops over fixed inputs just above their op's split threshold (see {@link ElementwiseOps.Split}); each
     * supplier computes a fresh result (in-place ones on a fresh copy).
     */
    static Map<String, Supplier<Tensor>> cases() {
        Random rnd = new Random(8000);
        int cheap = ElementwiseOps.CHEAP.minParallel() + 3;        // one long run, cut into pieces
        int moderate = ElementwiseOps.MODERATE.minParallel() + 5;
        int costly = ElementwiseOps.COSTLY.minParallel() + 7;
        int rows = cheap / 400 + 1;
        Tensor long1 = TestTensors.random(rnd, DType.F32, cheap);
        Tensor long2 = TestTensors.random(rnd, DType.F32, cheap);
        Tensor transposed = TestTensors.random(rnd, DType.F32, 401, rows).t();   // [rows, 401], column-major
        Tensor row = TestTensors.random(rnd, DType.F32, 401);
        Tensor wide = TestTensors.random(rnd, DType.F32, 3, cheap / 2);          // 3 long runs
        Tensor wideRow = TestTensors.random(rnd, DType.F32, 1, cheap / 2);
        Tensor tall = TestTensors.random(rnd, DType.F32, cheap / 3 + 1, 3);      // many runs of 3
        Tensor tallCol = ElementwiseReference.view(rnd, DType.F32, 1, 2, cheap / 3 + 1, 1);
        Tensor mid = ElementwiseReference.view(rnd, DType.F32, 4, 0, moderate);
        Tensor small = ElementwiseReference.view(rnd, DType.F32, 4, 0, costly);
        Tensor positive = ElementwiseReference.view(rnd, DType.F32, 1, 1.5, costly);
        Tensor exponent = ElementwiseReference.view(rnd, DType.F32, 2, 0, costly);
        Map<String, Supplier<Tensor>> c = new LinkedHashMap<>();
        c.put("add long run", () -> long1.add(long2));
        c.put("mul transposed by row", () -> transposed.mul(row));
        c.put("sub wide rows", () -> wide.sub(wideRow));
        c.put("div tall by column", () -> tall.div(tallCol));
        c.put("pow scalar", () -> positive.pow(1.7));
        c.put("pow tensor", () -> positive.pow(exponent));
        c.put("exp", mid::exp);
        c.put("tanh", mid::tanh);
        c.put("log", positive::log);
        c.put("erf", small::erf);
        c.put("sigmoid transposed", transposed::sigmoid);
        c.put("clamp", () -> long1.clamp(-0.5, 0.25));
        c.put("where", () -> Tensor.where(wide.gt(0), wide, wideRow));
        c.put("addInPlace transposed", () -> transposed.t().copy().t().addInPlace(transposed.add(1)));
        c.put("addScaledInPlace", () -> long1.copy().addScaledInPlace(-0.3, long2));
        c.put("copy to f64", () -> transposed.to(DType.F64));
        c.put("copy transposed", transposed::contiguous);
        c.put("f64 exp", () -> small.to(DType.F64).exp());
        c.put("fill view", () -> {
            Tensor t = Tensor.zeros(rows, 410);
            t.narrow(1, 3, 401).fill(2.5);
            return t;
        });
        return c;
    }

    @Test
    void largeOpsGiveTheSameBitsForAnyThreadCount() {
        Map<String, Supplier<Tensor>> cases = cases();
        ElementwiseReference.inEachMode(mode -> {
            for (Map.Entry<String, Supplier<Tensor>> e : cases.entrySet()) {
                Tensor one = withThreads(1, e.getValue());
                assertSameBits(e.getKey() + " " + mode + ": 2 threads vs 1", one, withThreads(2, e.getValue()));
                assertSameBits(e.getKey() + " " + mode + ": 3 threads vs 1", one, withThreads(3, e.getValue()));
            }
        });
    }

    @Test
    void largeOpsSplitOverThreadsMatchTheReference() {
        Random rnd = new Random(8100);
        int n = ElementwiseOps.CHEAP.minParallel() / 3 + 11;
        Tensor a = ElementwiseReference.view(rnd, DType.F32, 2, 0, 3, n);
        Tensor b = ElementwiseReference.view(rnd, DType.F32, 2, 0, n);
        Tensor col = ElementwiseReference.view(rnd, DType.F32, 1, 2, 3, 1);
        Tensor x = ElementwiseReference.view(rnd, DType.F32, 2, 0, ElementwiseOps.MODERATE.minParallel() + 1);
        ElementwiseReference.inEachMode(mode -> {
            assertClose("add " + mode, a.shape(), DType.F32, ElementwiseReference.binary(BinaryOp.ADD, a, b),
                    withThreads(3, () -> a.add(b)), 0, 0);
            assertClose("div " + mode, a.shape(), DType.F32, ElementwiseReference.binary(BinaryOp.DIV, a, col),
                    withThreads(3, () -> a.div(col)), 0, 0);
            assertClose("exp " + mode, x.shape(), DType.F32, ElementwiseReference.unary(x, Math::exp),
                    withThreads(3, x::exp), 1e-7, 1e-6);
            Tensor y = a.copy();
            assertClose("addScaledInPlace " + mode, a.shape(), DType.F32,
                    ElementwiseReference.binary(a, b, (yv, xv) -> Math.fma(0.5f, (float) xv, (float) yv)),
                    withThreads(3, () -> y.addScaledInPlace(0.5, b)), 0, 0);
        });
    }
}
