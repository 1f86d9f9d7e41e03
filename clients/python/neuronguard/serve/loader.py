"""Loads a Hugging Face causal-LM folder for serving: with transformers when it is installed (any architecture it
knows), otherwise the package's plain-torch GPT-2 / Llama (:mod:`neuronguard.plainmodels`) and the byte-level BPE
reader (:mod:`neuronguard.serve.tokenizer`). Either way the model keeps Hugging Face's module names, so
:class:`neuronguard.hooks.Guard` finds the same layers."""
from __future__ import annotations

import os
from typing import Any, Callable, List, Optional, Protocol, Tuple

import torch
from torch import nn

Step = Callable[[torch.Tensor, torch.Tensor, Any], Tuple[torch.Tensor, Any]]


class Tokenizer(Protocol):
    eos_token_id: Optional[int]

    def encode(self, text: str) -> List[int]: ...
    def decode(self, ids: List[int]) -> str: ...


class Loaded:
    """The model, its tokenizer, one forward step ``step(ids, mask, past) -> (logits, past)`` and where it came
    from (``backend`` is "transformers" or "plain-torch")."""

    def __init__(self, model: nn.Module, tokenizer: Tokenizer, step: Step, backend: str, folder: str) -> None:
        self.model, self.tokenizer, self.step, self.backend, self.folder = model, tokenizer, step, backend, folder
        self.name = os.path.basename(os.path.normpath(folder))


class _HFTokenizer:
    def __init__(self, tok: Any) -> None:
        self.tok = tok
        self.eos_token_id: Optional[int] = tok.eos_token_id

    def encode(self, text: str) -> List[int]:
        return list(self.tok.encode(text, add_special_tokens=False))

    def decode(self, ids: List[int]) -> str:
        return str(self.tok.decode(ids, skip_special_tokens=True))


def load(folder: str, use_transformers: Optional[bool] = None) -> Loaded:
    """``use_transformers`` None: transformers when importable."""
    if use_transformers is None:
        try:
            import transformers  # noqa: F401
            use_transformers = True
        except ImportError:
            use_transformers = False
    if use_transformers:
        from transformers import AutoModelForCausalLM, AutoTokenizer
        model = AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.float32).eval()
        tok = _HFTokenizer(AutoTokenizer.from_pretrained(folder))

        def hf_step(ids: torch.Tensor, mask: torch.Tensor, past: Any) -> Tuple[torch.Tensor, Any]:
            out = model(input_ids=ids, attention_mask=mask, past_key_values=past, use_cache=True)
            return out.logits, out.past_key_values
        return Loaded(model, tok, hf_step, "transformers", folder)
    from .. import plainmodels
    from .tokenizer import ByteLevelBPE
    plain, config = plainmodels.load(folder)
    bpe = ByteLevelBPE(os.path.join(folder, "tokenizer.json"))
    if config.get("eos_token_id") is not None:
        bpe.eos_token_id = int(config["eos_token_id"])

    def plain_step(ids: torch.Tensor, mask: torch.Tensor, past: Any) -> Tuple[torch.Tensor, Any]:
        logits, new = plain(ids, attention_mask=mask, past=past)
        return logits, new
    return Loaded(plain, bpe, plain_step, "plain-torch", folder)
