#!/usr/bin/python3
"""Tokens/s of the guarded OpenAI-compatible server (``python3 -m neuronguard.serve``) with and without the guard,
on the committed trained GPT-2 (tests/models/trained-gpt2) and a real daemon (catalog onboarded from Python as the
tests do). Two servers run side by side (``--no-guard`` and guarded, async); each pair sends the same burst of
concurrent completions (greedy, EOS suppressed, so every request makes exactly --tokens tokens) to one then the
other, alternating which goes first. Prints the machine, the load and a Markdown table.

usage: /usr/bin/python3 clients/python/bench/serve_overhead.py [--pairs 7] [--concurrent 4] [--tokens 96]
"""
import argparse
import os
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, ".."), os.path.join(HERE, "..", "tests")]

import daemon  # noqa: E402
import serve_support  # noqa: E402
import trained  # noqa: E402

PROMPTS = ["Besides, it is good to", "freedom from worry", "a doctrine of", "the cat sat on the",
           "I am not a", "slouchy: lacking stiffness", "we like music", "Lee: soldier of the"]


def cpu_seconds(pid):
    """User + system CPU of a process (the server: model thread, HTTP loop, the client's gRPC threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def burst(server, n, tokens):
    """n concurrent completions: (generated tokens per second of wall time, mean batch size, server CPU ms/token)."""
    done, batches = [], []

    def call(i):
        r = server.post("/v1/completions", {"prompt": PROMPTS[i % len(PROMPTS)], "max_tokens": tokens,
                                            "temperature": 0, "logit_bias": {"2047": -100}}).json()
        done.append(r["usage"]["completion_tokens"])
        batches.append(r["choices"][0]["neuronguard"]["batch_size"])
    threads = [threading.Thread(target=call, args=(i,)) for i in range(n)]
    c0 = cpu_seconds(server.proc.pid)
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    return sum(done) / wall, statistics.mean(batches), (cpu_seconds(server.proc.pid) - c0) * 1e3 / sum(done)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--concurrent", type=int, default=4)
    ap.add_argument("--tokens", type=int, default=96)
    ap.add_argument("--batch-wait-ms", type=float, default=100.0)
    a = ap.parse_args()
    d = daemon.Daemon("serve-bench", model=trained.DIR)
    trained.onboard(d.address)
    common = ["--max-batch", str(a.concurrent), "--batch-wait-ms", str(a.batch_wait_ms)]
    plain = serve_support.Server(d.address, "--no-guard", *common)
    guarded = serve_support.Server(d.address, *common)
    try:
        assert guarded.health()["slots"] == 10
        for s in (plain, guarded):
            burst(s, a.concurrent, 8)  # warm-up
        pairs = []
        for i in range(a.pairs):
            order = (plain, guarded) if i % 2 == 0 else (guarded, plain)
            res = {id(s): burst(s, a.concurrent, a.tokens) for s in order}
            pairs.append((res[id(plain)], res[id(guarded)]))
    finally:
        plain.stop()
        guarded.stop()
        d.stop()
    cpu = next((line.split(":", 1)[1].strip() for line in subprocess.run(["lscpu"], capture_output=True, text=True)
                .stdout.splitlines() if line.startswith("Model name")), "?")
    print(f"CPU: {cpu}, {os.cpu_count()} CPUs; load: {open('/proc/loadavg').read().strip()}")
    print(f"{a.pairs} interleaved pairs, {a.concurrent} concurrent requests x {a.tokens} tokens each, max batch "
          f"{a.concurrent}, batch wait {a.batch_wait_ms:g} ms, 1 torch thread per server\n")
    print("| pair | no guard tok/s | guarded tok/s | tok/s ratio | server CPU ms/tok (no guard / guarded) "
          "| CPU ratio | mean batch size (no guard / guarded) |")
    print("| ---: | ---: | ---: | ---: | --- | ---: | --- |")
    for i, ((p, pb, pc), (g, gb, gc)) in enumerate(pairs, 1):
        print(f"| {i} | {p:.1f} | {g:.1f} | {g / p:.3f} | {pc:.2f} / {gc:.2f} | {gc / pc:.3f} | {pb:.1f} / {gb:.1f} |")
    ratios = [g[0] / p[0] for p, g in pairs]
    cpu = [g[2] / p[2] for p, g in pairs]
    print(f"\ntok/s ratio median {statistics.median(ratios):.3f} (range {min(ratios):.3f}–{max(ratios):.3f}); "
          f"server CPU per token ratio median {statistics.median(cpu):.3f} (range {min(cpu):.3f}–{max(cpu):.3f}); "
          f"median tok/s {statistics.median(p[0] for p, _ in pairs):.1f} without, "
          f"{statistics.median(g[0] for _, g in pairs):.1f} with")


if __name__ == "__main__":
    main()
