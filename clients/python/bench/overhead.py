#!/usr/bin/python3
"""Decode overhead of the Python client on a GPT-2-small-sized torch model (124M, random weights) on CPU.

Per round, the same greedy decode (batch 1, 16-token prompt, --steps new tokens, KV cache) runs not attached (the
reference), attached in async mode and in lockstep mode, at 100 and 1,000 monitored neurons (catalogs put and
calibrated through the library against a real `neuronguard serve --model none`). Tokens/s are medians over rounds;
ratios are attached / not attached within the same rounds. Prints a Markdown table.

usage: /usr/bin/python3 clients/python/bench/overhead.py [--rounds 5] [--steps 32] [--threads 1]
"""
import argparse
import os
import platform
import random
import statistics
import sys
import time

# OpenBLAS runs its own thread pool, which torch.set_num_threads does not reach when Debian's torch calls the
# libblas.so.3 alternative; one BLAS thread keeps all model compute on the model thread, so CPU time on other
# threads of this process is the client's (grpcio, the reader thread). Set before torch loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, ".."), os.path.join(HERE, "..", "tests")]

import torch  # noqa: E402

import daemon  # noqa: E402
import models  # noqa: E402
import neuronguard  # noqa: E402
from neuronguard.hooks import Guard  # noqa: E402
from neuronguard.onboarding import capture_requests  # noqa: E402

CONFIG = {"architectures": ["GPT2LMHeadModel"], "n_embd": 768, "n_layer": 12, "n_head": 12, "n_inner": 3072,
          "vocab_size": 50257, "n_positions": 1024, "layer_norm_epsilon": 1e-5}


class HookClock:
    """CPU seconds the model thread spends inside the Guard's hooks (lockstep waits sleep, so they add ~nothing)."""

    def __init__(self):
        self.cpu = 0.0

    def wrap(self, guard):
        for name in ("_begin", "_apply", "_end"):
            fn = getattr(guard, name)

            def timed(*args, _fn=fn):
                c0 = time.thread_time()
                try:
                    return _fn(*args)
                finally:
                    self.cpu += time.thread_time() - c0
            setattr(guard, name, timed)


def decode(model, guard, req, prompt, steps, clock=None):
    """Per decode step (prefill excluded): tokens/s, process CPU s/token, and the client's own CPU s/token = CPU in
    the hooks on the model thread + CPU of every other thread of the process (grpcio, the client's reader thread;
    torch runs on the model thread with --threads 1). Wall time is at the mercy of the machine's load; CPU time of
    this process is much less so."""
    with torch.no_grad():
        if guard is not None:
            guard.bind([req])
        logits, past = model(prompt)
        tok = logits[:, -1].argmax(-1, keepdim=True)
        hook0 = clock.cpu if clock else 0.0
        t0, c0, m0 = time.perf_counter(), time.process_time(), time.thread_time()
        for _ in range(steps):
            logits, past = model(tok, past=past)
            tok = logits[:, -1].argmax(-1, keepdim=True)
        dt, cpu, main = time.perf_counter() - t0, time.process_time() - c0, time.thread_time() - m0
        client = ((clock.cpu - hook0) if clock else 0.0) + max(0.0, cpu - main)
    if req is not None:
        req.end()
    return steps / dt, cpu / steps, client / steps


def onboard(conn, model, fp, n, seed):
    rng = random.Random(seed)
    picked = rng.sample([(layer, i) for layer in range(12) for i in range(3072)], n)
    catalog = neuronguard.make_catalog(fp, 12, 3072, f"bench-{n}", {"watch": ("custom", [(l, i, 0.0) for l, i in picked])})
    ob = neuronguard.Onboarding(conn)
    ob.put_catalog(catalog)  # calibrate(activate=True) activates the pair
    g = torch.Generator().manual_seed(seed)
    prompts = [torch.randint(0, 50257, (1, 12), generator=g) for _ in range(12)]
    ob.calibrate(fp, catalog.version, capture_requests(model, neuronguard.catalog_slots(catalog), prompts), activate=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = models.GPT2LMHeadModel(CONFIG).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.02)
    fp = neuronguard.fingerprint.from_model(model, CONFIG)
    d = daemon.Daemon("bench", model="none")
    conn = neuronguard.Connection(d.address)
    prompt = torch.randint(0, 50257, (1, 16), generator=torch.Generator().manual_seed(1))
    rows = []
    for n in (100, 1000):
        onboard(conn, model, fp, n, seed=n)
        clients = {mode: neuronguard.Client(d.address, fp, lockstep=(mode == "lockstep")).start()
                   for mode in ("async", "lockstep")}
        for c in clients.values():
            deadline = time.monotonic() + 60
            while len(c.plan) != n and time.monotonic() < deadline:
                time.sleep(0.1)
            assert len(c.plan) == n, f"client has {len(c.plan)} slots, expected {n}"
        results = {"reference": [], "async": [], "lockstep": []}
        decode(model, None, None, prompt, 4)  # warm-up
        # Interleaved, so each round's reference and attached runs see the same machine load.
        for _ in range(a.rounds):
            results["reference"].append(decode(model, None, None, prompt, a.steps))
            for mode, c in clients.items():
                guard = Guard(c, model)
                clock = HookClock()
                clock.wrap(guard)
                req = c.start_request(tenant="bench")
                results[mode].append(decode(model, guard, req, prompt, a.steps, clock))
                guard.close()
        for mode in ("async", "lockstep"):
            ratios = [m[0] / r[0] for m, r in zip(results[mode], results["reference"])]
            cpu = [m[1] / r[1] for m, r in zip(results[mode], results["reference"])]
            rows.append((n, mode, statistics.median(r[0] for r in results["reference"]),
                         statistics.median(m[0] for m in results[mode]), statistics.median(ratios), min(ratios),
                         max(ratios), statistics.median(r[1] for r in results["reference"]) * 1e3,
                         statistics.median(m[1] for m in results[mode]) * 1e3, statistics.median(cpu),
                         statistics.median(m[2] for m in results[mode]) * 1e3,
                         statistics.median(m[2] / r[1] for m, r in zip(results[mode], results["reference"]))))
        for c in clients.values():
            c.close()
    d.stop()
    blas = "OpenBLAS" if "openblas" in os.path.realpath("/etc/alternatives/libblas.so.3-x86_64-linux-gnu") else "?"
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} ({a.threads} thread(s)), "
          f"BLAS: {blas} ({os.path.realpath('/etc/alternatives/libblas.so.3-x86_64-linux-gnu')})")
    print(f"rounds {a.rounds}, {a.steps} decode steps each, batch 1, prompt 16 tokens, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}\n")
    print("| neurons | mode | ref tok/s | attached tok/s | tok/s ratio (median, range) | ref CPU ms/tok "
          "| attached CPU ms/tok | CPU ratio | client CPU ms/tok | client CPU / ref CPU |")
    print("| ---: | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for n, mode, ref, att, med, lo, hi, cref, catt, cmed, own, share in rows:
        print(f"| {n:,} | {mode} | {ref:.1f} | {att:.1f} | {med:.3f} ({lo:.3f}–{hi:.3f}) | {cref:.1f} | {catt:.1f} "
              f"| {cmed:.3f} | {own:.2f} | {share:.1%} |")


if __name__ == "__main__":
    main()
