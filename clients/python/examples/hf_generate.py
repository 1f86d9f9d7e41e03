#!/usr/bin/python3
"""Hugging Face `generate` under NeuronGuard. NOT RUN in this project's tests: transformers is not installed here
(`guard.generate` is tested against doubles of HF's generate in tests/hf_double.py).

    pip install neuronguard transformers torch
    python hf_generate.py gpt2 127.0.0.1:50051
"""
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from transformers.utils import cached_file

import neuronguard
from neuronguard.hooks import Guard


def main(name, address):
    tok = AutoTokenizer.from_pretrained(name, padding_side="left")
    tok.pad_token = tok.pad_token or tok.eos_token
    model = AutoModelForCausalLM.from_pretrained(name, torch_dtype=torch.float32).eval()
    folder = cached_file(name, "config.json").rsplit("/", 1)[0]   # the downloaded checkpoint folder
    with neuronguard.Client(address, neuronguard.fingerprint.from_folder(folder), model_id=name) as client, \
            Guard(client, model) as guard:                       # transformer.h[i].mlp.act / model.layers[i].mlp.down_proj
        prompts = ["The weather today is", "Tell me a story about"]
        batch = tok(prompts, return_tensors="pt", padding=True)
        requests = [client.start_request(tenant="demo") for _ in prompts]
        # Gains awaited under `always`, a re-prefill after a flagged prompt under on_flag, EOS and aborted rows
        # stopped (per-row on transformers >= 4.39, whole batch before), padded prompt positions not sent.
        out = guard.generate(requests, **batch, max_new_tokens=32, do_sample=False, pad_token_id=tok.pad_token_id)
        for r, text in zip(requests, tok.batch_decode(out[:, batch["input_ids"].shape[1]:], skip_special_tokens=True)):
            final = r.end()
            print(repr(text), "flagged" if final and final.flagged else "", r.abort_reason or "")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
