"""Doubles of the Hugging Face pieces the client meets (transformers cannot be installed here), written from how
transformers behaves, not copied: ``generate``'s greedy loop (a prefill, then one token per pass with the KV cache;
finished rows padded with ``pad_token_id``; the model called as ``model(**inputs)``), both stopping-criteria
contracts (≥ 4.39: per-row (batch,) bool tensors OR-ed and EOS as a criterion; < 4.39: ``any(bool(c(...)))`` stops
the whole batch and EOS is tracked separately), ``output_scores`` / ``return_dict_in_generate``, and Llama's MLP
with ``pretraining_tp > 1`` (down_proj applied through ``F.linear`` on weight slices, bypassing the module).
"""
from types import SimpleNamespace

import torch
from torch.nn import functional as F

import models


def _criteria(stopping, input_ids, scores, per_row):
    if per_row:
        done = torch.zeros(input_ids.shape[0], dtype=torch.bool)
        for c in stopping:
            done = done | c(input_ids, scores)
        return done
    return any(c(input_ids, scores) for c in stopping)  # < 4.39: a tensor of several values raises here


def generate(model, input_ids, attention_mask=None, max_new_tokens=8, eos_token_id=None, pad_token_id=None,
             stopping_criteria=(), logits_processor=(), output_scores=False, return_dict_in_generate=False,
             per_row=True, **unused):
    eos = model.config.get("eos_token_id") if eos_token_id is None else eos_token_id
    eos_ids = torch.tensor(eos if isinstance(eos, list) else [eos])
    pad = eos_ids[0].item() if pad_token_id is None else pad_token_id
    if attention_mask is None:
        attention_mask = torch.ones_like(input_ids)
    unfinished = torch.ones(input_ids.shape[0], dtype=torch.long)
    past, scores = None, []
    while True:
        step_ids = input_ids if past is None else input_ids[:, -1:]
        with torch.no_grad():
            out = model(input_ids=step_ids, attention_mask=attention_mask, past_key_values=past, use_cache=True)
        past = out.past_key_values
        next_scores = out.logits[:, -1, :].clone()
        for p in logits_processor:
            next_scores = p(input_ids, next_scores)
        scores.append(next_scores)
        tokens = next_scores.argmax(-1)
        tokens = tokens * unfinished + pad * (1 - unfinished)
        input_ids = torch.cat([input_ids, tokens[:, None]], dim=-1)
        attention_mask = torch.cat([attention_mask, torch.ones(input_ids.shape[0], 1, dtype=attention_mask.dtype)], -1)
        is_eos = torch.isin(tokens, eos_ids)
        full = len(scores) >= max_new_tokens
        if per_row:
            done = _criteria(stopping_criteria, input_ids, next_scores, True) | is_eos | full
            unfinished = unfinished & ~done
            stop = unfinished.max() == 0
        else:
            unfinished = unfinished.mul((~is_eos).long())
            stop = unfinished.max() == 0 or full or _criteria(stopping_criteria, input_ids, next_scores, False)
        if stop:
            break
    if return_dict_in_generate:
        return SimpleNamespace(sequences=input_ids, scores=tuple(scores) if output_scores else None)
    return input_ids


class _HFCalls:
    """HF's calling convention on the plain-torch models: keyword inputs, ``past_key_values``, an output object."""

    def forward(self, input_ids=None, attention_mask=None, past_key_values=None, use_cache=True, **unused):
        logits, past = super().forward(input_ids, attention_mask=attention_mask, past=past_key_values)
        return SimpleNamespace(logits=logits, past_key_values=past)

    def generate(self, **kwargs):
        return generate(self, **kwargs)


class GPT2LMHeadModel(_HFCalls, models.GPT2LMHeadModel):
    pass


class LlamaForCausalLM(_HFCalls, models.LlamaForCausalLM):
    pass


class LlamaMLPWithTP(models.LlamaMLP):
    """HF's LlamaMLP when ``config.pretraining_tp > 1``: slices of the weights through ``F.linear``."""

    def __init__(self, d, ffn, tp):
        super().__init__(d, ffn)
        self.tp = tp

    def forward(self, x):
        part = self.gate_proj.weight.shape[0] // self.tp
        gate = torch.cat([F.linear(x, w) for w in self.gate_proj.weight.split(part, dim=0)], dim=-1)
        up = torch.cat([F.linear(x, w) for w in self.up_proj.weight.split(part, dim=0)], dim=-1)
        inner = (self.act_fn(gate) * up).split(part, dim=-1)
        return sum(F.linear(inner[i], w) for i, w in enumerate(self.down_proj.weight.split(part, dim=1)))


def llama_with_tp(config, tp=2):
    config = dict(config, pretraining_tp=tp)
    model = LlamaForCausalLM(config)
    for layer in model.model.layers:
        old = layer.mlp
        layer.mlp = LlamaMLPWithTP(config["hidden_size"], config["intermediate_size"], tp)
        layer.mlp.load_state_dict(old.state_dict())
    return model.eval()


def gpt2_like(source, **changes):
    """An HF-convention GPT-2 with ``source``'s weights where shapes allow (resized tensors keep their init)."""
    model = GPT2LMHeadModel(dict(source.config, **changes))
    src = source.state_dict()
    own = model.state_dict()
    model.load_state_dict({k: (src[k] if k in src and src[k].shape == v.shape else v) for k, v in own.items()})
    return model.eval()
