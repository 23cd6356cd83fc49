package org.mofa4j.autograd.fuzz;

import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.ToDoubleFunction;
import org.mofa4j.tensor.Tensor;

/**
 * The float64 oracle of the fuzz suite: a row-major array with a shape, and every view, broadcast and reduction
 * written as plain index arithmetic (no strides), so it shares no code with the engine it checks.
 */
record RefArray(double[] data, int[] shape) {
    static RefArray of(Tensor t) {
        return new RefArray(t.toDoubleArray(), t.shape());
    }

    /** out[idx] = f(idx) over every index of {@code shape}. */
    static RefArray tabulate(int[] shape, ToDoubleFunction<int[]> f) {
        int n = numel(shape);
        double[] out = new double[n];
        int[] idx = new int[shape.length];
        for (int i = 0; i < n; i++) {
            out[i] = f.applyAsDouble(idx);
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return new RefArray(out, shape.clone());
    }

    static int numel(int[] shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    int rank() {
        return shape.length;
    }

    double at(int[] idx) {
        int p = 0;
        for (int d = 0; d < shape.length; d++) {
            p = p * shape[d] + idx[d];
        }
        return data[p];
    }

    RefArray permute(int[] perm) {
        int[] s = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            s[i] = shape[perm[i]];
        }
        return tabulate(s, idx -> {
            int[] src = new int[idx.length];
            for (int i = 0; i < perm.length; i++) {
                src[perm[i]] = idx[i];
            }
            return at(src);
        });
    }

    RefArray transpose(int a, int b) {
        int[] perm = new int[rank()];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        perm[a] = b;
        perm[b] = a;
        return permute(perm);
    }

    /** Elements start, start+step, ... below end along axis. */
    RefArray slice(int axis, int start, int end, int step) {
        int[] s = shape.clone();
        s[axis] = Math.max(0, (end - start + step - 1) / step);
        return tabulate(s, idx -> {
            int[] src = idx.clone();
            src[axis] = start + idx[axis] * step;
            return at(src);
        });
    }

    RefArray unsqueeze(int axis) {
        int[] s = new int[rank() + 1];
        for (int i = 0, j = 0; i < s.length; i++) {
            s[i] = i == axis ? 1 : shape[j++];
        }
        return new RefArray(data, s);
    }

    /** Size-1 axes repeated to {@code target} (same rank). */
    RefArray expand(int[] target) {
        return tabulate(target, idx -> {
            int[] src = idx.clone();
            for (int d = 0; d < src.length; d++) {
                if (shape[d] == 1) {
                    src[d] = 0;
                }
            }
            return at(src);
        });
    }

    RefArray map(DoubleUnaryOperator f) {
        return tabulate(shape, idx -> f.applyAsDouble(at(idx)));
    }

    /** NumPy broadcasting: shapes aligned at the right, size-1 axes repeated. */
    RefArray zip(RefArray b, DoubleBinaryOperator f) {
        int r = Math.max(rank(), b.rank());
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = dimFromRight(r - 1 - i);
            int db = b.dimFromRight(r - 1 - i);
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("reference: cannot broadcast " + Arrays.toString(shape) + " with "
                        + Arrays.toString(b.shape));
            }
            out[i] = Math.max(da, db);
        }
        return tabulate(out, idx -> f.applyAsDouble(at(broadcastIndex(idx)), b.at(b.broadcastIndex(idx))));
    }

    private int dimFromRight(int k) {
        return k < rank() ? shape[rank() - 1 - k] : 1;
    }

    private int[] broadcastIndex(int[] outIdx) {
        int[] src = new int[rank()];
        int shift = outIdx.length - rank();
        for (int d = 0; d < rank(); d++) {
            src[d] = shape[d] == 1 ? 0 : outIdx[d + shift];
        }
        return src;
    }

    /** Sum along {@code axis}; also returns Σ|terms| per output for the float32 error bound. */
    RefArray[] sumWithMagnitude(int axis, boolean keepDim) {
        int[] s = shape.clone();
        s[axis] = 1;
        RefArray sum = tabulate(s, idx -> {
            double acc = 0;
            int[] src = idx.clone();
            for (int i = 0; i < shape[axis]; i++) {
                src[axis] = i;
                acc += at(src);
            }
            return acc;
        });
        RefArray mag = tabulate(s, idx -> {
            double acc = 0;
            int[] src = idx.clone();
            for (int i = 0; i < shape[axis]; i++) {
                src[axis] = i;
                acc += Math.abs(at(src));
            }
            return acc;
        });
        if (keepDim) {
            return new RefArray[] {sum, mag};
        }
        int[] squeezed = new int[rank() - 1];
        for (int i = 0, j = 0; i < rank(); i++) {
            if (i != axis) {
                squeezed[j++] = shape[i];
            }
        }
        return new RefArray[] {new RefArray(sum.data, squeezed), new RefArray(mag.data, squeezed)};
    }
}
