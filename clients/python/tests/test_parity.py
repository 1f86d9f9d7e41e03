"""The plain-torch models reproduce the built-in host: logits (against the PyTorch reference the C# host is held to
within 1e-4), greedy tokens and per-step verdicts (against the daemon's own host through Inference.Generate)."""
import os
import struct
import subprocess
import unittest

import numpy as np
import torch

import daemon
import support

REFERENCE = os.path.join(daemon.REPO, "tests", "NeuronGuard.Inference.Tests", "reference", "torch_reference.py")
SEQUENCES = [[42], [5, 17, 250, 3, 99], [(i * 37 + 11) % 300 for i in range(23)]]


def reference_logits(model_dir, seqs):
    out = os.path.join(daemon.ROOT, "ref-logits.bin")
    subprocess.run(["/usr/bin/python3", REFERENCE, "--model", model_dir, "--tokens",
                    ";".join(",".join(map(str, s)) for s in seqs), "--out", out], check=True)
    with open(out, "rb") as f:
        data = f.read()
    pos = data.index(b"\n") + 1
    assert data[:pos].split()[:2] == [b"neuronguard-torch-ref", b"1"]
    result = []
    for _ in seqs:
        t, v = struct.unpack("<ii", data[pos:pos + 8])
        pos += 8
        result.append(np.frombuffer(data[pos:pos + 4 * t * v], "<f4").reshape(t, v))
        pos += 4 * t * v
    return result


def assert_logits_match(case, model, model_dir):
    for seq, ref in zip(SEQUENCES, reference_logits(model_dir, SEQUENCES)):
        with torch.no_grad():
            logits, _ = model(torch.tensor([seq]))
        worst = float(np.abs(logits[0].numpy() - ref).max())
        case.assertLess(worst, 1e-4, f"sequence of {len(seq)} tokens: max |Δ| {worst}")


class Gpt2ParityTests(unittest.TestCase):
    def test_logits_match_reference_within_1e4(self):
        model, _, _, _ = support.fixture()
        assert_logits_match(self, model, daemon.fixture_dir())

    def test_tokens_and_verdicts_match_builtin_host(self):
        d = daemon.shared()
        with support.client(d) as c:
            self.assertGreater(len(c.plan), 0, "the daemon sent no slots: the fingerprint did not match its catalog")
            off = support.off_tenant(d, c)  # backdoor sets abort by default: compare whole generations
            for prompt in (support.BENIGN, support.TOXIC, support.TRIGGER, support.HARMFUL):
                verdicts = {}
                (tokens,), (req,) = support.run_python(c, [prompt], off, max_new=6, verdicts=verdicts)
                mine = [v for v in verdicts[req.id] if not v.final]
                host_tokens, host_verdicts, done = support.run_builtin(d, prompt, off, max_new=6)
                self.assertEqual(host_tokens, tokens, prompt)
                self.assertEqual([v.step for v in host_verdicts], [v.step for v in mine], prompt)
                for h, m in zip(host_verdicts, mine):
                    self.assertEqual(support.flagged_detectors(h), support.flagged_detectors(m), prompt)
                    for hs, ms in zip(h.scores, m.scores):
                        self.assertEqual(hs.detector, ms.detector)
                        self.assertAlmostEqual(hs.score, ms.score, delta=1e-3 * max(1.0, abs(hs.score)), msg=prompt)
                self.assertEqual(done.final_verdict.flagged, req.final_verdict.flagged, prompt)
            # the planted prompts do flag, so the comparison above is not vacuous
            (_,), (req,) = support.run_python(c, [support.TRIGGER], max_new=2)
            self.assertTrue(req.flagged)


if __name__ == "__main__":
    unittest.main()
