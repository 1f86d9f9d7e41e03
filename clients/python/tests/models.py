"""The plain-torch GPT-2 and Llama the tests run (they live in the package: ``neuronguard.serve`` loads a model
folder with them when transformers is missing)."""
import os
import sys

sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")))

from neuronguard.plainmodels import (Conv1D, GPT2LMHeadModel, LlamaForCausalLM, LlamaMLP, load,  # noqa: E402,F401
                                     read_safetensors, write_safetensors)
