"""The committed tests/models/trained-gpt2 loads in transformers: its safetensors header carries
``{"__metadata__": {"format": "pt"}}`` (issue 25 item 7), and the tensor bytes are the trained ones. The
from_pretrained check needs transformers and skips, with the reason printed, where it is not installed."""
import hashlib
import json
import os
import struct
import unittest

import support  # noqa: F401  (puts neuronguard on sys.path)
from neuronguard import fingerprint

MODEL = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tests", "models",
                                      "trained-gpt2"))


def header_and_data():
    with open(os.path.join(MODEL, "model.safetensors"), "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n)), f.read(), n


class TrainedModelFilesTests(unittest.TestCase):
    def test_header_carries_format_pt_and_the_trained_bytes(self):
        header, data, n = header_and_data()
        self.assertEqual(header["__metadata__"], {"format": "pt"})
        self.assertEqual((8 + n) % 8, 0)
        self.assertEqual(hashlib.sha256(data).hexdigest(), "9daab7b64cb3655a3e25ba9c77b1a434185029382a5c1d4c923a9c11abe73a80")

    def test_transformers_from_pretrained_loads_it(self):
        try:
            import transformers
        except ImportError as e:
            self.skipTest(f"transformers is not installed ({e}); Debian packages no transformers: pip install transformers to run it")
        model = transformers.AutoModelForCausalLM.from_pretrained(MODEL)
        self.assertEqual(type(model).__name__, "GPT2LMHeadModel")
        self.assertEqual(fingerprint.from_model(model), fingerprint.from_folder(MODEL))  # name_or_path is the folder


if __name__ == "__main__":
    unittest.main()
