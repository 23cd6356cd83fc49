"""Loads a mofa4j GPT checkpoint into PyTorch and evaluates it on a text file.

Usage (repo root): /usr/bin/python3 nn/src/test/python/torch_eval_checkpoint.py MODEL.safetensors TEXT [--windows N]

It rebuilds the model from the file alone (config and tokenizer are in the safetensors metadata), with the same
architecture as org.mofa4j.nn.Gpt: pre-LayerNorm blocks (eps 1e-5), tanh GELU, causal attention, a head tied to
wte.weight. It prints the mean cross-entropy over consecutive windows of the last 10% of the text (the
validation split `mofa4j train` uses), so the number can be compared with the validation loss mofa4j reported.
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors import load  # noqa: E402  (the reader of this directory)


def forward(w, cfg, ids):
    layers, heads, width, context, vocab = cfg
    b, t = ids.shape
    d = width // heads
    x = w["wte.weight"][ids] + w["wpe.weight"][:t]
    mask = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
    for i in range(layers):
        p = f"blocks.{i}."
        h = F.layer_norm(x, (width,), w[p + "ln1.weight"], w[p + "ln1.bias"], 1e-5)
        qkv = F.linear(h, w[p + "attn.qkv.weight"], w[p + "attn.qkv.bias"])
        q, k, v = qkv.split(width, dim=2)
        q, k, v = (z.view(b, t, heads, d).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d)
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        o = (att @ v).transpose(1, 2).reshape(b, t, width)
        x = x + F.linear(o, w[p + "attn.proj.weight"], w[p + "attn.proj.bias"])
        h = F.layer_norm(x, (width,), w[p + "ln2.weight"], w[p + "ln2.bias"], 1e-5)
        h = F.gelu(F.linear(h, w[p + "mlp.fc.weight"], w[p + "mlp.fc.bias"]), approximate="tanh")
        x = x + F.linear(h, w[p + "mlp.proj.weight"], w[p + "mlp.proj.bias"])
    x = F.layer_norm(x, (width,), w["ln_f.weight"], w["ln_f.bias"], 1e-5)
    return F.linear(x, w["wte.weight"])


def main(argv):
    model_file, text_file = argv[1], argv[2]
    windows = int(argv[argv.index("--windows") + 1]) if "--windows" in argv else 200
    tensors, meta, _ = load(model_file)
    cfg = [int(float(v)) for v in meta["mofa4j.config"].split(",")[:5]]
    tok = json.loads(meta["mofa4j.tokenizer"])
    if tok["kind"] != "char":
        raise SystemExit("this script handles character-level checkpoints only, got " + tok["kind"])
    index = {cp: i for i, cp in enumerate(tok["codePoints"])}
    text = open(text_file, encoding="utf-8").read()
    ids = [index[ord(c)] for c in text]
    val = ids[int(len(ids) * 0.9):]
    t = cfg[3]
    total, count = 0.0, 0
    with torch.no_grad():
        for s in range(0, min(windows * t, len(val) - t - 1), t):
            x = torch.tensor([val[s:s + t]])
            y = torch.tensor([val[s + 1:s + t + 1]])
            total += F.cross_entropy(forward(tensors, cfg, x)[0], y[0]).item()
            count += 1
    print(f"loaded {len(tensors)} tensors from {model_file} (step {meta.get('mofa4j.step')}, config {cfg})")
    print(f"torch {torch.__version__}: validation cross-entropy over {count} windows of {t}: {total / count:.4f}")


if __name__ == "__main__":
    main(sys.argv)
