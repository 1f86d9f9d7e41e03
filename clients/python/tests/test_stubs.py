"""The checked-in messages are what tools/gen_protos.py makes from protos/ now, they do not shadow grpcio, and the
hand-encoded Activations frame is byte-for-byte what the protobuf runtime encodes."""
import importlib.util
import os
import unittest

import support  # first: puts the package on sys.path
import grpc
import neuronguard
from neuronguard.v1 import telemetry_pb2 as t
from neuronguard.wire import activations_frame, float32_bytes

PKG = os.path.dirname(os.path.abspath(neuronguard.__file__))
TOOL = os.path.join(PKG, "..", "tools", "gen_protos.py")


class StubTests(unittest.TestCase):
    def test_checked_in_messages_match_protos(self):
        spec = importlib.util.spec_from_file_location("gen_protos", TOOL)
        gen = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(gen)
        for name, text in gen.render().items():
            with open(os.path.join(PKG, "v1", name)) as f:
                self.assertEqual(f.read(), text, f"neuronguard/v1/{name} drifted from protos/: run "
                                                 "/usr/bin/python3 clients/python/tools/gen_protos.py and commit")

    def test_grpcio_is_not_shadowed(self):
        self.assertIn("dist-packages", grpc.__file__.replace("site-packages", "dist-packages"))
        for root, dirs, _ in os.walk(os.path.join(PKG, "..")):
            self.assertNotIn("grpc", dirs, f"a generated grpc package under {root} would shadow grpcio")

    def test_hand_encoded_frame_equals_protobuf_encoding(self):
        for rid, first, steps, values in (("r-1", 0, 1, [0.5, -2.0, 3.25]), ("é", 300, 2, [1e-3] * 6), ("", 0, 0, [])):
            expected = t.ModelServerMessage(activations=t.Activations(request_id=rid, first_step=first, steps=steps,
                                                                        values=values)).SerializeToString()
            self.assertEqual(activations_frame(rid.encode(), first, steps, float32_bytes(values)), expected)


if __name__ == "__main__":
    unittest.main()
