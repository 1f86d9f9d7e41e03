"""The committed tests/models/trained-gpt2-v2 (issues 26, 27): its safetensors header carries
``{"__metadata__": {"format": "pt"}}``, the tensor bytes are the trained ones, and the Python weight fingerprint equals
the one the C# host pins (TrainedModelV2Tests). The from_pretrained check needs transformers and skips, with the
reason printed, where it is not installed."""
import hashlib
import json
import os
import struct
import unittest

import support  # noqa: F401  (puts neuronguard on sys.path)
from neuronguard import fingerprint

MODEL = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tests", "models",
                                      "trained-gpt2-v2"))
TENSOR_BYTES_SHA256 = "6c2b6e20b388799f0a63b111a1a3bf50f49c4c686649a36fd03182dabbc9ff49"
FINGERPRINT = "ddfce1ebf478a17986ea2ca6e800055c9c6fb890870c63621a6ed502d963f620"  # the C# host's TrainedModelV2Tests.PinnedFingerprint


def header_and_data():
    with open(os.path.join(MODEL, "model.safetensors"), "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n)), f.read(), n


class TrainedModelV2FilesTests(unittest.TestCase):
    def test_header_carries_format_pt_and_the_trained_bytes(self):
        header, data, n = header_and_data()
        self.assertEqual(header["__metadata__"], {"format": "pt"})
        self.assertEqual((8 + n) % 8, 0)
        self.assertEqual(hashlib.sha256(data).hexdigest(), TENSOR_BYTES_SHA256)

    def test_fingerprint_matches_the_hosts(self):
        self.assertEqual(fingerprint.from_folder(MODEL), FINGERPRINT)

    def test_transformers_from_pretrained_loads_it(self):
        try:
            import transformers
        except ImportError as e:
            self.skipTest(f"transformers is not installed ({e}); Debian packages no transformers: pip install transformers to run it")
        model = transformers.AutoModelForCausalLM.from_pretrained(MODEL)
        self.assertEqual(type(model).__name__, "GPT2LMHeadModel")
        self.assertEqual(model.config.n_layer, 4)
        self.assertEqual(fingerprint.from_model(model), fingerprint.from_folder(MODEL))


if __name__ == "__main__":
    unittest.main()
