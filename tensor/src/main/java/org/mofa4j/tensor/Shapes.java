package org.mofa4j.tensor;

import java.util.Arrays;

/** Shape arithmetic shared by every op: element counts, strides, axis normalisation and broadcasting. */
public final class Shapes {
    private Shapes() {}

    /** Product of the dimensions; checks each is ≥ 0 and the product fits in an int. */
    public static int numel(String op, int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new ShapeException(op + ": negative dimension in shape " + str(shape));
            }
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new ShapeException(op + ": shape " + str(shape) + " has more than 2^31-1 elements");
            }
        }
        return (int) n;
    }

    /** Row-major strides of a contiguous tensor with this shape. */
    public static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return strides;
    }

    /** Maps a possibly negative axis into [0, rank); throws naming the op otherwise. */
    public static int axis(String op, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new ShapeException(op + ": axis " + axis + " is out of range for a tensor of rank " + rank);
        }
        return a;
    }

    /** Normalises a list of axes; duplicates are an error. An empty list means "all axes". */
    public static boolean[] axesMask(String op, int[] axes, int rank) {
        boolean[] mask = new boolean[rank];
        if (axes.length == 0) {
            Arrays.fill(mask, true);
            return mask;
        }
        for (int ax : axes) {
            int a = axis(op, ax, rank);
            if (mask[a]) {
                throw new ShapeException(op + ": axis " + ax + " given twice in " + Arrays.toString(axes));
            }
            mask[a] = true;
        }
        return mask;
    }

    /** NumPy broadcasting: aligns trailing dimensions; each pair must be equal or contain a 1. */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new ShapeException(op + ": shapes " + str(a) + " and " + str(b) + " cannot be broadcast"
                        + " (dimension " + i + ": " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** True when the two shapes are identical. */
    public static boolean same(int[] a, int[] b) {
        return Arrays.equals(a, b);
    }

    /** "[2, 3, 4]". */
    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }
}
