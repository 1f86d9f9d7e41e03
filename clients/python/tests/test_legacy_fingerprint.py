"""The fingerprint transition from Python (issue 24/27: recipe 1, shapes → recipe 2, weights): a client made with
``Client.for_folder`` sends the folder's recipe-1 fingerprint as ``Hello.legacy_fingerprint``, so a real daemon whose
catalog and baseline are stored under the legacy value serves it, as it serves the built-in host; a client that sends
only the new fingerprint gets no slots from that daemon."""
import time
import unittest

import torch

import support  # first: puts the package on sys.path
import daemon
import neuronguard
from neuronguard import fingerprint
from neuronguard.onboarding import capture_requests


class LegacyFingerprintTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = daemon.Daemon("legacy-fp", model="none")  # an empty store: only what the test puts
        cls.folder = daemon.fixture_dir()
        cls.legacy = fingerprint.legacy_from_folder(cls.folder)
        cls.current = fingerprint.from_folder(cls.folder)

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()

    def test_catalog_under_the_legacy_fingerprint_serves_a_client_made_for_the_folder(self):
        self.assertNotEqual(self.legacy, self.current)
        model, config = support.fixture()[0], support.fixture()[1]
        layers, width = config["n_layer"], config.get("n_inner") or 4 * config["n_embd"]
        catalog = neuronguard.make_catalog(self.legacy, layers, width, "legacy-1",
                                           {"watch": ("custom", [(0, 1, 0.0), (1, 2, 0.0), (1, 3, 0.0)])})
        ob = neuronguard.Onboarding(neuronguard.Connection(self.daemon.address))
        ob.put_catalog(catalog)
        table, words = support.fixture()[3]["spaced_token_ids"], support.fixture()[3]["benign_words"]
        benign = [torch.tensor([[table[w] for w in words[i:i + 3 + i % 5]]]) for i in range(40)]
        ob.calibrate(self.legacy, "legacy-1", capture_requests(model, neuronguard.catalog_slots(catalog), benign),
                     activate=True)

        with neuronguard.Client(self.daemon.address, self.current, model_id="py-no-legacy").start() as bare:
            self.assertEqual(bare.legacy_fingerprint, "")
            self.assertEqual(len(bare.plan), 0)  # nothing is stored under the new fingerprint

        with neuronguard.Client.for_folder(self.daemon.address, self.folder, model_id="py-legacy").start() as c:
            self.assertEqual((c.model_fingerprint, c.legacy_fingerprint), (self.current, self.legacy))
            deadline = time.monotonic() + 60
            while len(c.plan) == 0 and time.monotonic() < deadline:
                time.sleep(0.1)
            self.assertEqual(c.plan.slots, neuronguard.catalog_slots(catalog).slots)


if __name__ == "__main__":
    unittest.main()
