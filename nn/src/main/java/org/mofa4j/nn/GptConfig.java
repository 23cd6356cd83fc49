package org.mofa4j.nn;

/**
 * Shape of a GPT: layers, heads, embedding width, context length, vocabulary and dropout.
 *
 * @param layers  number of transformer blocks, ≥ 1
 * @param heads   attention heads per block, ≥ 1, dividing {@code width}
 * @param width   embedding width C, ≥ 1
 * @param context maximum sequence length T, ≥ 1
 * @param vocab   vocabulary size V, ≥ 1
 * @param dropout dropout probability in [0, 1) on embeddings, attention output and MLP output
 */
public record GptConfig(int layers, int heads, int width, int context, int vocab, double dropout) {
    public GptConfig {
        require(layers >= 1, "layers must be ≥ 1, got " + layers);
        require(heads >= 1, "heads must be ≥ 1, got " + heads);
        require(width >= 1, "width must be ≥ 1, got " + width);
        require(width % heads == 0, "heads (" + heads + ") must divide the width (" + width + ")");
        require(context >= 1, "context must be ≥ 1, got " + context);
        require(vocab >= 1, "vocab must be ≥ 1, got " + vocab);
        require(dropout >= 0 && dropout < 1, "dropout must be in [0, 1), got " + dropout);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("GptConfig: " + message);
        }
    }

    /** Width of one attention head. */
    public int headWidth() {
        return width / heads;
    }

    /** The tiny reference model of the benchmarks: 4 layers, 4 heads, width 128, context 64, vocab 256. */
    public static GptConfig tiny() {
        return new GptConfig(4, 4, 128, 64, 256, 0.0);
    }
}
