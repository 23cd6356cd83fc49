package org.mofa4j.nn.sample;

import org.mofa4j.tensor.DType;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * Per-layer attention keys and values of the positions decoded so far, preallocated to the context length.
 * <pre>
 *   keys[l], values[l]   [H, Tmax, D]   position p of head h at [h, p, :]; positions [0, length()) are valid
 * </pre>
 * The cache only stores; {@link GptDecoder} decides what goes in. Writes land in place, so the views returned
 * by {@link #keys} and {@link #values} see later writes. Not thread-safe.
 */
public final class KvCache {
    private final Tensor[] keys;
    private final Tensor[] values;
    private final int heads;
    private final int capacity;
    private final int headWidth;
    private int length;

    /**
     * Zeroed buffers of [heads, capacity, headWidth] for each of {@code layers} layers.
     *
     * @param capacity the most positions the cache holds (the model's context length)
     */
    public KvCache(int layers, int heads, int capacity, int headWidth, DType dtype) {
        if (layers < 1 || heads < 1 || capacity < 1 || headWidth < 1) {
            throw new IllegalArgumentException("KvCache: sizes must be ≥ 1, got layers=" + layers + ", heads="
                    + heads + ", capacity=" + capacity + ", headWidth=" + headWidth);
        }
        this.heads = heads;
        this.capacity = capacity;
        this.headWidth = headWidth;
        this.keys = new Tensor[layers];
        this.values = new Tensor[layers];
        for (int l = 0; l < layers; l++) {
            keys[l] = Tensor.zeros(dtype, heads, capacity, headWidth);
            values[l] = Tensor.zeros(dtype, heads, capacity, headWidth);
        }
    }

    /** Number of valid positions, the same for every layer. */
    public int length() {
        return length;
    }

    /** The most positions the cache can hold. */
    public int capacity() {
        return capacity;
    }

    public int layers() {
        return keys.length;
    }

    /** Forgets every position (the buffers keep their stale contents; they are overwritten before use). */
    public void clear() {
        length = 0;
    }

    /**
     * Copies keys and values for positions [start, start + T) of one layer. Modifies: this layer's buffers.
     * The length does not change; call {@link #advance} once every layer is written.
     *
     * @param k [H, T, D], any strides
     * @param v [H, T, D], any strides
     */
    public void write(int layer, int start, Tensor k, Tensor v) {
        checkLayer(layer);
        int t = checkBlock("k", k);
        if (!java.util.Arrays.equals(k.shape(), v.shape())) {
            throw new IllegalArgumentException("KvCache.write: k is " + Shapes.str(k.shape()) + " but v is "
                    + Shapes.str(v.shape()));
        }
        if (start < 0 || start + t > capacity) {
            throw new IllegalArgumentException("KvCache.write: positions [" + start + ", " + (start + t)
                    + ") do not fit the capacity " + capacity);
        }
        keys[layer].narrow(1, start, t).copyFrom(k);
        values[layer].narrow(1, start, t).copyFrom(v);
    }

    /** Marks positions [length(), newLength) as valid, after {@link #write} filled them in every layer. */
    public void advance(int newLength) {
        if (newLength < length || newLength > capacity) {
            throw new IllegalArgumentException("KvCache.advance: new length " + newLength + " must be in ["
                    + length + ", " + capacity + "]");
        }
        length = newLength;
    }

    /** The keys of positions [0, positions) of one layer: a view [H, positions, D] (stride Tmax·D on H). */
    public Tensor keys(int layer, int positions) {
        checkLayer(layer);
        checkPositions(positions);
        return keys[layer].narrow(1, 0, positions);
    }

    /** The values of positions [0, positions) of one layer: a view [H, positions, D]. */
    public Tensor values(int layer, int positions) {
        checkLayer(layer);
        checkPositions(positions);
        return values[layer].narrow(1, 0, positions);
    }

    private void checkLayer(int layer) {
        if (layer < 0 || layer >= keys.length) {
            throw new IllegalArgumentException("KvCache: layer " + layer + " is outside [0, " + keys.length + ")");
        }
    }

    private void checkPositions(int positions) {
        if (positions < 0 || positions > capacity) {
            throw new IllegalArgumentException("KvCache: " + positions + " positions requested, capacity is "
                    + capacity);
        }
    }

    /** T of a [H, T, D] block, after checking H and D. */
    private int checkBlock(String what, Tensor x) {
        if (x.rank() != 3 || x.dim(0) != heads || x.dim(2) != headWidth) {
            throw new IllegalArgumentException("KvCache.write: " + what + " must be [" + heads + ", T, " + headWidth
                    + "], got " + Shapes.str(x.shape()));
        }
        return x.dim(1);
    }
}
