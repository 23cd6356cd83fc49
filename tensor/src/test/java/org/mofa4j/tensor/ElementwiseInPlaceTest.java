package org.mofa4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mofa4j.tensor.ElementwiseReference.assertClose;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * In-place ops (binary, scalar, axpy), copyFrom and fill: they write exactly the view's elements, read aliased
 * operands as they were before the write, and refuse destinations that cannot be written.
 */
class ElementwiseInPlaceTest {

    /** A [6, 7] buffer and a writable view of it of the given kind: the whole, a slice, a transpose, a step. */
    static Tensor writableView(Tensor base, int kind) {
        return switch (kind) {
            case 0 -> base;
            case 1 -> base.narrow(0, 1, 4).narrow(1, 2, 5);   // [4, 5], offset 9
            case 2 -> base.t().narrow(0, 1, 5);                // [5, 6], column-major
            default -> base.slice(1, 1, 7, 2).unsqueeze(1);    // [6, 1, 3], step 2
        };
    }

    /** Storage position of every logical element of t, in row-major logical order. */
    static int[] positions(Tensor t) {
        int[] shape = t.shape();
        int[] strides = t.strides();
        int[] pos = new int[t.numel()];
        for (int i = 0; i < pos.length; i++) {
            int[] idx = ElementwiseReference.unravel(i, shape);
            int p = t.offset();
            for (int k = 0; k < idx.length; k++) {
                p += idx[k] * strides[k];
            }
            pos[i] = p;
        }
        return pos;
    }

    /**
     * Runs {@code write} on a view and checks the whole buffer: the view's elements become {@code expected}
     * (logical order), every other stored element keeps its bits.
     */
    static void assertWritesOnlyTheView(String what, Tensor base, Tensor view, double[] expected, Runnable write) {
        float[] before = base.data().clone();
        write.run();
        float[] after = base.data();
        int[] pos = positions(view);
        boolean[] inView = new boolean[after.length];
        for (int i = 0; i < pos.length; i++) {
            inView[pos[i]] = true;
            assertEquals((float) expected[i], after[pos[i]], what + ": view element " + i);
        }
        for (int p = 0; p < after.length; p++) {
            if (!inView[p]) {
                assertEquals(Float.floatToRawIntBits(before[p]), Float.floatToRawIntBits(after[p]),
                        what + ": storage element " + p + " outside the view changed");
            }
        }
    }

    @Test
    void binaryInPlaceOnViewsWritesOnlyTheViewsElements() {
        Random rnd = new Random(7000);
        BinaryOp[] ops = {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV};
        ElementwiseReference.inEachMode(mode -> {
            for (int kind = 0; kind < 4; kind++) {
                for (BinaryOp op : ops) {
                    Tensor base = TestTensors.random(rnd, DType.F32, 6, 7);
                    Tensor view = writableView(base, kind);
                    int[] bShape = ElementwiseReference.broadcastableTo(rnd, view.shape());
                    Tensor b = ElementwiseReference.view(rnd, DType.F32, 2, 3, bShape); // in [1, 5): no zero divisors
                    double[] expected = ElementwiseReference.binary(op, view, b);
                    assertWritesOnlyTheView(op + " " + mode + " kind " + kind, base, view, expected, () -> {
                        switch (op) {
                            case ADD -> view.addInPlace(b);
                            case SUB -> view.subInPlace(b);
                            case MUL -> view.mulInPlace(b);
                            default -> view.divInPlace(b);
                        }
                    });
                }
            }
        });
    }

    @Test
    void scalarInPlaceOpsOnViewsRoundTheScalarToTheDtype() {
        Random rnd = new Random(7100);
        ElementwiseReference.inEachMode(mode -> {
            for (int kind = 0; kind < 4; kind++) {
                Tensor base = TestTensors.random(rnd, DType.F32, 6, 7);
                Tensor view = writableView(base, kind);
                double s = 0.1;
                float sf = (float) s;
                assertWritesOnlyTheView("addInPlace(s) " + mode, base, view,
                        ElementwiseReference.unary(view, x -> x + sf), () -> view.addInPlace(s));
                assertWritesOnlyTheView("mulInPlace(s) " + mode, base, view,
                        ElementwiseReference.unary(view, x -> x * sf), () -> view.mulInPlace(s));
            }
            Tensor d = Tensor.of(new double[] {1, 2, 3}, 3).addInPlace(0.1).mulInPlace(3);
            assertArrayEquals(new double[] {1.1 * 3, 2.1 * 3, 3.1 * 3}, ElementwiseReference.values(d), 0.0);
        });
    }

    @Test
    void addScaledInPlaceIsOneFusedMultiplyAddPerElement() {
        Random rnd = new Random(7200);
        ElementwiseReference.inEachMode(mode -> {
            for (int kind = 0; kind < 4; kind++) {
                Tensor base = TestTensors.random(rnd, DType.F32, 6, 7);
                Tensor y = writableView(base, kind);
                Tensor x = ElementwiseReference.view(rnd, DType.F32, 1, 0,
                        ElementwiseReference.broadcastableTo(rnd, y.shape()));
                double alpha = -0.37;
                float af = (float) alpha;
                double[] expected = ElementwiseReference.binary(y, x, (yv, xv) -> Math.fma(af, (float) xv, (float) yv));
                assertWritesOnlyTheView("addScaledInPlace " + mode + " kind " + kind, base, y, expected,
                        () -> y.addScaledInPlace(alpha, x));
            }
            Tensor yd = Tensor.of(new double[] {1, 2}, 2).addScaledInPlace(0.5, Tensor.of(new double[] {4, 8}, 2));
            assertArrayEquals(new double[] {3, 6}, ElementwiseReference.values(yd), 0.0);
        });
    }

    // ------------------------------------------------------------------------ aliasing

    @Test
    void addInPlaceOfItselfDoubles() {
        ElementwiseReference.inEachMode(mode -> {
            Tensor a = Tensor.arange(DType.F32, -5, 12, 1);
            a.addInPlace(a);
            assertArrayEquals(ElementwiseReference.unary(Tensor.arange(DType.F32, -5, 12, 1), x -> 2 * x),
                    ElementwiseReference.values(a), 0.0);
            a.addScaledInPlace(0.5, a);
            assertArrayEquals(ElementwiseReference.unary(Tensor.arange(DType.F32, -5, 12, 1), x -> 3 * x),
                    ElementwiseReference.values(a), 0.0);
        });
    }

    /** Each case: op applied in place with an operand that is a different view of the same storage. */
    @Test
    void overlappingOperandsAreReadAsTheyWereBeforeTheWrite() {
        Random rnd = new Random(7300);
        ElementwiseReference.inEachMode(mode -> {
            // x[1:] -= x[:-1] over a long run: a forward pass would read already-updated values
            Tensor x = TestTensors.random(rnd, DType.F32, 50);
            Tensor x0 = x.copy();
            x.narrow(0, 1, 49).subInPlace(x.narrow(0, 0, 49));
            double[] exp = new double[50];
            exp[0] = x0.get(0);
            for (int i = 1; i < 50; i++) {
                exp[i] = (float) (x0.get(i) - x0.get(i - 1));
            }
            assertArrayEquals(exp, ElementwiseReference.values(x), 0.0, "x[1:] -= x[:-1] " + mode);

            // m *= mᵀ: every element is read through the other layout
            Tensor m = TestTensors.random(rnd, DType.F32, 9, 9);
            Tensor m0 = m.copy();
            m.mulInPlace(m.t());
            assertClose("m *= m.t() " + mode, new int[] {9, 9}, DType.F32,
                    ElementwiseReference.binary(BinaryOp.MUL, m0, m0.t()), m, 0, 0);

            // rows += row 0, broadcast: row 0 itself changes during the op
            Tensor r = TestTensors.random(rnd, DType.F32, 4, 11);
            Tensor r0 = r.copy();
            r.addInPlace(r.select(0, 0));
            assertClose("rows += row 0 " + mode, new int[] {4, 11}, DType.F32,
                    ElementwiseReference.binary(BinaryOp.ADD, r0, r0.select(0, 0)), r, 0, 0);

            // y[1:] += 2·y[:-1]
            Tensor y = TestTensors.random(rnd, DType.F32, 40);
            Tensor y0 = y.copy();
            y.narrow(0, 1, 39).addScaledInPlace(2, y.narrow(0, 0, 39));
            for (int i = 1; i < 40; i++) {
                assertEquals(Math.fma(2f, (float) y0.get(i - 1), (float) y0.get(i)), (float) y.get(i), "axpy overlap " + i);
            }
        });
    }

    @Test
    void copyFromAnOverlappingViewCopiesTheOldValues() {
        Random rnd = new Random(7400);
        ElementwiseReference.inEachMode(mode -> {
            Tensor t = TestTensors.random(rnd, DType.F32, 30);
            double[] old = ElementwiseReference.values(t);
            t.narrow(0, 1, 29).copyFrom(t.narrow(0, 0, 29)); // shift right by one
            for (int i = 1; i < 30; i++) {
                assertEquals(old[i - 1], t.get(i), "shift right " + i);
            }
            Tensor m = TestTensors.random(rnd, DType.F32, 6, 6);
            double[] expected = ElementwiseReference.values(m.t());
            m.copyFrom(m.t()); // in-place transpose
            assertArrayEquals(expected, ElementwiseReference.values(m), 0.0, "m = m.t()");
            Tensor same = TestTensors.random(rnd, DType.F32, 5);
            double[] before = ElementwiseReference.values(same);
            same.copyFrom(same);
            assertArrayEquals(before, ElementwiseReference.values(same), 0.0, "copy onto itself");
        });
    }

    // ------------------------------------------------------------------------ copy and fill

    @Test
    void copyFromConvertsDtypesAndBroadcastsIntoViews() {
        Random rnd = new Random(7500);
        for (int kind = 0; kind < 4; kind++) {
            Tensor base = TestTensors.random(rnd, DType.F32, 6, 7);
            Tensor dst = writableView(base, kind);
            Tensor src = ElementwiseReference.view(rnd, DType.F64, 1, 0,
                    ElementwiseReference.broadcastableTo(rnd, dst.shape()));
            double[] expected = ElementwiseReference.binary(dst, src, (d, s) -> (float) s);
            assertWritesOnlyTheView("copyFrom f64 kind " + kind, base, dst, expected, () -> dst.copyFrom(src));
        }
        Tensor f = Tensor.vector(1.5f, -2.25f, 3e-8f);
        assertArrayEquals(new double[] {1.5, -2.25, 3e-8f}, Tensor.zeros(DType.F64, 3).copyFrom(f).dataF64(), 0.0);
        Tensor d = Tensor.of(new double[] {0.1, 1e300, -1e-300}, 3);
        assertArrayEquals(new float[] {0.1f, Float.POSITIVE_INFINITY, -0f}, d.to(DType.F32).data(), 0f);
        Tensor viaCopy = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3).t().copy();
        assertTrue(viaCopy.isContiguous());
        assertEquals(DType.F64, viaCopy.dtype());
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, viaCopy.dataF64(), 0.0);
    }

    @Test
    void copyFromRefusesShapesThatDoNotBroadcastToTheDestination() {
        ShapeException e = assertThrows(ShapeException.class, () -> Tensor.zeros(3).copyFrom(Tensor.zeros(2, 3)));
        assertTrue(e.getMessage().startsWith("copyFrom: shape [2, 3] cannot be broadcast to [3]"), e.getMessage());
        assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).copyFrom(Tensor.zeros(2)));
    }

    @Test
    void fillSetsExactlyTheViewsElements() {
        for (int kind = 0; kind < 4; kind++) {
            Tensor base = TestTensors.random(new Random(kind), DType.F32, 6, 7);
            Tensor view = writableView(base, kind);
            double[] expected = new double[view.numel()];
            java.util.Arrays.fill(expected, (float) 0.3);
            assertWritesOnlyTheView("fill kind " + kind, base, view, expected, () -> view.fill(0.3));
        }
        Tensor row = Tensor.zeros(1, 5);
        row.expand(4, 5).fill(2); // an expanded view has one element per column to set
        assertArrayEquals(new double[] {2, 2, 2, 2, 2}, ElementwiseReference.values(row), 0.0);
        assertArrayEquals(new double[] {7, 7}, Tensor.full(DType.F64, 7, 2).dataF64(), 0.0);
        assertEquals(0, Tensor.zeros(0, 4).fill(1).numel());
    }

    // ------------------------------------------------------------------------ refusals

    @Test
    void writingIntoAnExpandedViewIsRefused() {
        Tensor e = Tensor.zeros(1, 3).expand(4, 3);
        ShapeException ex = assertThrows(ShapeException.class, () -> e.addInPlace(Tensor.ones(4, 3)));
        assertTrue(ex.getMessage().startsWith("addInPlace: cannot write into an expanded view"), ex.getMessage());
        assertTrue(ex.getMessage().contains("[4, 3]"), ex.getMessage());
        assertThrows(ShapeException.class, () -> e.mulInPlace(2));
        assertThrows(ShapeException.class, () -> e.addScaledInPlace(1, Tensor.ones(3)));
        assertThrows(ShapeException.class, () -> e.copyFrom(Tensor.ones(4, 3)));
    }

    @Test
    void inPlaceOperandMustBroadcastToTheModifiedShape() {
        ShapeException e = assertThrows(ShapeException.class, () -> Tensor.zeros(3).addInPlace(Tensor.ones(2, 3)));
        assertTrue(e.getMessage().startsWith("addInPlace: shape [2, 3] cannot be broadcast to [3]"), e.getMessage());
        ShapeException f = assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).mulInPlace(Tensor.ones(2)));
        assertTrue(f.getMessage().contains("[2] cannot be broadcast to [2, 3]"), f.getMessage());
        assertThrows(ShapeException.class, () -> Tensor.zeros(2, 1).addScaledInPlace(1, Tensor.ones(2, 3)));
    }

    @Test
    void inPlaceOperandMustHaveTheSameDtype() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(DType.F64, 3).subInPlace(Tensor.ones(3)));
        assertTrue(e.getMessage().startsWith("subInPlace: ") && e.getMessage().contains("F64")
                && e.getMessage().contains("F32"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3).addScaledInPlace(1, Tensor.ones(DType.F64, 3)));
    }

    @Test
    void inPlaceOpsOnEmptyTensorsDoNothing() {
        Tensor e = Tensor.zeros(0, 3);
        e.addInPlace(Tensor.ones(3)).mulInPlace(2).addScaledInPlace(1, Tensor.ones(0, 3));
        assertArrayEquals(new int[] {0, 3}, e.shape());
    }

    // ------------------------------------------------------------------------ where

    @Test
    void whereSelectsByNonZeroConditionWithThreeWayBroadcasting() {
        Random rnd = new Random(7600);
        ElementwiseReference.inEachMode(mode -> {
            for (int trial = 0; trial < 30; trial++) {
                DType dtype = trial % 4 == 3 ? DType.F64 : DType.F32;
                DType condType = trial % 3 == 2 ? DType.F64 : dtype;
                int[] shape = ElementwiseReference.randomShape(rnd, 20_000);
                Tensor cond = ElementwiseReference.view(rnd, condType, 1, 0,
                        ElementwiseReference.broadcastableTo(rnd, shape));
                ElementwiseReference.quantize(cond, 1); // -1, 0 or 1
                Tensor a = ElementwiseReference.view(rnd, dtype, 1, 0, ElementwiseReference.broadcastableTo(rnd, shape));
                Tensor b = ElementwiseReference.view(rnd, dtype, 1, 0, trial % 2 == 0 ? shape : new int[0]);
                int[] out = ElementwiseReference.broadcastShape(cond.shape(), a.shape(), b.shape());
                assertClose("where " + mode + " " + condType + "/" + dtype, out, dtype,
                        ElementwiseReference.where(cond, a, b), Tensor.where(cond, a, b), 0, 0);
            }
            Tensor nanCond = Tensor.vector(Float.NaN, 0f, -0f, 1e-30f, Float.NaN, 0f, -0f, 1e-30f, Float.NaN, 0f);
            Tensor picked = Tensor.where(nanCond, Tensor.ones(10), Tensor.zeros(10));
            assertArrayEquals(new double[] {1, 0, 0, 1, 1, 0, 0, 1, 1, 0}, ElementwiseReference.values(picked), 0.0,
                    "NaN and tiny values count as non-zero " + mode);
        });
    }

    @Test
    void whereRefusesBranchesOfDifferentDtypes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.where(Tensor.ones(2), Tensor.ones(2), Tensor.ones(DType.F64, 2)));
        assertTrue(e.getMessage().startsWith("where: "), e.getMessage());
        ShapeException s = assertThrows(ShapeException.class,
                () -> Tensor.where(Tensor.ones(3), Tensor.ones(2, 3), Tensor.ones(4, 1, 1).expand(4, 3, 3)));
        assertTrue(s.getMessage().startsWith("where: "), s.getMessage());
    }
}
