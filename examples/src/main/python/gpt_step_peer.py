#!/usr/bin/python3
"""PyTorch peer of mofa4j's GPT training-step benchmark (`mofa4j bench`, GptStepBenchmark.java).

The same model and step as the Java side, timed the same way:

    GPT-2-style decoder, pre-LN blocks, GELU (tanh form), head tied to the token embedding,
    init N(0, 0.02) with the two residual projections of each block N(0, 0.02/sqrt(2*layers)), biases 0,
    manual causal attention (torch 1.13 has no scaled_dot_product_attention), no dropout.
    step = fwd:  loss = cross_entropy(model(ids), targets)       ids, targets [B, T]
           bwd:  loss.backward()
           opt:  AdamW(lr 3e-4, betas (0.9, 0.95), eps 1e-8, weight_decay 0.1, one group) .step(); zero_grad()

on one fixed batch of random tokens; `--warmup` untimed steps, then `--steps` timed ones.
The thread count must be fixed BEFORE torch is imported: OpenBLAS (pthread build) ignores
torch.set_num_threads, so OPENBLAS_NUM_THREADS and OMP_NUM_THREADS are set here too (the Java caller
sets them in the environment as well).

Prints one line for the Java side:
    GPTSTEP<TAB>impl=pytorch<TAB>version=...<TAB>threads=1<TAB>tokens=1024<TAB>total=s,s,...<TAB>fwd=...
Times are seconds per step, in the order measured.

Usage: /usr/bin/python3 gpt_step_peer.py [--layers 4 --heads 4 --width 128 --context 64 --vocab 256
                                          --batch 16 --warmup 10 --steps 30 --threads 1 --seed 1337
                                          --positions N (wpe rows, default: --context)]
"""
import argparse
import math
import os
import resource
import sys
import time


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name, default in [("layers", 4), ("heads", 4), ("width", 128), ("context", 64), ("vocab", 256),
                          ("batch", 16), ("warmup", 10), ("steps", 30), ("threads", 1), ("seed", 1337),
                          ("memory-steps", 0), ("positions", 0)]:
        p.add_argument("--" + name, type=int, default=default)
    a = p.parse_args(argv)
    a.positions = a.positions or a.context   # rows of wpe; GPT-2 has 1024 while the batch uses --context
    if a.positions < a.context:
        p.error(f"positions ({a.positions}) must be >= context ({a.context})")
    if a.width % a.heads != 0:
        p.error(f"heads ({a.heads}) must divide the width ({a.width})")
    if a.steps < 1 or a.warmup < 0 or a.batch < 1 or a.threads < 1:
        p.error("need steps >= 1, warmup >= 0, batch >= 1, threads >= 1")
    return a


def build_model(torch, a):
    nn = torch.nn
    F = torch.nn.functional

    class Block(nn.Module):
        """x + attn(ln1(x)), then + mlp(ln2(.)); shapes [B, T, C] throughout."""

        def __init__(self, c, heads):
            super().__init__()
            self.heads = heads
            self.ln1 = nn.LayerNorm(c)
            self.qkv = nn.Linear(c, 3 * c)       # [C] -> [3C]
            self.proj = nn.Linear(c, c)
            self.ln2 = nn.LayerNorm(c)
            self.fc = nn.Linear(c, 4 * c)
            self.mlp_proj = nn.Linear(4 * c, c)

        def forward(self, x, mask):
            b, t, c = x.shape
            d = c // self.heads
            q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)              # 3 x [B, T, C]
            q = q.view(b, t, self.heads, d).transpose(1, 2)              # [B, H, T, D]
            k = k.view(b, t, self.heads, d).transpose(1, 2)
            v = v.view(b, t, self.heads, d).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d))       # [B, H, T, T]
            att = att.masked_fill(mask[:t, :t] == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)    # [B, T, C]
            x = x + self.proj(y)
            return x + self.mlp_proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))

    class Gpt(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(a.vocab, a.width)
            self.wpe = nn.Embedding(a.positions, a.width)
            self.blocks = nn.ModuleList([Block(a.width, a.heads) for _ in range(a.layers)])
            self.ln_f = nn.LayerNorm(a.width)
            self.register_buffer("mask", torch.tril(torch.ones(a.context, a.context)))
            proj_std = 0.02 / math.sqrt(2 * a.layers)
            for name, p in self.named_parameters():
                if name.endswith("proj.weight"):
                    nn.init.normal_(p, 0.0, proj_std)
                elif p.dim() == 2:
                    nn.init.normal_(p, 0.0, 0.02)
                elif name.endswith(".bias"):
                    nn.init.zeros_(p)
                # LayerNorm weights stay 1

        def forward(self, ids, targets):
            b, t = ids.shape
            x = self.wte(ids) + self.wpe(torch.arange(t))              # [B, T, C]
            for blk in self.blocks:
                x = blk(x, self.mask)
            logits = F.linear(self.ln_f(x), self.wte.weight)            # [B, T, V], tied head
            return F.cross_entropy(logits.view(-1, a.vocab), targets.view(-1))

    return Gpt()


def blas_library():
    """The libblas.so.3 this process loaded, resolved (the reference BLAS makes torch ~20x slower than OpenBLAS)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if line.rstrip().endswith("/libblas.so.3")}
        return ";".join(sorted(os.path.realpath(x) for x in libs)) or "no libblas.so.3 mapped"
    except OSError:
        return "unknown"


def main(argv):
    a = parse_args(argv)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(a.threads))
    import torch  # after the environment is set: OpenBLAS reads it when it loads

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = build_model(torch, a)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
    g = torch.Generator().manual_seed(a.seed)
    tokens = torch.randint(0, a.vocab, (a.batch, a.context + 1), generator=g)
    ids, targets = tokens[:, :-1].contiguous(), tokens[:, 1:].contiguous()

    def step():
        t0 = time.perf_counter()
        loss = model(ids, targets)
        value = loss.item()
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        opt.zero_grad(set_to_none=True)
        t3 = time.perf_counter()
        return value, t1 - t0, t2 - t1, t3 - t2

    first_loss = None
    for _ in range(a.warmup):
        value = step()[0]
        first_loss = value if first_loss is None else first_loss
    total, fwd, bwd, upd = [], [], [], []
    last_loss = float("nan")
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(a.steps):
        last_loss, f, b, o = step()
        first_loss = last_loss if first_loss is None else first_loss
        fwd.append(f)
        bwd.append(b)
        upd.append(o)
        total.append(f + b + o)

    cpu_per_wall = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    params = sum(p.numel() for p in model.parameters())
    max_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    note = (f"torch {torch.__version__}, torch threads {torch.get_num_threads()}, "
            f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, "
            f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, BLAS {blas_library()}, "
            f"max RSS {max_rss_mib:.0f} MiB")
    fields = {
        "impl": "pytorch",
        "version": torch.__version__,
        "threads": a.threads,
        "tokens": a.batch * a.context,
        "params": params,
        "total": ",".join(repr(x) for x in total),
        "fwd": ",".join(repr(x) for x in fwd),
        "bwd": ",".join(repr(x) for x in bwd),
        "opt": ",".join(repr(x) for x in upd),
        "first_loss": repr(first_loss),
        "last_loss": repr(last_loss),
        "cpu_per_wall": repr(cpu_per_wall),
        "max_rss_bytes": int(max_rss_mib * 1024 * 1024),
        "note": note,
    }
    print("GPTSTEP\t" + "\t".join(f"{k}={str(v).replace(chr(9), ' ')}" for k, v in fields.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
