package org.mofa4j.nn.hf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.io.CheckpointException;
import org.mofa4j.nn.json.Json;

/**
 * The {@code config.json} of a Hugging Face GPT-2 checkpoint: {@code n_layer}, {@code n_head}, {@code n_embd},
 * {@code n_positions}, {@code vocab_size}, and the fields that must match what {@link org.mofa4j.nn.Gpt}
 * computes: {@code layer_norm_epsilon} 1e-5, {@code activation_function} "gelu_new" (GELU, tanh form),
 * {@code n_inner} absent or 4·n_embd, attention scaled by 1/√D and not by layer index. Every other field
 * (dropouts, token ids, task settings) is kept verbatim in {@link #raw()} and written back on save.
 *
 * @param raw the whole JSON object, in file order
 */
public record HfGpt2Config(int layers, int heads, int width, int positions, int vocab, Map<String, Object> raw) {
    static final double LAYER_NORM_EPS = 1e-5;
    private static final List<String> TANH_GELUS = List.of("gelu_new", "gelu_pytorch_tanh", "gelu_fast");

    /** The mofa4j model of this shape, with the given dropout (Hugging Face's p-drops are not applied). */
    public GptConfig toGptConfig(double dropout) {
        return new GptConfig(layers, heads, width, positions, vocab, dropout);
    }

    /** Reads and checks {@code file}; every problem is a {@link CheckpointException} naming the field. */
    public static HfGpt2Config read(Path file) throws IOException {
        Map<String, Object> obj;
        try {
            obj = Json.asObject(Json.parse(Files.readString(file, StandardCharsets.UTF_8)), "config.json");
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, e.getMessage(), e);
        }
        return fromJson(file, obj);
    }

    static HfGpt2Config fromJson(Path file, Map<String, Object> obj) {
        Object type = obj.get("model_type");
        if (type != null && !"gpt2".equals(type)) {
            throw new CheckpointException(file, "model_type is " + Json.describe(type)
                    + ", only \"gpt2\" is supported");
        }
        int layers = positive(file, obj, "n_layer");
        int heads = positive(file, obj, "n_head");
        int width = positive(file, obj, "n_embd");
        int positions = positive(file, obj, "n_positions");
        int vocab = positive(file, obj, "vocab_size");
        if (width % heads != 0) {
            throw new CheckpointException(file, "n_head " + heads + " does not divide n_embd " + width);
        }
        Object eps = obj.get("layer_norm_epsilon");
        if (eps != null && !(eps instanceof Number n && n.doubleValue() == LAYER_NORM_EPS)) {
            throw new CheckpointException(file, "layer_norm_epsilon is " + Json.describe(eps)
                    + "; mofa4j's LayerNorm uses " + LAYER_NORM_EPS);
        }
        Object act = obj.get("activation_function");
        if (act != null && !TANH_GELUS.contains(act)) {
            throw new CheckpointException(file, "activation_function is " + Json.describe(act)
                    + "; mofa4j's GPT uses the tanh GELU (one of " + TANH_GELUS + ")");
        }
        Object inner = obj.get("n_inner");
        if (inner != null && !(inner instanceof Long l && l == 4L * width)) {
            throw new CheckpointException(file, "n_inner is " + Json.describe(inner) + "; mofa4j's MLP is 4·n_embd = "
                    + 4 * width);
        }
        requireFlag(file, obj, "scale_attn_weights", true);
        requireFlag(file, obj, "scale_attn_by_inverse_layer_idx", false);
        requireFlag(file, obj, "add_cross_attention", false);
        return new HfGpt2Config(layers, heads, width, positions, vocab, new LinkedHashMap<>(obj));
    }

    /** A config.json object for a model of this shape, with GPT-2's defaults for the other fields. */
    public static HfGpt2Config of(GptConfig c) {
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("architectures", List.of("GPT2LMHeadModel"));
        obj.put("model_type", "gpt2");
        obj.put("activation_function", "gelu_new");
        obj.put("layer_norm_epsilon", LAYER_NORM_EPS);
        obj.put("n_layer", c.layers());
        obj.put("n_head", c.heads());
        obj.put("n_embd", c.width());
        obj.put("n_positions", c.context());
        obj.put("n_ctx", c.context());
        obj.put("vocab_size", c.vocab());
        obj.put("resid_pdrop", c.dropout());
        obj.put("embd_pdrop", c.dropout());
        obj.put("attn_pdrop", 0.0);
        obj.put("tie_word_embeddings", true);
        return new HfGpt2Config(c.layers(), c.heads(), c.width(), c.context(), c.vocab(), obj);
    }

    /** Writes {@link #raw()} as JSON (UTF-8). */
    public void write(Path file) throws IOException {
        Files.writeString(file, Json.write(raw, Json.Escape.MINIMAL) + "\n", StandardCharsets.UTF_8);
    }

    private static int positive(Path file, Map<String, Object> obj, String key) {
        Object v = obj.get(key);
        if (!(v instanceof Long l) || l < 1 || l > Integer.MAX_VALUE) {
            throw new CheckpointException(file, v == null ? "field \"" + key + "\" is missing"
                    : "field \"" + key + "\" must be a positive integer, got " + Json.describe(v));
        }
        return (int) (long) l;
    }

    private static void requireFlag(Path file, Map<String, Object> obj, String key, boolean supported) {
        Object v = obj.get(key);
        if (v != null && !Boolean.valueOf(supported).equals(v)) {
            throw new CheckpointException(file, "field \"" + key + "\" is " + Json.describe(v)
                    + "; only " + supported + " is supported");
        }
    }
}
