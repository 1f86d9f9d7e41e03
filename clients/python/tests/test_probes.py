"""Probes in Python onboarding: make_catalog takes a train-probe file, its JSON or a Python-trained probe, keeps only
non-zero weights, and catalog_slots captures the probe's neurons that no set holds, after the sets (as the daemon)."""
import json
import os
import tempfile
import unittest

import support  # noqa: F401  first: puts the package on sys.path
import neuronguard
from neuronguard.probes import SparseProbe, train_probe
from neuronguard.v1 import common_pb2 as c

PROBE_FILE = {"format": 1, "kind": "sparse-probe", "model": "ab12", "catalog_version": "v1", "set": "tox", "data": "a vs b",
              "lambda": 0.02, "bias": -0.75, "threshold": 1.5, "target_fpr": 0.05,
              "neurons": [{"layer": 1, "index": 10, "weight": 0.5, "mean": 0.25, "std": 2.0},
                          {"layer": 1, "index": 11, "weight": 0.0, "mean": 0.0, "std": 1.0},
                          {"layer": 3, "index": 7, "weight": -1.0, "mean": 0.5, "std": 0.5}]}


def catalog(probes):
    return neuronguard.make_catalog("ab12", layers=4, neurons_per_layer=64, version="v2",
                                    sets={"tox": ("toxicity", [(1, 10, 0.9), (1, 11, 0.8)])}, probes=probes)


class ProbeOnboardingTests(unittest.TestCase):
    def test_make_catalog_from_a_train_probe_file_keeps_nonzero_weights(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "probe.json")
            with open(path, "w") as f:
                json.dump(PROBE_FILE, f)
            msg = catalog({"tox": path})
        probe = msg.probes[0]
        self.assertEqual((probe.name, probe.set, probe.bias, getattr(probe, "lambda")), ("tox", "tox", -0.75, 0.02))
        self.assertEqual([(n.neuron.layer, n.neuron.index, n.weight, n.mean, n.scale) for n in probe.neurons],
                         [(1, 10, 0.5, 0.25, 2.0), (3, 7, -1.0, 0.5, 0.5)])
        self.assertEqual(probe.provenance.method, "sparse-probe")
        self.assertEqual(catalog({"tox": PROBE_FILE}), msg)  # the parsed JSON gives the same message

    def test_catalog_slots_append_probe_neurons_no_set_holds(self):
        plan = neuronguard.catalog_slots(catalog({"tox": PROBE_FILE}))
        self.assertEqual(list(plan.slots), [(1, 10), (1, 11), (3, 7)])

    def test_not_a_probe_file_is_a_clear_error(self):
        with self.assertRaisesRegex(ValueError, "not a sparse probe file of format 1"):
            catalog({"x": {"format": 2, "kind": "sparse-probe"}})

    def test_train_probe_selects_the_informative_neuron(self):
        import torch
        g = torch.Generator().manual_seed(3)
        x = torch.randn(200, 5, generator=g, dtype=torch.float64)
        labels = [bool(v) for v in (x[:, 2] > 0).tolist()]
        probe = train_probe(x, labels, [(0, j) for j in range(5)], lam=0.05)
        self.assertTrue(probe.converged)
        self.assertGreater(probe.neurons[2].weight, 0)
        self.assertEqual(abs(probe.neurons[2].weight), max(abs(n.weight) for n in probe.neurons))
        kept = catalog({"py": probe}).probes[0].neurons
        self.assertIn(c.NeuronRef(layer=0, index=2), [n.neuron for n in kept])
        self.assertEqual(len(kept), len(probe.nonzero))


if __name__ == "__main__":
    unittest.main()
