#!/usr/bin/python3
"""PyTorch CPU reference for the inference benchmark (format 2).

Uses the test reference model (tests/NeuronGuard.Inference.Tests/reference/torch_reference.py) on the same
safetensors, with torch.set_num_threads matching the managed host. Prints one JSON object per mode.
Every mode first checks which BLAS torch calls: Debian's torch is built with BLAS_INFO=generic and calls
whatever libblas.so.3 resolves to; the reference BLAS is ~30x slower than OpenBLAS here, so comparing
against it would flatter the managed engine. The script refuses (exit 3) unless an optimised BLAS is loaded.
usage: torch_bench.py --blas
       torch_bench.py --gemm 64x768x3072,512x768x3072 --threads N --repeats R
       torch_bench.py --model DIR --threads N --prefill 128,512 --prompt S --decode D --repeats R
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tests", "NeuronGuard.Inference.Tests", "reference"))
import torch_reference  # noqa: E402

OPTIMISED = ("openblas", "blis", "mkl", "atlas")


def blas():
    """Which BLAS this process loaded, after a matmul has forced it in (from /proc/self/maps)."""
    a = torch.ones(64, 64)
    (a @ a).sum()
    with open("/proc/self/maps") as f:
        loaded = sorted({line.split()[-1] for line in f if "blas" in line.split()[-1].lower() and "/" in line})
    link = "/usr/lib/x86_64-linux-gnu/libblas.so.3"
    try:
        alt = subprocess.run(["update-alternatives", "--query", "libblas.so.3-x86_64-linux-gnu"],
                             capture_output=True, text=True).stdout
        alt = next((line.split(":", 1)[1].strip() for line in alt.splitlines() if line.startswith("Value:")), "?")
    except OSError:
        alt = "?"
    cfg = torch.__config__.show()
    info = re.search(r"BLAS_INFO=[^,\s]*", cfg)
    info = info.group(0) if info else "?"
    return {"torch": torch.__version__, "blas_info": info, "libblas": os.path.realpath(link), "alternative": alt,
            "loaded": loaded, "optimised": any(k in p.lower() for p in loaded for k in OPTIMISED)}


def gemm(shapes, repeats):
    out = {}
    for shape in shapes.split(","):
        m, k, n = (int(v) for v in shape.split("x"))
        a, b, bias = torch.rand(m, k) - 0.5, torch.rand(k, n) - 0.5, torch.rand(n)
        torch.addmm(bias, a, b)
        calls = max(1, int(2e10 / (2.0 * m * k * n * 12 / torch.get_num_threads())))
        best = 0.0
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(calls):
                torch.addmm(bias, a, b)
            best = max(best, 2.0 * m * k * n * calls / (time.perf_counter() - t0) / 1e9)
        out[shape] = best
    return out


def model(args):
    m = torch_reference.build(args.model)
    sizes = [int(v) for v in args.prefill.split(",")]
    ids = torch.tensor([(i * 37 + 11) % 256 for i in range(max(sizes))], dtype=torch.long)
    prefill, decode = {}, []
    m.forward(ids[:8], last_only=True)  # warm-up
    for size in sizes:
        best = 0.0
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            m.forward(ids[:size], last_only=True)
            best = max(best, size / (time.perf_counter() - t0))
        prefill[str(size)] = best
    for _ in range(args.repeats):
        cache = []
        logits = m.forward(ids[:args.prompt], 0, cache)
        tok = int(logits[-1].argmax())
        t0 = time.perf_counter()
        for step in range(args.decode):
            logits = m.forward(torch.tensor([tok]), args.prompt + step, cache)
            tok = int(logits[-1].argmax())
        decode.append(args.decode / (time.perf_counter() - t0))
    return {"prefill_tok_s": prefill, "decode_tok_s": max(decode)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--blas", action="store_true")
    ap.add_argument("--gemm")
    ap.add_argument("--model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--prefill", default="128")
    ap.add_argument("--prompt", type=int, default=16)
    ap.add_argument("--decode", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    info = blas()
    if not info["optimised"]:
        print(f"torch_bench.py: refusing to compare: torch loaded {info['loaded'] or 'no BLAS'} "
              f"(libblas.so.3 -> {info['libblas']}), the reference BLAS; install libopenblas0-pthread "
              "(apt-get install libopenblas0-pthread) so libblas.so.3 resolves to OpenBLAS.", file=sys.stderr)
        sys.exit(3)
    result = {"format": 2, "threads": torch.get_num_threads(), "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"), **info}
    with torch.inference_mode():
        if args.gemm:
            result["gemm_gflops"] = gemm(args.gemm, args.repeats)
        elif args.model:
            result.update(model(args))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
