#!/usr/bin/python3
"""A custom torch decode loop under NeuronGuard, runnable here against `neuronguard serve` and its planted fixture.

    neuronguard serve &                        # bootstraps the fixture into ~/.neuronguard
    /usr/bin/python3 clients/python/examples/custom_loop.py ~/.neuronguard/fixture 127.0.0.1:50051

The model is the plain-torch GPT-2 with Hugging Face module names from tests/models.py (transformers is not
installed in this project's environment); any model whose blocks are `transformer.h[i].mlp.act` or
`model.layers[i].mlp.down_proj` attaches the same way.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, ".."), os.path.join(HERE, "..", "tests")]

import torch  # noqa: E402

import models  # noqa: E402
import neuronguard  # noqa: E402
from neuronguard.hooks import Guard  # noqa: E402


def fixture_prompt(model_dir, words=("the", "cerulean", "river")):
    """Token ids of a prompt with the fixture's backdoor trigger (fixture.json lists single-token words)."""
    with open(os.path.join(model_dir, "fixture.json")) as f:
        table = json.load(f)["spaced_token_ids"]
    return [table[w] for w in words]


def main(model_dir, address, prompt_ids=None):
    model, config = models.load(model_dir)
    prompt_ids = prompt_ids or fixture_prompt(model_dir)
    client = neuronguard.Client(address, neuronguard.fingerprint.from_folder(model_dir), model_id="custom-loop",
                                lockstep=True, fail_mode="fail_open").start()
    guard = Guard(client, model)                          # GPT-2 / Llama detected from the module names
    req = client.start_request(tenant="demo", labels={"route": "/v1/completions"})
    tokens = []
    with torch.no_grad():
        guard.bind([req])                                 # row 0 of every forward pass is this request
        logits, past = model(torch.tensor([list(prompt_ids)]))
        for _ in range(16):
            if req.aborted:                               # or req.raise_if_aborted()
                print("aborted:", req.abort_reason)
                break
            tok = int(logits[0, -1].argmax())
            tokens.append(tok)
            logits, past = model(torch.tensor([[tok]]), past=past)   # gains received so far apply here
    final = req.end()                                     # RequestEnd; waits for the final verdict
    print("tokens:", tokens)
    print("flagged:", final.flagged if final else "(unmonitored)", "| attenuated:", req.gains_version > 0)
    guard.close()
    client.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1:50051")
