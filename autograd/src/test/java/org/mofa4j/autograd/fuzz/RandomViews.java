package org.mofa4j.autograd.fuzz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Rng;
import org.mofa4j.tensor.Tensor;

/**
 * Random tensors reached through random chains of zero-copy views (transpose, permute, narrow, strided slice,
 * unsqueeze, expand), applied to the engine's tensor and to the {@link RefArray} oracle in step. The description
 * lists the chain, so a failing case can be rebuilt by hand.
 */
final class RandomViews {
    /** A tensor, its oracle and how it was made. */
    record Case(Tensor tensor, RefArray ref, String how) {}

    private RandomViews() {}

    static int[] randomShape(Random r, int minRank, int maxRank, int maxDim) {
        int[] s = new int[minRank + r.nextInt(maxRank - minRank + 1)];
        for (int i = 0; i < s.length; i++) {
            s[i] = 1 + r.nextInt(maxDim);
        }
        return s;
    }

    /** A fresh tensor of {@code shape} with values in [−2, 2), then {@code views} random view steps. */
    static Case viewed(Random r, DType dtype, int[] shape, int views) {
        Tensor t = new Rng(r.nextLong()).uniform(dtype, -2, 2, shape);
        Case c = new Case(t, RefArray.of(t), "uniform" + Arrays.toString(shape));
        for (int i = 0; i < views; i++) {
            c = oneView(r, c);
        }
        return c;
    }

    private static Case oneView(Random r, Case c) {
        Tensor t = c.tensor();
        RefArray ref = c.ref();
        int rank = t.rank();
        List<Integer> choices = new ArrayList<>();
        if (rank >= 2) {
            choices.add(0); // transpose
            choices.add(1); // permute
        }
        if (rank >= 1) {
            choices.add(2); // narrow
            choices.add(3); // strided slice
        }
        if (rank < 5) {
            choices.add(4); // unsqueeze
        }
        if (Arrays.stream(t.shape()).anyMatch(d -> d == 1)) {
            choices.add(5); // expand a size-1 axis
        }
        int kind = choices.get(r.nextInt(choices.size()));
        switch (kind) {
            case 0 -> {
                int a = r.nextInt(rank);
                int b = r.nextInt(rank);
                return new Case(t.transpose(a, b), ref.transpose(a, b), c.how() + ".transpose(" + a + "," + b + ")");
            }
            case 1 -> {
                int[] perm = shuffled(r, rank);
                return new Case(t.permute(perm), ref.permute(perm), c.how() + ".permute" + Arrays.toString(perm));
            }
            case 2 -> {
                int axis = r.nextInt(rank);
                int dim = t.dim(axis);
                int len = 1 + r.nextInt(dim);
                int start = r.nextInt(dim - len + 1);
                return new Case(t.narrow(axis, start, len), ref.slice(axis, start, start + len, 1),
                        c.how() + ".narrow(" + axis + "," + start + "," + len + ")");
            }
            case 3 -> {
                int axis = r.nextInt(rank);
                int dim = t.dim(axis);
                int start = r.nextInt(dim);
                int end = start + 1 + r.nextInt(dim - start);
                int step = 1 + r.nextInt(3);
                return new Case(t.slice(axis, start, end, step), ref.slice(axis, start, end, step),
                        c.how() + ".slice(" + axis + "," + start + "," + end + "," + step + ")");
            }
            case 4 -> {
                int axis = r.nextInt(rank + 1);
                return new Case(t.unsqueeze(axis), ref.unsqueeze(axis), c.how() + ".unsqueeze(" + axis + ")");
            }
            default -> {
                int[] target = t.shape();
                for (int d = 0; d < target.length; d++) {
                    if (target[d] == 1 && r.nextBoolean()) {
                        target[d] = 2 + r.nextInt(3);
                    }
                }
                return new Case(t.expand(target), ref.expand(target), c.how() + ".expand" + Arrays.toString(target));
            }
        }
    }

    static int[] shuffled(Random r, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }

    /**
     * A shape that broadcasts against {@code shape}: some leading axes dropped, some axes set to 1; the result
     * broadcasts back to exactly {@code shape}.
     */
    static int[] broadcastPartner(Random r, int[] shape) {
        int drop = shape.length == 0 ? 0 : r.nextInt(shape.length + 1);
        int[] s = Arrays.copyOfRange(shape, drop, shape.length);
        for (int i = 0; i < s.length; i++) {
            if (r.nextInt(3) == 0) {
                s[i] = 1;
            }
        }
        return s;
    }
}
