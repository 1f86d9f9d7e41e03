"""Plain-torch GPT-2 and Llama written with Hugging Face's module names and structure, loading safetensors folders
(F32, F16 or BF16 weights, computed in float32) without transformers. Batched, left-padded prefill with an attention
mask, and a KV cache. ``neuronguard.serve`` uses them when transformers is not installed; the tests use them as the
Hugging Face models' stand-ins (same module names, so the same hooks).
"""
from __future__ import annotations

import json
import math
import os
import struct
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

KV = Tuple[torch.Tensor, torch.Tensor]


def read_safetensors(path: str) -> Dict[str, torch.Tensor]:
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    out = {}
    for name, e in json.loads(data[8:8 + n]).items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        raw = data[8 + n + b:8 + n + end]
        if e["dtype"] == "F32":
            arr = np.frombuffer(raw, dtype="<f4")
        elif e["dtype"] == "F16":
            arr = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif e["dtype"] == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise ValueError(f"{path}: tensor {name} has dtype {e['dtype']}; F32, F16 and BF16 are read")
        out[name] = torch.from_numpy(arr.reshape(e["shape"]).copy())
    return out


def write_safetensors(path: str, tensors: Dict[str, torch.Tensor]) -> None:
    header: Dict[str, Any] = {}
    blobs: List[bytes] = []
    offset = 0
    for name in sorted(tensors):
        raw = tensors[name].detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def _attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """q (B,H,T,hd), k/v (B,H,S,hd), mask (B,1,T,S) bool of allowed keys."""
    mask = mask | ~mask.any(-1, keepdim=True)  # padded queries see everything: finite garbage, never NaN
    scores = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(~mask, float("-inf"))
    return F.softmax(scores, dim=-1) @ v


def _mask_and_positions(attention_mask: Optional[torch.Tensor], batch: int, tokens: int,
                        past_len: int) -> Tuple[torch.Tensor, torch.Tensor]:
    total = past_len + tokens
    if attention_mask is None:
        attention_mask = torch.ones(batch, total, dtype=torch.long)
    am = attention_mask.bool()
    causal = torch.ones(tokens, total, dtype=torch.bool).tril(past_len)
    mask = causal[None, None] & am[:, None, None, :]
    # Positions count from each row's first real token (left padding), not by a cumulative sum of the mask: a position
    # zeroed later in the row (MaskAttention) hides that token without renumbering the tokens after it.
    first = am.int().argmax(-1)
    positions = (torch.arange(total)[None, :] - first[:, None]).clamp(min=0)[:, past_len:]
    return mask, positions


class Conv1D(nn.Module):
    """HF GPT-2's Conv1D: weight (in, out)."""

    def __init__(self, nx: int, nf: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).reshape(*x.shape[:-1], -1)


class NewGELUActivation(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class GPT2Attention(nn.Module):
    def __init__(self, d: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.c_attn = Conv1D(d, 3 * d)
        self.c_proj = Conv1D(d, d)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, past: Optional[KV]) -> Tuple[torch.Tensor, KV]:
        B, T, d = x.shape
        q, k, v = self.c_attn(x).split(d, dim=2)
        q, k, v = (a.view(B, T, self.heads, -1).transpose(1, 2) for a in (q, k, v))
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        y = _attend(q, k, v, mask).transpose(1, 2).reshape(B, T, d)
        return self.c_proj(y), (k, v)


class GPT2MLP(nn.Module):
    def __init__(self, d: int, ffn: int) -> None:
        super().__init__()
        self.c_fc = Conv1D(d, ffn)
        self.act = NewGELUActivation()
        self.c_proj = Conv1D(ffn, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.c_proj(self.act(self.c_fc(x)))
        return out


class GPT2Block(nn.Module):
    def __init__(self, d: int, heads: int, ffn: int, eps: float) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(d, eps=eps)
        self.attn = GPT2Attention(d, heads)
        self.ln_2 = nn.LayerNorm(d, eps=eps)
        self.mlp = GPT2MLP(d, ffn)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, past: Optional[KV]) -> Tuple[torch.Tensor, KV]:
        a, kv = self.attn(self.ln_1(x), mask, past)
        x = x + a
        return x + self.mlp(self.ln_2(x)), kv


class GPT2Model(nn.Module):
    def __init__(self, c: Dict[str, Any]) -> None:
        super().__init__()
        d = c["n_embd"]
        self.wte = nn.Embedding(c["vocab_size"], d)
        self.wpe = nn.Embedding(c["n_positions"], d)
        self.h = nn.ModuleList(GPT2Block(d, c["n_head"], c.get("n_inner") or 4 * d, c.get("layer_norm_epsilon", 1e-5))
                               for _ in range(c["n_layer"]))
        self.ln_f = nn.LayerNorm(d, eps=c.get("layer_norm_epsilon", 1e-5))


class GPT2LMHeadModel(nn.Module):
    def __init__(self, config: Dict[str, Any]) -> None:
        super().__init__()
        self.config = config
        self.transformer = GPT2Model(config)
        self.lm_head = nn.Linear(config["n_embd"], config["vocab_size"], bias=False)
        self.lm_head.weight = self.transformer.wte.weight

    def forward(self, input_ids: torch.Tensor, attention_mask: Optional[torch.Tensor] = None,
                past: Optional[List[KV]] = None) -> Tuple[torch.Tensor, List[KV]]:
        B, T = input_ids.shape
        past_len = 0 if past is None else past[0][0].shape[2]
        mask, pos = _mask_and_positions(attention_mask, B, T, past_len)
        x = self.transformer.wte(input_ids) + self.transformer.wpe(pos)
        new = []
        for i, block in enumerate(self.transformer.h):
            x, kv = block(x, mask, None if past is None else past[i])
            new.append(kv)
        return self.lm_head(self.transformer.ln_f(x)), new


class LlamaRMSNorm(nn.Module):
    def __init__(self, d: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class LlamaAttention(nn.Module):
    def __init__(self, c: Dict[str, Any]) -> None:
        super().__init__()
        d, self.heads = c["hidden_size"], c["num_attention_heads"]
        self.kv_heads = c.get("num_key_value_heads") or self.heads
        self.hd = c.get("head_dim") or d // self.heads
        self.q_proj = nn.Linear(d, self.heads * self.hd, bias=False)
        self.k_proj = nn.Linear(d, self.kv_heads * self.hd, bias=False)
        self.v_proj = nn.Linear(d, self.kv_heads * self.hd, bias=False)
        self.o_proj = nn.Linear(self.heads * self.hd, d, bias=False)
        self.inv_freq = 1.0 / (c.get("rope_theta", 10000.0) ** (torch.arange(0, self.hd, 2).float() / self.hd))

    def forward(self, x: torch.Tensor, mask: torch.Tensor, pos: torch.Tensor,
                past: Optional[KV]) -> Tuple[torch.Tensor, KV]:
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.heads, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.kv_heads, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.kv_heads, self.hd).transpose(1, 2)
        freqs = pos[..., None].float() * self.inv_freq
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[:, None], emb.sin()[:, None]
        q, k = q * cos + _rotate_half(q) * sin, k * cos + _rotate_half(k) * sin
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        rep = self.heads // self.kv_heads
        y = _attend(q, k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1), mask)
        return self.o_proj(y.transpose(1, 2).reshape(B, T, -1)), (k, v)


class LlamaMLP(nn.Module):
    def __init__(self, d: int, ffn: int) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(d, ffn, bias=False)
        self.up_proj = nn.Linear(d, ffn, bias=False)
        self.down_proj = nn.Linear(ffn, d, bias=False)
        self.act_fn = nn.SiLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))
        return out


class LlamaDecoderLayer(nn.Module):
    def __init__(self, c: Dict[str, Any]) -> None:
        super().__init__()
        d, eps = c["hidden_size"], c.get("rms_norm_eps", 1e-6)
        self.input_layernorm = LlamaRMSNorm(d, eps)
        self.self_attn = LlamaAttention(c)
        self.post_attention_layernorm = LlamaRMSNorm(d, eps)
        self.mlp = LlamaMLP(d, c["intermediate_size"])

    def forward(self, x: torch.Tensor, mask: torch.Tensor, pos: torch.Tensor,
                past: Optional[KV]) -> Tuple[torch.Tensor, KV]:
        a, kv = self.self_attn(self.input_layernorm(x), mask, pos, past)
        x = x + a
        return x + self.mlp(self.post_attention_layernorm(x)), kv


class LlamaModel(nn.Module):
    def __init__(self, c: Dict[str, Any]) -> None:
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList(LlamaDecoderLayer(c) for _ in range(c["num_hidden_layers"]))
        self.norm = LlamaRMSNorm(c["hidden_size"], c.get("rms_norm_eps", 1e-6))


class LlamaForCausalLM(nn.Module):
    def __init__(self, config: Dict[str, Any]) -> None:
        super().__init__()
        self.config = config
        self.model = LlamaModel(config)
        self.lm_head = nn.Linear(config["hidden_size"], config["vocab_size"], bias=False)
        if config.get("tie_word_embeddings"):
            self.lm_head.weight = self.model.embed_tokens.weight

    def forward(self, input_ids: torch.Tensor, attention_mask: Optional[torch.Tensor] = None,
                past: Optional[List[KV]] = None) -> Tuple[torch.Tensor, List[KV]]:
        B, T = input_ids.shape
        past_len = 0 if past is None else past[0][0].shape[2]
        mask, pos = _mask_and_positions(attention_mask, B, T, past_len)
        x = self.model.embed_tokens(input_ids)
        new = []
        for i, layer in enumerate(self.model.layers):
            x, kv = layer(x, mask, pos, None if past is None else past[i])
            new.append(kv)
        return self.lm_head(self.model.norm(x)), new


def load(model_dir: str) -> Tuple[nn.Module, Dict[str, Any]]:
    """(model, config) for a GPT-2 or Llama safetensors folder; GPT-2 names may lack the ``transformer.`` prefix."""
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    weights = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    model: nn.Module
    if config["architectures"][0] == "GPT2LMHeadModel":
        model = GPT2LMHeadModel(config)
        weights = {(k if k.startswith("transformer.") else "transformer." + k): v for k, v in weights.items()}
    else:
        model = LlamaForCausalLM(config)
    missing, unexpected = model.load_state_dict(weights, strict=False)
    missing = [m for m in missing if m != "lm_head.weight"]
    assert not missing and not unexpected, (missing, unexpected)
    return model.eval(), config
