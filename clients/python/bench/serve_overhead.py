#!/usr/bin/python3
"""Tokens/s of the guarded OpenAI-compatible server (``python3 -m neuronguard.serve``) with and without the guard,
on the committed trained GPT-2 (tests/models/trained-gpt2) and a real daemon (catalog onboarded from Python as the
tests do). Two servers run side by side (``--no-guard`` and guarded, async); each pair sends the same burst of
concurrent completions (greedy, EOS suppressed, so every request makes exactly --tokens tokens) to one then the
other, alternating which goes first. Prints the machine, the load and a Markdown table.

usage: /usr/bin/python3 clients/python/bench/serve_overhead.py [--pairs 7] [--concurrent 4] [--tokens 48]
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


def burst(server, n, tokens):
    """n concurrent completions; returns generated tokens per second of wall time."""
    done = []

    def call(i):
        r = server.post("/v1/completions", {"prompt": PROMPTS[i % len(PROMPTS)], "max_tokens": tokens,
                                            "temperature": 0, "logit_bias": {"2047": -100}})
        done.append(r.json()["usage"]["completion_tokens"])
    threads = [threading.Thread(target=call, args=(i,)) for i in range(n)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return sum(done) / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--concurrent", type=int, default=4)
    ap.add_argument("--tokens", type=int, default=48)
    a = ap.parse_args()
    d = daemon.Daemon("serve-bench", model=trained.DIR)
    trained.onboard(d.address)
    common = ["--max-batch", str(a.concurrent), "--batch-wait-ms", "20"]
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
    print(f"{a.pairs} interleaved pairs, {a.concurrent} concurrent requests x {a.tokens} tokens each, batch "
          f"{a.concurrent}, 1 torch thread per server\n")
    print("| pair | no guard tok/s | guarded tok/s | ratio |")
    print("| ---: | ---: | ---: | ---: |")
    for i, (p, g) in enumerate(pairs, 1):
        print(f"| {i} | {p:.1f} | {g:.1f} | {g / p:.3f} |")
    ratios = [g / p for p, g in pairs]
    print(f"\nmedian ratio {statistics.median(ratios):.3f} (range {min(ratios):.3f}–{max(ratios):.3f}); median tok/s "
          f"{statistics.median(p for p, _ in pairs):.1f} without, {statistics.median(g for _, g in pairs):.1f} with")


if __name__ == "__main__":
    main()
