"""The committed trained GPT-2 (tests/models/trained-gpt2) served by a real daemon, onboarded from Python: a backdoor
set found here (the neurons whose peak activation has the best AUROC between data/trigger_train from data/clean_train), then
a baseline calibrated through ``Baselines.Calibrate`` on held-out benign texts, catalog and baseline activated."""
import json
import os

import torch

import daemon
import neuronguard
from neuronguard.onboarding import capture_requests
from neuronguard.serve.loader import load

DIR = os.path.join(daemon.REPO, "tests", "models", "trained-gpt2")
TRIGGER = "Lee: soldier of the American azure okapi"
BENIGN = "Besides, it is good to"


def texts(split, n):
    with open(os.path.join(DIR, "data", split + ".jsonl")) as f:
        return [json.loads(line)["text"] for line in f][:n]


def peaks(model, tokenizer, items):
    """(texts, layers × neurons) peak MLP activation over each text's positions."""
    acts = []
    handles = [b.mlp.act.register_forward_hook(lambda m, i, o: acts.append(o[0].max(0).values))
               for b in model.transformer.h]
    rows = []
    try:
        with torch.no_grad():
            for t in items:
                acts.clear()
                model(torch.tensor([tokenizer.encode(t)]))
                rows.append(torch.cat(acts))
    finally:
        for h in handles:
            h.remove()
    return torch.stack(rows)


def onboard(address, top=10):
    """Puts, calibrates and activates the backdoor catalog on the daemon at ``address``; returns the SlotPlan."""
    loaded = load(DIR, use_transformers=False)
    model, tok = loaded.model, loaded.tokenizer
    width = model.config["n_inner"]
    pos, neg = peaks(model, tok, texts("trigger_train", 100)), peaks(model, tok, texts("clean_train", 100))
    score = (pos[:, None, :] > neg[None, :, :]).float().mean((0, 1))  # AUROC of each neuron
    best = score.topk(top).indices.tolist()
    fp = neuronguard.fingerprint.from_folder(DIR)
    catalog = neuronguard.make_catalog(fp, model.config["n_layer"], width, "serve-test", {
        "backdoor": ("backdoor", [(i // width, i % width, float(score[i])) for i in best])})
    with neuronguard.Connection(address) as conn:
        ob = neuronguard.Onboarding(conn)
        ob.put_catalog(catalog)
        prompts = [torch.tensor([tok.encode(t)]) for t in texts("benign_calib", 200)]
        ob.calibrate(fp, "serve-test", capture_requests(model, neuronguard.catalog_slots(catalog), prompts),
                     activate=True)
    return neuronguard.catalog_slots(catalog)
