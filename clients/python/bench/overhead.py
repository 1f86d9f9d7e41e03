#!/usr/bin/python3
"""Decode overhead of the Python client on a GPT-2-small-sized torch model (124M, random weights) on CPU.

Per round, the same greedy decode (batch 1, 16-token prompt, --steps new tokens, KV cache) runs not attached (the
reference), attached in async mode and in lockstep mode, at 100, 1,000 and 10,000 monitored neurons (catalogs put and
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


class TimedGuard(Guard):
    """A Guard whose every hook method is timed (CPU seconds of the model thread; lockstep waits sleep, so they add
    ~nothing). Overridden on the class, so the hooks registered in __init__ (bound methods) are the timed ones:
    ``_begin`` (model pre-hook), ``_apply`` (every layer hook), ``_end`` (model hook: host copy, frames, waits)."""

    def __init__(self, *args, **kwargs):
        self.times = {"_begin": 0.0, "_apply": 0.0, "_end": 0.0}
        super().__init__(*args, **kwargs)

    @property
    def cpu(self):
        return sum(self.times.values())

    def _timed(self, name, fn, *args):
        c0 = time.thread_time()
        try:
            return fn(*args)
        finally:
            self.times[name] += time.thread_time() - c0

    def _begin(self, *args):
        return self._timed("_begin", super()._begin, *args)

    def _apply(self, *args):
        return self._timed("_apply", super()._apply, *args)

    def _end(self, *args):
        return self._timed("_end", super()._end, *args)


def decode(model, guard, req, prompt, steps):
    """Per decode step (prefill excluded): tokens/s, process CPU s/token, and the client's own CPU s/token = CPU in
    the hooks on the model thread + CPU of every other thread of the process (grpcio, the client's reader thread;
    torch runs on the model thread with --threads 1). Wall time is at the mercy of the machine's load; CPU time of
    this process is much less so."""
    with torch.no_grad():
        if guard is not None:
            guard.bind([req])
        logits, past = model(prompt)
        tok = logits[:, -1].argmax(-1, keepdim=True)
        hook0 = guard.cpu if guard is not None else 0.0
        per0 = dict(guard.times) if guard is not None else {}
        t0, c0, m0 = time.perf_counter(), time.process_time(), time.thread_time()
        for _ in range(steps):
            logits, past = model(tok, past=past)
            tok = logits[:, -1].argmax(-1, keepdim=True)
        dt, cpu, main = time.perf_counter() - t0, time.process_time() - c0, time.thread_time() - m0
        client = ((guard.cpu - hook0) if guard is not None else 0.0) + max(0.0, cpu - main)
        per = {k: (guard.times[k] - per0[k]) / steps for k in per0} if guard is not None else {}
    if req is not None:
        req.end()
    return steps / dt, cpu / steps, client / steps, per


def onboard(conn, model, fp, n, seed):
    rng = random.Random(seed)
    picked = sorted(rng.sample([(layer, i) for layer in range(12) for i in range(3072)], n))
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
    ap.add_argument("--neurons", default="100,1000,10000")
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
    for n in [int(x) for x in a.neurons.split(",")]:
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
                guard = TimedGuard(c, model)
                req = c.start_request(tenant="bench")
                results[mode].append(decode(model, guard, req, prompt, a.steps))
                guard.close()
        for mode in ("async", "lockstep"):
            ratios = [m[0] / r[0] for m, r in zip(results[mode], results["reference"])]
            cpu = [m[1] / r[1] for m, r in zip(results[mode], results["reference"])]
            rows.append((n, mode, statistics.median(r[0] for r in results["reference"]),
                         statistics.median(m[0] for m in results[mode]), statistics.median(ratios), min(ratios),
                         max(ratios), statistics.median(r[1] for r in results["reference"]) * 1e3,
                         statistics.median(m[1] for m in results[mode]) * 1e3, statistics.median(cpu),
                         statistics.median(m[2] for m in results[mode]) * 1e3,
                         statistics.median(m[2] / r[1] for m, r in zip(results[mode], results["reference"])),
                         {k: statistics.median(m[3][k] for m in results[mode]) * 1e3 for k in results[mode][0][3]}))
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
    for n, mode, ref, att, med, lo, hi, cref, catt, cmed, own, share, _ in rows:
        print(f"| {n:,} | {mode} | {ref:.1f} | {att:.1f} | {med:.3f} ({lo:.3f}–{hi:.3f}) | {cref:.1f} | {catt:.1f} "
              f"| {cmed:.3f} | {own:.2f} | {share:.1%} |")
    print("\nPer hook method, CPU ms per decode step on the model thread (median over rounds):\n")
    print("| neurons | mode | _begin (pre-hook) | _apply (all layer hooks) | _end (copy, frames, waits) |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for n, mode, *_, per in rows:
        print(f"| {n:,} | {mode} | {per['_begin']:.3f} | {per['_apply']:.3f} | {per['_end']:.3f} |")


if __name__ == "__main__":
    main()
