"""`neuronguard explain` (C#) against an independent torch computation on the committed trained GPT-2
(tests/models/trained-gpt2): for a few neurons, the promoted and suppressed tokens the CLI writes into the catalog are
the ones torch gets by running the plain-torch model's own modules on a one-hot neuron activation:
``lm_head(ln_f.weight * (mlp.c_proj(e_i) - mlp.c_proj(0)))`` (so Conv1D's (in, out) layout is the module's business,
not an assumption of this test), in float64, tokens decoded from tokenizer.json here."""
import json
import os
import tempfile
import unittest

import torch

import daemon
import support  # noqa: F401  (puts neuronguard on sys.path)
from neuronguard import fingerprint, plainmodels

MODEL = os.path.join(daemon.REPO, "tests", "models", "trained-gpt2")
NEURONS = [(0, 0), (0, 5), (1, 100), (1, 257), (1, 511)]
K = 6


def byte_decoder():
    """GPT-2's byte-level alphabet, inverted: the printable stand-in character of each byte → the byte."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def token_texts():
    """id → text as the CLI prints it: UTF-8 of the token's bytes, or <0xNN> per byte when they are not whole characters."""
    with open(os.path.join(MODEL, "tokenizer.json"), encoding="utf-8") as f:
        tok = json.load(f)
    dec = byte_decoder()
    texts = {}
    for s, i in tok["model"]["vocab"].items():
        raw = bytes(dec[c] for c in s)
        try:
            texts[i] = raw.decode("utf-8")
        except UnicodeDecodeError:
            texts[i] = "".join(f"<0x{b:02X}>" for b in raw)
    for added in tok.get("added_tokens", []):
        texts[added["id"]] = added["content"]
    return texts


class ExplainParityTests(unittest.TestCase):
    def test_cli_tokens_match_torch_logit_lens(self):
        model, config = plainmodels.load(MODEL)
        model = model.double()
        texts = token_texts()
        known = torch.tensor(sorted(texts))
        d, width = config["n_embd"], config["n_inner"]
        with tempfile.TemporaryDirectory() as tmp:
            catalog = {"format": 1, "version": "parity",
                       "model": {"fingerprint": fingerprint.from_folder(MODEL), "layers": config["n_layer"], "neuronsPerLayer": width},
                       "sets": [{"name": "parity", "kind": "custom", "neurons": [{"layer": l, "index": i} for l, i in NEURONS]}]}
            path = os.path.join(tmp, "catalog.json")
            with open(path, "w") as f:
                json.dump(catalog, f)
            daemon.cli("explain", "--model", MODEL, "--catalog", path, "--out", os.path.join(tmp, "out.json"), "--top-k", str(K))
            with open(os.path.join(tmp, "out.json"), encoding="utf-8") as f:
                explained = {(n["layer"], n["index"]): n["explanation"] for n in json.load(f)["sets"][0]["neurons"]}
        with torch.no_grad():
            for layer, index in NEURONS:
                mlp = model.transformer.h[layer].mlp
                one = torch.zeros(1, width, dtype=torch.float64)
                one[0, index] = 1.0
                direction = (mlp.c_proj(one) - mlp.c_proj(torch.zeros_like(one)))[0]
                self.assertEqual(direction.shape, (d,))
                logits = model.lm_head(model.transformer.ln_f.weight * direction)[known]
                order = logits.argsort(descending=True)
                want_up = [texts[int(known[j])] for j in order[:K]]
                want_down = [texts[int(known[j])] for j in order.flip(0)[:K]]
                got = explained[(layer, index)]
                scale = float(logits.abs().max())
                by_text = {texts[int(i)]: float(v) for i, v in zip(known, logits)}
                for want, got_list, ranked in ((want_up, got["promotes"], order), (want_down, got["suppresses"], order.flip(0))):
                    self.assertEqual(len(got_list), K)
                    # Same tokens in the same order, up to float32-vs-float64 near-ties: each CLI token's torch logit
                    # equals torch's logit at that rank.
                    for rank, text in enumerate(got_list):
                        self.assertAlmostEqual(by_text[text], float(logits[ranked[rank]]), delta=1e-5 * scale,
                                               msg=f"L{layer}:{index} rank {rank}: CLI {got_list} vs torch {want}")
                self.assertEqual(got["promotes"][0], want_up[0])
                self.assertTrue(got["method"].startswith("logit-lens"))


if __name__ == "__main__":
    unittest.main()
