"""Writes optim/src/test/resources/golden/adamw.golden: ten steps of torch.optim.AdamW in float64.

Run from the repository root with Python 3 and PyTorch (checked with Debian's python3-torch 1.13):
    python3 optim/src/test/python/make_adamw_golden.py
AdamWGoldenTest replays the file; the tests never run this script.

Format, one record per line pair: a header `name shape=d0,d1` and a line of space-separated repr()
values (row-major). Records: `init.<param>`, then for t = 1..10 `grad.<t>.<param>` and `param.<t>.<param>`
(the parameter after step t). A first line `# ...` gives the hyperparameters.
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402

LR, BETAS, EPS, WEIGHT_DECAY, STEPS = 1e-2, (0.9, 0.95), 1e-8, 0.1, 10
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "golden", "adamw.golden")


def record(lines, name, t):
    shape = ",".join(str(d) for d in t.shape)
    lines.append(f"{name} shape={shape}")
    lines.append(" ".join(repr(float(x)) for x in t.detach().reshape(-1).tolist()))


def main():
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(20251122)
    params = {
        "w": torch.randn(3, 4, generator=gen, dtype=torch.float64).requires_grad_(),
        "b": torch.randn(4, generator=gen, dtype=torch.float64).requires_grad_(),
    }
    opt = torch.optim.AdamW(params.values(), lr=LR, betas=BETAS, eps=EPS, weight_decay=WEIGHT_DECAY)
    lines = [f"# torch {torch.__version__} AdamW lr={LR!r} beta1={BETAS[0]!r} beta2={BETAS[1]!r} "
             f"eps={EPS!r} weight_decay={WEIGHT_DECAY!r} steps={STEPS}"]
    for name, p in params.items():
        record(lines, f"init.{name}", p)
    for t in range(1, STEPS + 1):
        for name, p in params.items():
            p.grad = torch.randn(p.shape, generator=gen, dtype=torch.float64)
            record(lines, f"grad.{t}.{name}", p.grad)
        opt.step()
        for name, p in params.items():
            record(lines, f"param.{t}.{name}", p)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
