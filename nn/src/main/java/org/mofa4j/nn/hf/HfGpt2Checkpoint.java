package org.mofa4j.nn.hf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mofa4j.nn.Gpt;
import org.mofa4j.nn.GptConfig;
import org.mofa4j.nn.io.CheckpointException;
import org.mofa4j.nn.io.Safetensors;
import org.mofa4j.tensor.Shapes;
import org.mofa4j.tensor.Tensor;

/**
 * A GPT-2 checkpoint in Hugging Face layout ({@code model.safetensors} + {@code config.json}) to and from a
 * mofa4j {@link Gpt}.
 *
 * <p><b>Names.</b> Hugging Face → mofa4j, optionally prefixed {@code transformer.} in the file (as
 * {@code GPT2LMHeadModel.save_pretrained} writes them):
 * <pre>
 *   wte.weight [V, C], wpe.weight [P, C], ln_f.weight|bias [C]           same names
 *   h.N.ln_1.weight|bias [C]            → blocks.N.ln1.weight|bias
 *   h.N.attn.c_attn.weight [C, 3C]      → blocks.N.attn.qkv.weight [3C, C]     (Conv1D: transposed)
 *   h.N.attn.c_attn.bias [3C]           → blocks.N.attn.qkv.bias
 *   h.N.attn.c_proj.weight [C, C]       → blocks.N.attn.proj.weight            (transposed)
 *   h.N.ln_2.weight|bias [C]            → blocks.N.ln2.weight|bias
 *   h.N.mlp.c_fc.weight [C, 4C]         → blocks.N.mlp.fc.weight [4C, C]       (transposed)
 *   h.N.mlp.c_proj.weight [4C, C]       → blocks.N.mlp.proj.weight [C, 4C]     (transposed)
 *   (the .bias of each Conv1D maps likewise, untransposed)
 * </pre>
 * {@code lm_head.weight} is accepted when it equals {@code wte.weight} (the tied head) and is not written back,
 * as {@code save_pretrained} leaves it out. The attention-mask buffers {@code h.N.attn.bias} and
 * {@code h.N.attn.masked_bias} of older files are accepted and ignored. Anything else is an error.
 *
 * <p><b>Conv1D orientation.</b> Hugging Face's Conv1D stores W as [in, out] and computes x·W + b; mofa4j's
 * {@link org.mofa4j.nn.Linear} stores [out, in] and computes x·Wᵀ + b. Loading copies each file tensor once,
 * through its transposed view, into the model's own parameter ({@link Gpt#loadStateDict} copies anyway), so a
 * training step reads plain [out, in] weights and never transposes; saving hands the writer transposed views,
 * which it streams out. Nothing is transposed per step.
 *
 * <p>F32, F16 and BF16 files are read (half precision upcast exactly to F32); the model is F32 and is written
 * back as F32 with the metadata {@code {"format": "pt"}} that {@code transformers} requires.
 */
public final class HfGpt2Checkpoint {
    public static final String MODEL_FILE = "model.safetensors";
    public static final String CONFIG_FILE = "config.json";
    static final String PREFIX = "transformer.";
    private static final Pattern MASK_BUFFER = Pattern.compile("h\\.(\\d+)\\.attn\\.(bias|masked_bias)");

    /** One Hugging Face tensor name per block: its mofa4j name and whether it is a Conv1D weight. */
    private record BlockTensor(String hf, String mofa, boolean conv1d) {}

    private static final List<BlockTensor> BLOCK_TENSORS = List.of(
            new BlockTensor("ln_1.weight", "ln1.weight", false),
            new BlockTensor("ln_1.bias", "ln1.bias", false),
            new BlockTensor("attn.c_attn.weight", "attn.qkv.weight", true),
            new BlockTensor("attn.c_attn.bias", "attn.qkv.bias", false),
            new BlockTensor("attn.c_proj.weight", "attn.proj.weight", true),
            new BlockTensor("attn.c_proj.bias", "attn.proj.bias", false),
            new BlockTensor("ln_2.weight", "ln2.weight", false),
            new BlockTensor("ln_2.bias", "ln2.bias", false),
            new BlockTensor("mlp.c_fc.weight", "mlp.fc.weight", true),
            new BlockTensor("mlp.c_fc.bias", "mlp.fc.bias", false),
            new BlockTensor("mlp.c_proj.weight", "mlp.proj.weight", true),
            new BlockTensor("mlp.c_proj.bias", "mlp.proj.bias", false));

    private HfGpt2Checkpoint() {}

    /**
     * What a checkpoint directory held.
     *
     * @param prefixed whether the file's names carried the {@code transformer.} prefix (kept on save)
     * @param storedDtypes the dtype of each tensor in the file ("F32", "F16", "BF16")
     */
    public record Loaded(Gpt model, HfGpt2Config config, boolean prefixed, Map<String, String> storedDtypes) {}

    /** Reads {@code dir/config.json} and {@code dir/model.safetensors}; see {@link #load(Path, Path, double, long)}. */
    public static Loaded load(Path dir, double dropout, long seed) throws IOException {
        return load(dir.resolve(CONFIG_FILE), dir.resolve(MODEL_FILE), dropout, seed);
    }

    /**
     * A model built from the config with the file's weights.
     *
     * @param dropout dropout of the mofa4j model (0 for evaluation; the config's p-drops are not used)
     * @param seed    seeds the dropout masks (and the initial weights, which are all overwritten)
     * @throws CheckpointException for a bad config, a missing, unexpected or misshapen tensor, or an untied head;
     *     the message names every offending tensor and the config values it was checked against
     */
    public static Loaded load(Path configJson, Path safetensors, double dropout, long seed) throws IOException {
        for (Path p : List.of(configJson, safetensors)) {
            if (!Files.isRegularFile(p)) {
                throw new CheckpointException(p, "file not found (a GPT-2 checkpoint directory holds "
                        + CONFIG_FILE + " and " + MODEL_FILE + ")");
            }
        }
        HfGpt2Config config = HfGpt2Config.read(configJson);
        Safetensors.Contents contents = Safetensors.read(safetensors);
        if (!contents.intTensors().isEmpty()) {
            throw new CheckpointException(safetensors, "unexpected integer tensor(s) "
                    + contents.intTensors().keySet() + " in a GPT-2 checkpoint");
        }
        Gpt model = new Gpt(config.toGptConfig(dropout), seed);
        boolean prefixed = contents.tensors().keySet().stream().anyMatch(n -> n.startsWith(PREFIX));
        model.loadStateDict(toMofa(safetensors, contents.tensors(), config.toGptConfig(dropout)));
        return new Loaded(model, config, prefixed, contents.storedDtypes());
    }

    /**
     * The mofa4j state dict of Hugging Face tensors: Conv1D weights as transposed views (no copies), checked
     * against {@code c} first.
     */
    static Map<String, Tensor> toMofa(Path file, Map<String, Tensor> hf, GptConfig c) {
        Map<String, Tensor> byName = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : hf.entrySet()) {
            String name = e.getKey().startsWith(PREFIX) ? e.getKey().substring(PREFIX.length()) : e.getKey();
            if (byName.put(name, e.getValue()) != null) {
                problems.add("tensor '" + name + "' appears both with and without the '" + PREFIX + "' prefix");
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        TreeSet<String> used = new TreeSet<>();
        take(byName, "wte.weight", "wte.weight", false, new int[] {c.vocab(), c.width()},
                "vocab_size, n_embd", out, used, problems);
        take(byName, "wpe.weight", "wpe.weight", false, new int[] {c.context(), c.width()},
                "n_positions, n_embd", out, used, problems);
        for (int i = 0; i < c.layers(); i++) {
            for (BlockTensor bt : BLOCK_TENSORS) {
                take(byName, "h." + i + "." + bt.hf(), "blocks." + i + "." + bt.mofa(), bt.conv1d(),
                        hfShape(bt.hf(), c.width()), "n_embd " + c.width(), out, used, problems);
            }
        }
        take(byName, "ln_f.weight", "ln_f.weight", false, new int[] {c.width()}, "n_embd", out, used, problems);
        take(byName, "ln_f.bias", "ln_f.bias", false, new int[] {c.width()}, "n_embd", out, used, problems);
        Tensor head = byName.get("lm_head.weight");
        if (head != null) {
            used.add("lm_head.weight");
            Tensor wte = byName.get("wte.weight");
            if (wte != null && !(Arrays.equals(head.shape(), wte.shape()) && head.sub(wte).abs().sumAll() == 0)) {
                problems.add("tensor 'lm_head.weight' differs from 'wte.weight', but mofa4j's GPT ties its head to"
                        + " the token embedding");
            }
        }
        for (String name : byName.keySet()) {
            Matcher m = MASK_BUFFER.matcher(name);
            if (m.matches() && Integer.parseInt(m.group(1)) < c.layers()) {
                used.add(name); // the causal-mask buffer of older files: not a parameter
            }
        }
        for (String name : byName.keySet()) {
            if (!used.contains(name)) {
                problems.add("unexpected tensor '" + name + "'" + unexpectedHint(name, c));
            }
        }
        if (!problems.isEmpty()) {
            throw new CheckpointException(file, "not a GPT-2 checkpoint matching its config.json (n_layer "
                    + c.layers() + ", n_head " + c.heads() + ", n_embd " + c.width() + ", n_positions " + c.context()
                    + ", vocab_size " + c.vocab() + "): " + String.join("; ", problems));
        }
        return out;
    }

    private static void take(Map<String, Tensor> hf, String hfName, String mofaName, boolean conv1d,
            int[] expected, String fromConfig, Map<String, Tensor> out, TreeSet<String> used, List<String> problems) {
        Tensor t = hf.get(hfName);
        if (t == null) {
            problems.add("missing tensor '" + hfName + "'");
            return;
        }
        used.add(hfName);
        if (!Arrays.equals(t.shape(), expected)) {
            problems.add("tensor '" + hfName + "' has shape " + Shapes.str(t.shape()) + ", config.json ("
                    + fromConfig + ") gives " + Shapes.str(expected));
            return;
        }
        out.put(mofaName, conv1d ? t.transpose(0, 1) : t);
    }

    /** The Hugging Face shape of a block tensor for width C. */
    private static int[] hfShape(String hfSuffix, int c) {
        return switch (hfSuffix) {
            case "attn.c_attn.weight" -> new int[] {c, 3 * c};
            case "attn.c_attn.bias" -> new int[] {3 * c};
            case "attn.c_proj.weight" -> new int[] {c, c};
            case "mlp.c_fc.weight" -> new int[] {c, 4 * c};
            case "mlp.c_fc.bias" -> new int[] {4 * c};
            case "mlp.c_proj.weight" -> new int[] {4 * c, c};
            default -> new int[] {c}; // LayerNorms and the output-sized biases
        };
    }

    private static String unexpectedHint(String name, GptConfig c) {
        Matcher m = Pattern.compile("h\\.(\\d+)\\..*").matcher(name);
        if (m.matches() && Integer.parseInt(m.group(1)) >= c.layers()) {
            return " (block " + m.group(1) + ", but config.json has n_layer " + c.layers() + ")";
        }
        return "";
    }

    /**
     * The Hugging Face state dict of {@code model}: names as in the class comment (with the {@code transformer.}
     * prefix when {@code prefixed}), Conv1D weights as transposed views of the live parameters (not copies).
     *
     * @throws IllegalStateException if the model still has LoRA adapters (merge them first)
     */
    public static Map<String, Tensor> toHuggingFace(Gpt model, boolean prefixed) {
        Map<String, Tensor> mine = model.stateDict();
        Map<String, Tensor> out = new LinkedHashMap<>();
        String p = prefixed ? PREFIX : "";
        out.put(p + "wte.weight", mine.get("wte.weight"));
        out.put(p + "wpe.weight", mine.get("wpe.weight"));
        GptConfig c = model.config();
        for (int i = 0; i < c.layers(); i++) {
            for (BlockTensor bt : BLOCK_TENSORS) {
                Tensor t = mine.get("blocks." + i + "." + bt.mofa());
                out.put(p + "h." + i + "." + bt.hf(), bt.conv1d() ? t.transpose(0, 1) : t);
            }
        }
        out.put(p + "ln_f.weight", mine.get("ln_f.weight"));
        out.put(p + "ln_f.bias", mine.get("ln_f.bias"));
        if (mine.size() != 4 + 12 * c.layers()) {
            List<String> extra = new ArrayList<>(mine.keySet());
            extra.removeIf(n -> n.startsWith("wte.") || n.startsWith("wpe.") || n.startsWith("ln_f.")
                    || BLOCK_TENSORS.stream().anyMatch(bt -> n.matches("blocks\\.\\d+\\." + Pattern.quote(bt.mofa()))));
            throw new IllegalStateException("HfGpt2Checkpoint: the model has parameters with no GPT-2 name " + extra
                    + "; merge LoRA adapters (Lora.merge) before saving");
        }
        return out;
    }

    /**
     * Writes {@code dir/model.safetensors} (F32, metadata {"format": "pt"}) and {@code dir/config.json},
     * creating {@code dir}. The files load back with {@link #load} and with {@code transformers}'
     * {@code GPT2LMHeadModel.from_pretrained(dir)}.
     */
    public static void save(Gpt model, HfGpt2Config config, boolean prefixed, Path dir) throws IOException {
        GptConfig c = model.config();
        if (config.layers() != c.layers() || config.heads() != c.heads() || config.width() != c.width()
                || config.positions() != c.context() || config.vocab() != c.vocab()) {
            throw new IllegalArgumentException("HfGpt2Checkpoint.save: config.json describes " + config
                    + " but the model is " + c);
        }
        Files.createDirectories(dir);
        Safetensors.write(dir.resolve(MODEL_FILE), toHuggingFace(model, prefixed), Map.of("format", "pt"));
        config.write(dir.resolve(CONFIG_FILE));
    }
}
