package org.mofa4j.tensor;

/**
 * Walks an N-d index space in row-major order over several strided operands at once, calling a body
 * for each innermost run. Dimensions of size 1 are dropped and adjacent dimensions that are laid out
 * contiguously in every operand are merged, so a contiguous op becomes one long run.
 *
 * <p>Runs are numbered 0..{@link #rows()}-1; {@link #run(int, int, Row)} visits a sub-range, so callers
 * can split the rows over threads. Each run touches disjoint output elements when the output has no
 * zero strides, which makes such splits deterministic.
 */
public final class StridedLoop {
    /** One innermost run of {@code n} elements: operand k starts at {@code offsets[k]} and advances {@code steps[k]}. */
    @FunctionalInterface
    public interface Row {
        void run(int n, int[] offsets, int[] steps);
    }

    private final int[] outerShape;
    private final int[][] outerStrides; // [operand][dim]
    private final int[] baseOffsets;
    private final int innerSize;
    private final int[] innerSteps;
    private final int rows;

    /**
     * @param shape   the iteration space
     * @param strides one stride array per operand, each of shape.length (0 for broadcast dimensions)
     * @param offsets one base offset per operand
     */
    public StridedLoop(int[] shape, int[][] strides, int[] offsets) {
        int k = strides.length;
        // keep non-unit dims
        int rank = 0;
        int[] s = new int[shape.length];
        int[][] st = new int[k][shape.length];
        boolean empty = false;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0) {
                empty = true;
            }
            if (shape[i] == 1) {
                continue;
            }
            s[rank] = shape[i];
            for (int o = 0; o < k; o++) {
                st[o][rank] = strides[o][i];
            }
            rank++;
        }
        // merge dim i into i+1 when every operand is contiguous across them
        int merged = 0;
        int[] ms = new int[Math.max(rank, 1)];
        int[][] mst = new int[k][Math.max(rank, 1)];
        for (int i = 0; i < rank; i++) {
            if (merged > 0 && canMerge(mst, ms[merged - 1], merged - 1, st, i, s[i], k)) {
                ms[merged - 1] *= s[i];
                for (int o = 0; o < k; o++) {
                    mst[o][merged - 1] = st[o][i];
                }
            } else {
                ms[merged] = s[i];
                for (int o = 0; o < k; o++) {
                    mst[o][merged] = st[o][i];
                }
                merged++;
            }
        }
        this.baseOffsets = offsets.clone();
        this.innerSteps = new int[k];
        if (empty) {
            this.innerSize = 0;
            this.outerShape = new int[0];
            this.outerStrides = new int[k][0];
            this.rows = 0;
            return;
        }
        if (merged == 0) {
            this.innerSize = 1;
            this.outerShape = new int[0];
            this.outerStrides = new int[k][0];
            this.rows = 1;
            return;
        }
        this.innerSize = ms[merged - 1];
        for (int o = 0; o < k; o++) {
            innerSteps[o] = mst[o][merged - 1];
        }
        this.outerShape = java.util.Arrays.copyOf(ms, merged - 1);
        this.outerStrides = new int[k][];
        for (int o = 0; o < k; o++) {
            outerStrides[o] = java.util.Arrays.copyOf(mst[o], merged - 1);
        }
        int r = 1;
        for (int d : outerShape) {
            r *= d;
        }
        this.rows = r;
    }

    private static boolean canMerge(int[][] mst, int prevSize, int prevDim, int[][] st, int dim, int size, int k) {
        for (int o = 0; o < k; o++) {
            if (mst[o][prevDim] != st[o][dim] * size) {
                return false;
            }
        }
        return true;
    }

    /** Number of innermost runs. */
    public int rows() {
        return rows;
    }

    /** Length of each innermost run. */
    public int rowLength() {
        return innerSize;
    }

    /** Steps of each operand along the innermost run (shared array, do not modify). */
    public int[] innerSteps() {
        return innerSteps;
    }

    /** Visits runs {@code [fromRow, toRow)} in order. Allocates two small arrays per call, none per row. */
    public void run(int fromRow, int toRow, Row body) {
        if (fromRow >= toRow || innerSize == 0) {
            return;
        }
        int k = baseOffsets.length;
        int outer = outerShape.length;
        int[] idx = new int[outer];
        int[] offs = new int[k];
        // decompose fromRow into an odometer position
        int rem = fromRow;
        for (int dim = outer - 1; dim >= 0; dim--) {
            idx[dim] = rem % outerShape[dim];
            rem /= outerShape[dim];
        }
        for (int o = 0; o < k; o++) {
            int p = baseOffsets[o];
            for (int dim = 0; dim < outer; dim++) {
                p += idx[dim] * outerStrides[o][dim];
            }
            offs[o] = p;
        }
        int[] call = new int[k];
        for (int row = fromRow; row < toRow; row++) {
            System.arraycopy(offs, 0, call, 0, k);
            body.run(innerSize, call, innerSteps);
            // advance the odometer
            for (int dim = outer - 1; dim >= 0; dim--) {
                idx[dim]++;
                for (int o = 0; o < k; o++) {
                    offs[o] += outerStrides[o][dim];
                }
                if (idx[dim] < outerShape[dim]) {
                    break;
                }
                for (int o = 0; o < k; o++) {
                    offs[o] -= outerStrides[o][dim] * outerShape[dim];
                }
                idx[dim] = 0;
            }
        }
    }

    /** Visits every run. */
    public void runAll(Row body) {
        run(0, rows, body);
    }
}
