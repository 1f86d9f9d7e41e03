"""A catalog that does not fit the model (issue 25 items 5 and 6), against the shared daemon's fixture catalog:
a neuron beyond a layer's width, a layer the model lacks, and a hooked module the model bypasses (Llama with
``pretraining_tp > 1``, as Hugging Face's LlamaMLP does; the double is tests/hf_double.py). fail_open runs the
request unmonitored with the reason in ``errors``; fail_closed raises CatalogMismatch; nothing raises IndexError."""
import unittest

import torch

import support  # first: puts the package on sys.path
import daemon
import hf_double
import neuronguard
from neuronguard import CatalogMismatch
from neuronguard.hooks import Guard
from test_llama_onboarding import CONFIG as LLAMA

PROMPT = support.BENIGN


class CatalogFitTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = daemon.shared()
        cls.fixture = support.fixture()[0]

    def run_once(self, model, fail_mode, layers=None):
        with support.client(self.daemon, fail_mode=fail_mode) as c:
            self.assertGreater(len(c.plan), 0)
            top = max(n for _, n in c.plan.slots)
            guard = Guard(c, model, layers=layers)
            try:
                req = c.start_request()
                with guard.bind([req]), torch.no_grad():
                    model(input_ids=torch.tensor([support.ids(PROMPT)]))
                    model(input_ids=torch.tensor([support.ids(PROMPT)]))  # a second pass: still no exception
                req.end()
            finally:
                guard.close()
            return req, c, top

    def narrow(self):
        top = None
        with support.client(self.daemon) as c:
            top = max(n for _, n in c.plan.slots)
        return hf_double.gpt2_like(self.fixture, n_inner=top)  # the catalog's widest neuron is one past the end

    def test_neuron_beyond_the_layer_width_fail_open_is_unmonitored(self):
        req, c, top = self.run_once(self.narrow(), "fail_open")
        self.assertFalse(req.monitored)
        self.assertTrue(any(f"names neuron {top}" in e and f"has {top} neurons" in e for e in req.errors), req.errors)
        self.assertGreaterEqual(c.stats["unmonitored_requests"], 1)

    def test_neuron_beyond_the_layer_width_fail_closed_raises_a_clear_error(self):
        with self.assertRaisesRegex(CatalogMismatch, r"names neuron \d+ of layer \d+, but that layer of this model has"):
            self.run_once(self.narrow(), "fail_closed")

    def test_missing_layer(self):
        model = hf_double.gpt2_like(self.fixture, n_layer=1)
        req, _, _ = self.run_once(model, "fail_open")
        self.assertFalse(req.monitored)
        self.assertTrue(any("hooked layers" in e for e in req.errors), req.errors)
        with self.assertRaisesRegex(CatalogMismatch, "this model has 1 hooked layers"):
            self.run_once(model, "fail_closed")

    def test_llama_with_pretraining_tp_is_refused_and_a_bypassed_hook_is_caught(self):
        config = dict(LLAMA, num_hidden_layers=4, intermediate_size=512)  # as many layers and neurons as the catalog
        model = hf_double.llama_with_tp(config, tp=2)
        with support.client(self.daemon) as c:
            with self.assertRaisesRegex(ValueError, "pretraining_tp is 2"):
                Guard(c, model)
        # Hooked anyway (explicit layers): the module never runs, which the guard notices instead of reporting
        # a monitored request that sent nothing.
        layers = [(layer.mlp.down_proj, "input") for layer in model.model.layers]
        req, _, _ = self.run_once(model, "fail_open", layers=layers)
        self.assertFalse(req.monitored)
        self.assertEqual(req.next_step, 0)
        self.assertTrue(any("never ran" in e for e in req.errors), req.errors)
        with self.assertRaisesRegex(CatalogMismatch, "never ran"):
            self.run_once(model, "fail_closed", layers=layers)
        model.config["pretraining_tp"] = 1  # the documented fix (HF's LlamaMLP then calls down_proj)
        with support.client(self.daemon) as c:
            Guard(c, model).close()


if __name__ == "__main__":
    unittest.main()
