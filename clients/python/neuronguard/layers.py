"""Where each transformer block's MLP activation is, for Hugging Face GPT-2 and Llama-family models.

GPT-2: the output of ``transformer.h[i].mlp.act`` (the GELU output); Llama family: the input of
``model.layers[i].mlp.down_proj`` (``act_fn(gate_proj(x)) * up_proj(x)``) — protos/neuronguard/v1/common.proto,
NeuronRef. A Llama config with ``pretraining_tp > 1`` makes Hugging Face's ``LlamaMLP`` multiply weight slices with
``F.linear`` and never call the ``down_proj`` module, so no hook there could see anything: that is refused here.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

from torch import nn

Layer = Tuple[nn.Module, str]
GPT2, LLAMA = "gpt2", "llama"


def hf_layers(model: nn.Module, arch: Optional[str] = None) -> List[Layer]:
    """``[(module, "input"|"output"), …]`` per transformer block for Hugging Face GPT-2 and Llama-family models."""
    arch = arch or detect(model)
    if arch == GPT2:
        return [(b.mlp.act, "output") for b in _find(model, ("transformer.h", "h"))]
    if arch == LLAMA:
        tp = config_value(getattr(model, "config", None), "pretraining_tp", 1) or 1
        if int(tp) > 1:
            raise ValueError(f"config.pretraining_tp is {tp}: Hugging Face's LlamaMLP then computes down_proj from "
                             "weight slices with F.linear and never calls the down_proj module, so its neurons cannot "
                             "be captured or attenuated; set model.config.pretraining_tp = 1 before Guard(...) (the "
                             "same product in one matmul)")
        return [(b.mlp.down_proj, "input") for b in _find(model, ("model.layers", "layers"))]
    raise ValueError(f"arch {arch!r} is not known; pass layers=[(module, 'input'|'output'), ...] instead")


def config_value(config: Any, name: str, default: Any = None) -> Any:
    """A field of a Hugging Face config object or of a plain config dict."""
    if config is None:
        return default
    if isinstance(config, dict):
        return config.get(name, default)
    return getattr(config, name, default)


def detect(model: nn.Module) -> str:
    names = {n for n, _ in model.named_modules()}
    if "transformer.h.0.mlp.act" in names or "h.0.mlp.act" in names:
        return GPT2
    if "model.layers.0.mlp.down_proj" in names or "layers.0.mlp.down_proj" in names:
        return LLAMA
    raise ValueError("neither transformer.h.N.mlp.act (GPT-2) nor model.layers.N.mlp.down_proj (Llama) found; "
                     "pass layers=[(module, 'input'|'output'), ...] naming where each layer's MLP activation is")


def _find(model: nn.Module, paths: Sequence[str]) -> List[Any]:
    for p in paths:
        m: Any = model
        try:
            for part in p.split("."):
                m = getattr(m, part)
            return list(m)
        except AttributeError:
            continue
    raise ValueError(f"the model has none of {list(paths)}")
