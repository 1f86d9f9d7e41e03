#!/usr/bin/python3
"""PyTorch CPU reference for the inference benchmark (format 3): a worker that answers one JSON command per line.

It runs the test reference model (tests/NeuronGuard.Inference.Tests/reference/torch_reference.py) on the same
safetensors as the managed host. Before answering anything it makes sure torch runs on OpenBLAS's best kernels:
  - Debian's torch is built with BLAS_INFO=generic and calls whatever libblas.so.3 resolves to; the script refuses
    (exit 3) unless the process mapped libopenblas.
  - Debian's OpenBLAS 0.3.21 does not recognise some CPUs and falls back to its SSE3 "Prescott" kernels (3-4x slower;
    fixed upstream in 0.3.25). The script reads openblas_get_corename() through ctypes from the libopenblas the
    process mapped, works out the best core type this CPU supports from /proc/cpuinfo, and when they differ
    re-executes itself with OPENBLAS_CORETYPE set to it (this process only: tests and CI never set it). A core it
    still cannot get, or a generic one, is refused.
  - a float32 matmul and a matrix-vector product are checked against float64 before any timing.
Timing: every operation is first run for at least --warm seconds (default 2), then each sample runs it repeatedly
for a fixed --budget seconds (default 1) and reports work/elapsed; the C# side interleaves these samples with the
managed engine's.
usage: torch_bench.py --worker --threads N   (then one command per line on stdin:
         {"op": "info"} | {"op": "gemm", "m":, "k":, "n":} | {"op": "prefill", "model":, "n":}
         | {"op": "decode", "model":, "prompt":, "steps":, "mv": bool})
       torch_bench.py --rss DIR --prefill 128 --decode 16   (peak RSS of a fresh process that loads and runs DIR)
"""
import argparse
import ctypes
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tests", "NeuronGuard.Inference.Tests", "reference"))
import torch_reference  # noqa: E402

REFUSED = ("prescott", "generic", "core2", "katmai", "coppermine", "northwood", "penryn", "dunnington",
           "nehalem", "atom", "athlon", "opteron", "barcelona", "bobcat", "unknown")


def mapped_blas():
    a = torch.ones(64, 64)
    (a @ a).sum()  # force the BLAS in
    with open("/proc/self/maps") as f:
        return sorted({line.split()[-1] for line in f if "/" in line and "blas" in line.split()[-1].lower()})


def best_core():
    """The OpenBLAS core type whose kernels this CPU runs fastest, from /proc/cpuinfo's flags."""
    flags, vendor = set(), ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
            if line.startswith("vendor_id") and not vendor:
                vendor = line.split(":", 1)[1].strip()
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"} <= flags:
        return "Cooperlake" if "avx512_bf16" in flags else "SkylakeX"
    if {"avx2", "fma"} <= flags:
        return "Zen" if vendor == "AuthenticAMD" else "Haswell"
    return None


def openblas(loaded):
    lib = next((p for p in loaded if "libopenblas" in os.path.basename(p)), None)
    if lib is None:
        return None, None
    h = ctypes.CDLL(lib)
    h.openblas_get_corename.restype = ctypes.c_char_p
    h.openblas_get_config.restype = ctypes.c_char_p
    return h.openblas_get_corename().decode(), h.openblas_get_config().decode()


def refuse(msg):
    print(f"torch_bench.py: refusing to compare: {msg}", file=sys.stderr)
    sys.exit(3)


def check_blas():
    """Exits 3 unless OpenBLAS runs its best core and computes correctly; re-executes once to select the core."""
    loaded = mapped_blas()
    core, config = openblas(loaded)
    if core is None:
        refuse(f"torch loaded {loaded or 'no BLAS'}, not OpenBLAS; install libopenblas0-pthread so libblas.so.3 resolves to it.")
    best = best_core()
    if best is None:
        refuse(f"this CPU has no AVX2/FMA, so OpenBLAS has no optimised core for it (running '{core}').")
    if core.lower() != best.lower():
        if os.environ.get("NEURONGUARD_BENCH_CORETYPE_SET") == "1":
            refuse(f"OpenBLAS runs the '{core}' core although OPENBLAS_CORETYPE={best} was set ({config}).")
        env = dict(os.environ, OPENBLAS_CORETYPE=best, NEURONGUARD_BENCH_CORETYPE_SET="1")
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    if core.lower() in REFUSED:
        refuse(f"OpenBLAS runs the generic '{core}' core ({config}).")
    g = torch.Generator().manual_seed(1)
    a, b, v = torch.randn(96, 300, generator=g), torch.randn(300, 200, generator=g), torch.randn(300, generator=g)
    ref = a.double() @ b.double()
    err = float(((a @ b).double() - ref).abs().max() / ref.abs().max())
    ref_mv = b.double().T @ v.double()
    err_mv = float(((torch.mv(b.T, v)).double() - ref_mv).abs().max() / ref_mv.abs().max())
    if not (err < 1e-5 and err_mv < 1e-5):
        refuse(f"OpenBLAS core '{core}' disagrees with a float64 matmul (relative error {err:.2e}, mv {err_mv:.2e}).")
    return {"torch": torch.__version__, "loaded": loaded, "corename": core, "config": config, "best_core": best,
            "coretype_env": os.environ.get("OPENBLAS_CORETYPE", ""), "set_by_bench": os.environ.get("NEURONGUARD_BENCH_CORETYPE_SET") == "1",
            "check_error": max(err, err_mv), "threads": torch.get_num_threads()}


def timed(fn, work, warm, budget, warmed, key):
    """work units per second of fn over a fixed budget, after `warm` seconds of warm-up the first time `key` runs.
    fn may return the seconds that count (decode: its steps, not its prompt); otherwise the whole call counts."""
    if key not in warmed:
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < warm:
            fn()
        warmed.add(key)
    calls, counted, t0 = 0, 0.0, time.perf_counter()
    while True:
        c0 = time.perf_counter()
        r = fn()
        counted += r if isinstance(r, float) else time.perf_counter() - c0
        calls += 1
        if time.perf_counter() - t0 >= budget:
            return work * calls / counted


class OneRowMv:
    """Sends every one-row matmul of the reference model through torch.mv/addmv (BLAS GEMV): Debian's OpenBLAS
    0.3.21 does not redirect a one-row GEMM to GEMV, so the model as written runs decode through full GEMMs."""

    def __enter__(self):
        self.addmm, self.linear, self.matmul = torch.addmm, F.linear, torch.Tensor.__matmul__
        addmm, linear, matmul = self.addmm, self.linear, self.matmul

        def addmm_mv(bias, x, w, **kw):
            return torch.addmv(bias, w.T, x[0]).unsqueeze(0) if x.dim() == 2 and x.shape[0] == 1 and not kw else addmm(bias, x, w, **kw)

        def linear_mv(x, w, bias=None):
            if x.dim() == 2 and x.shape[0] == 1:
                y = torch.mv(w, x[0]).unsqueeze(0)
                return y if bias is None else y + bias
            return linear(x, w, bias)

        def matmul_mv(x, w):
            return torch.mv(w.T, x[0]).unsqueeze(0) if x.dim() == 2 and w.dim() == 2 and x.shape[0] == 1 else matmul(x, w)

        torch.addmm, torch_reference.torch.addmm = addmm_mv, addmm_mv
        torch_reference.F.linear = linear_mv
        torch.Tensor.__matmul__ = matmul_mv
        return self

    def __exit__(self, *exc):
        torch.addmm = torch_reference.torch.addmm = self.addmm
        torch_reference.F.linear = self.linear
        torch.Tensor.__matmul__ = self.matmul


def ids_for(n):
    return torch.tensor([(i * 37 + 11) % 256 for i in range(n)], dtype=torch.long)


def decode_run(m, prompt, steps):
    cache = []
    logits = m.forward(ids_for(prompt), 0, cache, last_only=True)
    tok = int(logits[-1].argmax())
    t0 = time.perf_counter()
    for step in range(steps):
        logits = m.forward(torch.tensor([tok]), prompt + step, cache)
        tok = int(logits[-1].argmax())
    return time.perf_counter() - t0


def worker(args):
    info = check_blas()
    models, warmed, gemms = {}, set(), {}
    for line in sys.stdin:
        cmd = json.loads(line)
        op = cmd["op"]
        with torch.inference_mode():
            if op == "info":
                out = info
            elif op == "gemm":
                m, k, n = cmd["m"], cmd["k"], cmd["n"]
                if (m, k, n) not in gemms:
                    gemms[(m, k, n)] = (torch.rand(m, k) - 0.5, torch.rand(k, n) - 0.5, torch.rand(n))
                a, b, bias = gemms[(m, k, n)]
                out = {"gflops": timed(lambda: torch.addmm(bias, a, b), 2.0 * m * k * n / 1e9, args.warm, args.budget, warmed, ("gemm", m, k, n))}
            elif op in ("prefill", "decode"):
                mdl = models.get(cmd["model"]) or models.setdefault(cmd["model"], torch_reference.build(cmd["model"]))
                if op == "prefill":
                    ids = ids_for(cmd["n"])
                    out = {"tok_s": timed(lambda: mdl.forward(ids, last_only=True), cmd["n"], args.warm, args.budget, warmed, ("prefill", cmd["model"], cmd["n"]))}
                elif cmd.get("mv"):
                    with OneRowMv():
                        out = {"tok_s": timed(lambda: decode_run(mdl, cmd["prompt"], cmd["steps"]), cmd["steps"], args.warm, args.budget, warmed, ("mv", cmd["model"]))}
                else:
                    out = {"tok_s": timed(lambda: decode_run(mdl, cmd["prompt"], cmd["steps"]), cmd["steps"], args.warm, args.budget, warmed, ("decode", cmd["model"]))}
            else:
                out = {"error": f"unknown op {op}"}
        print(json.dumps(out), flush=True)


def rss(args):
    check_blas()
    with torch.inference_mode():
        m = torch_reference.build(args.rss)
        m.forward(ids_for(args.prefill), last_only=True)
        decode_run(m, 16, args.decode)
    print(json.dumps({"peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--rss")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warm", type=float, default=2.0)
    ap.add_argument("--budget", type=float, default=1.0)
    ap.add_argument("--prefill", type=int, default=128)
    ap.add_argument("--decode", type=int, default=16)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.rss:
        rss(args)
    else:
        worker(args)


if __name__ == "__main__":
    main()
