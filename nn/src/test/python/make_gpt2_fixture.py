#!/usr/bin/python3
"""A tiny randomly initialised GPT-2 in Hugging Face layout, and golden outputs for HfGpt2CheckpointTest.java.

    make_gpt2_fixture.py write OUT_DIR      writes the fixture (the committed one is nn/src/test/resources/gpt2):
        tiny/       config.json, model.safetensors (F32, plain names, with the h.N.attn.bias / masked_bias
                    buffers of older files), vocab.json, merges.txt (a byte-level vocabulary: GPT-2's 256 byte
                    tokens, 5 merges, <|endoftext|>)
        tiny_f16/   config.json, model.safetensors (F16, names prefixed "transformer.", tied lm_head.weight)
        tiny_bf16/  config.json, model.safetensors (BF16, plain names)
        tiny_golden.safetensors
                    ids [2, 17] (I64; inputs ids[:, :-1], targets ids[:, 1:]),
                    logits [2, 16, V] and loss [] of the F32 model, in float64 arithmetic, stored F32 / F64,
                    grad.<name> of the mean cross-entropy for every parameter, Hugging Face name and layout (F32),
                    logits_f16, logits_bf16: logits of the half-precision files' weights upcast to float64
    make_gpt2_fixture.py check MODEL_DIR    loads MODEL_DIR (e.g. one mofa4j saved) with the forward below and
                    prints the loss and max |logits - golden| on the golden ids; exits 1 if the names, shapes or
                    Conv1D orientation are off (the logits would not match)

The model is GPT-2 as Hugging Face's GPT2LMHeadModel computes it (transformers is not needed): Conv1D layers
y = x @ W + b with W [in, out], pre-LayerNorm blocks with eps 1e-5, GELU "gelu_new" (tanh form), attention
scaled by 1/sqrt(D) with a causal mask, head tied to wte. Weights are drawn wider than GPT-2's N(0, 0.02) so that
the logits are far from uniform and a wrong transpose or a swapped tensor changes them visibly.

Uses Debian's python3-torch (1.13) and the safetensors writer of check_safetensors.py in this directory.
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors import load, save  # noqa: E402

LAYERS, HEADS, WIDTH, POSITIONS = 2, 4, 32, 32
MERGES = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "a")]
VOCAB = 256 + len(MERGES) + 1
BATCH, T = 2, 16


def bytes_to_unicode():
    """GPT-2's printable stand-in character for every byte (OpenAI's encoder.py)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


def vocab():
    """GPT-2's order: the 256 byte tokens in stand-in order, then one token per merge, then <|endoftext|>."""
    tokens = list(bytes_to_unicode().values())
    tokens += [a + b for a, b in MERGES]
    tokens.append("<|endoftext|>")
    return {t: i for i, t in enumerate(tokens)}


def config():
    return {
        "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
        "bos_token_id": VOCAB - 1, "embd_pdrop": 0.1, "eos_token_id": VOCAB - 1, "initializer_range": 0.02,
        "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": POSITIONS, "n_embd": WIDTH, "n_head": HEADS,
        "n_inner": None, "n_layer": LAYERS, "n_positions": POSITIONS, "resid_pdrop": 0.1,
        "scale_attn_weights": True, "tie_word_embeddings": True, "vocab_size": VOCAB,
    }


def random_weights(gen):
    """Hugging Face names and shapes; float32."""
    def normal(*shape, std):
        return torch.randn(*shape, generator=gen) * std

    c = WIDTH
    w = {"wte.weight": normal(VOCAB, c, std=0.3), "wpe.weight": normal(POSITIONS, c, std=0.1)}
    for i in range(LAYERS):
        p = f"h.{i}."
        w[p + "ln_1.weight"] = 1 + normal(c, std=0.1)
        w[p + "ln_1.bias"] = normal(c, std=0.1)
        w[p + "attn.c_attn.weight"] = normal(c, 3 * c, std=0.25)     # Conv1D: [in, out]
        w[p + "attn.c_attn.bias"] = normal(3 * c, std=0.1)
        w[p + "attn.c_proj.weight"] = normal(c, c, std=0.2)
        w[p + "attn.c_proj.bias"] = normal(c, std=0.1)
        w[p + "ln_2.weight"] = 1 + normal(c, std=0.1)
        w[p + "ln_2.bias"] = normal(c, std=0.1)
        w[p + "mlp.c_fc.weight"] = normal(c, 4 * c, std=0.2)
        w[p + "mlp.c_fc.bias"] = normal(4 * c, std=0.1)
        w[p + "mlp.c_proj.weight"] = normal(4 * c, c, std=0.1)
        w[p + "mlp.c_proj.bias"] = normal(c, std=0.1)
    w["ln_f.weight"] = 1 + normal(c, std=0.1)
    w["ln_f.bias"] = normal(c, std=0.1)
    return w


def forward(w, ids, cfg):
    """GPT2LMHeadModel's logits [B, T, V] for ids [B, T]; w in Hugging Face names and layout."""
    layers, heads, c = cfg["n_layer"], cfg["n_head"], cfg["n_embd"]
    eps = cfg["layer_norm_epsilon"]
    b, t = ids.shape
    d = c // heads
    x = w["wte.weight"][ids] + w["wpe.weight"][:t]                          # [B, T, C]
    mask = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
    for i in range(layers):
        p = f"h.{i}."
        h = F.layer_norm(x, (c,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = h @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]   # Conv1D: x @ W + b, [B, T, 3C]
        q, k, v = qkv.split(c, dim=2)
        q, k, v = (z.view(b, t, heads, d).permute(0, 2, 1, 3) for z in (q, k, v))  # [B, H, T, D]
        att = (q @ k.transpose(-1, -2)) / math.sqrt(d)
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        o = (att @ v).permute(0, 2, 1, 3).reshape(b, t, c)
        x = x + o @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        h = F.layer_norm(x, (c,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        h = F.gelu(h @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"], approximate="tanh")
        x = x + h @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = F.layer_norm(x, (c,), w["ln_f.weight"], w["ln_f.bias"], eps)
    return x @ w["wte.weight"].t()                                          # tied head


def loss_of(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def write_model_dir(path, tensors, dtype, prefix, extra):
    os.makedirs(path, exist_ok=True)
    out = {prefix + k: v.to(dtype).contiguous() for k, v in tensors.items()}
    out.update(extra)
    save(out, os.path.join(path, "model.safetensors"), {"format": "pt"})
    with open(os.path.join(path, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config(), f, indent=2, sort_keys=True)
        f.write("\n")


def write(out_dir):
    gen = torch.Generator().manual_seed(20240601)
    w = random_weights(gen)
    ids = torch.randint(0, VOCAB, (BATCH, T + 1), generator=gen)
    inputs, targets = ids[:, :-1], ids[:, 1:]

    # F32 file: plain names plus the attention-mask buffers older transformers versions saved.
    buffers = {}
    for i in range(LAYERS):
        buffers[f"h.{i}.attn.bias"] = torch.tril(torch.ones(POSITIONS, POSITIONS)).view(1, 1, POSITIONS, POSITIONS)
        buffers[f"h.{i}.attn.masked_bias"] = torch.tensor(-1e4)
    tiny = os.path.join(out_dir, "tiny")
    write_model_dir(tiny, w, torch.float32, "", buffers)
    with open(os.path.join(tiny, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab(), f, ensure_ascii=False)
    with open(os.path.join(tiny, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in MERGES))
    write_model_dir(os.path.join(out_dir, "tiny_f16"), w, torch.float16, "transformer.",
                    {"lm_head.weight": w["wte.weight"].to(torch.float16)})
    write_model_dir(os.path.join(out_dir, "tiny_bf16"), w, torch.bfloat16, "", {})

    w64 = {k: v.double().requires_grad_(True) for k, v in w.items()}
    logits = forward(w64, inputs, config())
    loss = loss_of(logits, targets)
    loss.backward()
    golden = {"ids": ids, "logits": logits.detach().float(), "loss": loss.detach()}
    for k, v in w64.items():
        golden["grad." + k] = v.grad.float()
    for name, dtype in (("f16", torch.float16), ("bf16", torch.bfloat16)):
        wh = {k: v.to(dtype).double() for k, v in w.items()}
        golden["logits_" + name] = forward(wh, inputs, config()).float()
    save(golden, os.path.join(out_dir, "tiny_golden.safetensors"), {"format": "pt"})
    print(f"wrote {out_dir}: loss {loss.item():.6f}")


def check(model_dir, golden_file):
    tensors, meta, _ = load(os.path.join(model_dir, "model.safetensors"))
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    if meta.get("format") != "pt":
        print(f"metadata {meta} lacks format=pt, which transformers requires")
        return 1
    w = {k[len("transformer."):] if k.startswith("transformer.") else k: v.double() for k, v in tensors.items()}
    golden, _, _ = load(golden_file)
    ids = golden["ids"]
    logits = forward(w, ids[:, :-1], cfg)
    loss = loss_of(logits, ids[:, 1:])
    diff = (logits - golden["logits"].double()).abs().max().item()
    print(f"{model_dir}: {len(tensors)} tensors, loss {loss.item():.6f} (golden {golden['loss'].item():.6f}),"
          f" max |logits - golden| {diff:.3g}")
    return 0 if diff < 1e-4 else 1


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    default_golden = os.path.join(here, "..", "resources", "gpt2", "tiny_golden.safetensors")
    if len(argv) == 2 and argv[0] == "write":
        write(argv[1])
        return 0
    if len(argv) in (2, 3) and argv[0] == "check":
        return check(argv[1], argv[2] if len(argv) == 3 else default_golden)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
