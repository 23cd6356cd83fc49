package org.mofa4j.tensor;

import java.util.Arrays;

/**
 * A contiguous row-major tensor of ints: token ids, class targets, gather/scatter indices, argmax
 * results. It is deliberately simple (no views): indices are produced and consumed whole.
 */
public final class IntTensor {
    private final int[] data;
    private final int[] shape;

    private IntTensor(int[] data, int[] shape) {
        this.data = data;
        this.shape = shape;
    }

    /** Wraps {@code data} (not copied) with the given shape. */
    public static IntTensor wrap(int[] data, int... shape) {
        int n = Shapes.numel("IntTensor.wrap", shape);
        if (n != data.length) {
            throw new ShapeException("IntTensor.wrap: shape " + Shapes.str(shape) + " needs " + n
                    + " elements but the array has " + data.length);
        }
        return new IntTensor(data, shape.clone());
    }

    /** Copies {@code data} into a new tensor of the given shape. */
    public static IntTensor of(int[] data, int... shape) {
        return wrap(data.clone(), shape);
    }

    /** A 1-D tensor holding the values. */
    public static IntTensor vector(int... values) {
        return wrap(values.clone(), values.length);
    }

    public static IntTensor zeros(int... shape) {
        return new IntTensor(new int[Shapes.numel("IntTensor.zeros", shape)], shape.clone());
    }

    /** The backing array, row-major. Modifying it modifies the tensor. */
    public int[] data() {
        return data;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int dim(int axis) {
        return shape[Shapes.axis("IntTensor.dim", axis, shape.length)];
    }

    public int rank() {
        return shape.length;
    }

    public int numel() {
        return data.length;
    }

    public int get(int... index) {
        return data[flatIndex(index)];
    }

    public void set(int value, int... index) {
        data[flatIndex(index)] = value;
    }

    /** Same data, new shape with equal element count (one dimension may be -1). */
    public IntTensor reshape(int... newShape) {
        return wrap(data, Tensor.inferShape("IntTensor.reshape", shape, newShape));
    }

    private int flatIndex(int[] index) {
        if (index.length != shape.length) {
            throw new ShapeException("IntTensor.get: " + index.length + " indices for a tensor of shape "
                    + Shapes.str(shape));
        }
        int flat = 0;
        for (int i = 0; i < shape.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new ShapeException("IntTensor.get: index " + Arrays.toString(index)
                        + " out of range for shape " + Shapes.str(shape));
            }
            flat = flat * shape[i] + index[i];
        }
        return flat;
    }

    @Override
    public String toString() {
        int shown = Math.min(data.length, 16);
        return "IntTensor" + Shapes.str(shape) + Arrays.toString(Arrays.copyOf(data, shown))
                .replace("]", data.length > shown ? ", ...]" : "]");
    }
}
