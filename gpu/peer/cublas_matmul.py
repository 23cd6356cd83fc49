"""The peer for GemmThroughput: fp32 matrix products through PyTorch (cuBLAS) on the same shapes, TF32 off, so
that both sides do IEEE fp32 multiply-adds. Prints one line per shape and one JSON line. Needs PyTorch with CUDA:
    python3 gpu/peer/cublas_matmul.py
"""
import json
import time

import torch

SHAPES = [(256, 256, 256), (1024, 1024, 1024), (4096, 4096, 4096), (4096, 2304, 768), (4096, 3072, 768),
          (4096, 768, 3072), (4096, 50257, 768)]  # (m, n, k), as in GemmThroughput.SHAPES


def best_seconds(fn, min_seconds=1.0):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    best, start, runs = float("inf"), time.perf_counter(), 0
    while runs < 3 or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
        runs += 1
    return best


def main():
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    name = torch.cuda.get_device_name(0)
    print("device:", name, "torch", torch.__version__)
    rows = []
    g = torch.Generator(device="cuda").manual_seed(7)
    for m, n, k in SHAPES:
        a = torch.rand(m, k, device="cuda", generator=g) * 2 - 1
        b = torch.rand(k, n, device="cuda", generator=g) * 2 - 1
        c = torch.empty(m, n, device="cuda")
        s = best_seconds(lambda: torch.matmul(a, b, out=c))
        gflops = 2.0 * m * n * k / s / 1e9
        print(f"cublas   {m:5d} x {k:5d} x {n:5d}  {s * 1e3:9.3f} ms  {gflops:10.1f} GFLOP/s")
        rows.append({"kernel": "cublas-fp32", "m": m, "n": n, "k": k, "ms": round(s * 1e3, 4),
                     "gflops": round(gflops, 1)})
    print(json.dumps({"device": name, "gemm": rows}))


if __name__ == "__main__":
    main()
