package org.mofa4j.nn.data;

import java.util.Arrays;

/** A growable array of ints, to avoid boxing in the tokenizer's hot loops. */
final class IntList {
    private int[] data;
    private int size;

    IntList(int capacity) {
        data = new int[Math.max(capacity, 4)];
    }

    void add(int v) {
        if (size == data.length) {
            data = Arrays.copyOf(data, data.length * 2);
        }
        data[size++] = v;
    }

    void addAll(int[] vs) {
        if (size + vs.length > data.length) {
            data = Arrays.copyOf(data, Math.max(data.length * 2, size + vs.length));
        }
        System.arraycopy(vs, 0, data, size, vs.length);
        size += vs.length;
    }

    int get(int i) {
        return data[i];
    }

    int size() {
        return size;
    }

    /** The last element; the list must not be empty. */
    int last() {
        return data[size - 1];
    }

    int[] toArray() {
        return Arrays.copyOf(data, size);
    }
}
