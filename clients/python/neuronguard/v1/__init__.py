"""Generated neuronguard.v1 messages (see tools/gen_protos.py)."""
