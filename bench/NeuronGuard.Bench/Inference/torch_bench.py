#!/usr/bin/python3
"""PyTorch CPU eager reference for the inference benchmark (format 1).

Uses the test reference model (tests/NeuronGuard.Inference.Tests/reference/torch_reference.py) on the same
safetensors, with torch.set_num_threads matching the managed host. Prints one JSON object.
usage: torch_bench.py --model DIR --threads N --prefill P --prompt S --decode D --repeats R
"""
import argparse
import json
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tests", "NeuronGuard.Inference.Tests", "reference"))
import torch_reference  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--prefill", type=int, default=128)
    ap.add_argument("--prompt", type=int, default=16)
    ap.add_argument("--decode", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = torch_reference.build(args.model)
    ids = torch.tensor([(i * 37 + 11) % 256 for i in range(args.prefill)], dtype=torch.long)
    prefill = []
    decode = []
    with torch.inference_mode():
        model.forward(ids[:8])  # warm-up
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            model.forward(ids)
            prefill.append(args.prefill / (time.perf_counter() - t0))
        for _ in range(args.repeats):
            cache = []
            logits = model.forward(ids[:args.prompt], 0, cache)
            tok = int(logits[-1].argmax())
            t0 = time.perf_counter()
            for step in range(args.decode):
                logits = model.forward(torch.tensor([tok]), args.prompt + step, cache)
                tok = int(logits[-1].argmax())
            decode.append(args.decode / (time.perf_counter() - t0))
    print(json.dumps({"format": 1, "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "prefill_tok_s": max(prefill), "decode_tok_s": max(decode)}))


if __name__ == "__main__":
    main()
