#!/usr/bin/python3
"""NeuronGuard torch reference, format 1.

An independent forward pass of GPT2LMHeadModel and LlamaForCausalLM written with torch's own modules and
functional ops (no transformers package here), reading the same safetensors files with a small reader
(json header + numpy.frombuffer). Used by the xunit tests (logits comparison, llm.c test_gpt2.c style) and
by the benchmark (bench/NeuronGuard.Bench/Inference/torch_bench.py imports this module).

usage: torch_reference.py --model DIR --tokens "1,2,3;4,5" [--gains "layer:neuron:gain,..."] --out FILE
Output (little-endian): the line b"neuronguard-torch-ref 1 <sequences>\n", then per sequence int32 T, int32 V
and T*V float32 logits.
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

FORMAT = 1


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        raw = data[8 + n + b:8 + n + end]
        if e["dtype"] == "F32":
            arr = np.frombuffer(raw, dtype="<f4").astype(np.float32)
        elif e["dtype"] == "F16":
            arr = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif e["dtype"] == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise SystemExit(f"unsupported dtype {e['dtype']} for {name}")
        out[name] = torch.from_numpy(arr.reshape(e["shape"]).copy())
    return out


def load(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    single = os.path.join(model_dir, "model.safetensors")
    if os.path.exists(single):
        w = read_safetensors(single)
    else:
        with open(os.path.join(model_dir, "model.safetensors.index.json")) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
        w = {}
        for fn in files:
            w.update(read_safetensors(os.path.join(model_dir, fn)))
    if "transformer.wte.weight" in w:
        w = {k[len("transformer."):] if k.startswith("transformer.") else k: v for k, v in w.items()}
    return cfg, w


class Gains:
    """Per-layer (indices, gains) applied to the MLP activation, as the C# NeuronGainsHook does."""

    def __init__(self, spec):
        self.by_layer = {}
        for item in filter(None, (spec or "").split(",")):
            layer, neuron, gain = item.split(":")
            self.by_layer.setdefault(int(layer), []).append((int(neuron), float(gain)))

    def apply(self, layer, act):
        for neuron, gain in self.by_layer.get(layer, []):
            act[..., neuron] *= gain
        return act


def attention(q, k, v):
    """q (H, T, hd) at the last T positions of k, v (H, S, hd); causal softmax attention."""
    t, s = q.shape[1], k.shape[1]
    scores = q @ k.transpose(1, 2) / math.sqrt(q.shape[-1])
    mask = torch.ones(t, s, dtype=torch.bool).tril(diagonal=s - t)
    scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


class Gpt2:
    def __init__(self, cfg, w):
        self.cfg, self.w = cfg, w
        self.d, self.h = cfg["n_embd"], cfg["n_head"]
        eps = cfg.get("layer_norm_epsilon", 1e-5)
        self.lns = {}
        for name in [k[:-len(".weight")] for k in w if k.endswith("ln_1.weight") or k.endswith("ln_2.weight") or k == "ln_f.weight"]:
            ln = torch.nn.LayerNorm(self.d, eps=eps)
            ln.weight.data, ln.bias.data = w[name + ".weight"], w[name + ".bias"]
            self.lns[name] = ln

    def forward(self, ids, start=0, cache=None, gains=None, last_only=False):
        w, d, h = self.w, self.d, self.h
        t = len(ids)
        x = w["wte.weight"][ids] + w["wpe.weight"][start:start + t]
        for l in range(self.cfg["n_layer"]):
            p = f"h.{l}."
            a = torch.addmm(w[p + "attn.c_attn.bias"], self.lns[p + "ln_1"](x), w[p + "attn.c_attn.weight"])
            q, k, v = a.split(d, dim=1)
            q, k, v = (z.view(t, h, d // h).transpose(0, 1) for z in (q, k, v))
            if cache is not None:
                if len(cache) > l:
                    k = torch.cat([cache[l][0], k], dim=1)
                    v = torch.cat([cache[l][1], v], dim=1)
                    cache[l] = (k, v)
                else:
                    cache.append((k, v))
            y = attention(q, k, v).transpose(0, 1).reshape(t, d)
            x = x + torch.addmm(w[p + "attn.c_proj.bias"], y, w[p + "attn.c_proj.weight"])
            m = F.gelu(torch.addmm(w[p + "mlp.c_fc.bias"], self.lns[p + "ln_2"](x), w[p + "mlp.c_fc.weight"]), approximate="tanh")
            if gains is not None:
                m = gains.apply(l, m)
            x = x + torch.addmm(w[p + "mlp.c_proj.bias"], m, w[p + "mlp.c_proj.weight"])
        if last_only:  # what a prefill needs (the benchmark), as the managed engine does
            x = x[-1:]
        return self.lns["ln_f"](x) @ w["wte.weight"].T


class RmsNorm(torch.nn.Module):
    def __init__(self, weight, eps):
        super().__init__()
        self.weight, self.eps = weight, eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Llama:
    def __init__(self, cfg, w):
        self.cfg, self.w = cfg, w
        self.d = cfg["hidden_size"]
        self.h = cfg["num_attention_heads"]
        self.kvh = cfg.get("num_key_value_heads", self.h)
        self.hd = cfg.get("head_dim", self.d // self.h)
        eps = cfg.get("rms_norm_eps", 1e-6)
        self.norms = {k: RmsNorm(v, eps) for k, v in w.items() if "norm" in k}
        inv = 1.0 / (cfg.get("rope_theta", 10000.0) ** (torch.arange(0, self.hd, 2, dtype=torch.int64).float() / self.hd))
        self.inv_freq = inv
        self.head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
        self.lin = lambda x, name: F.linear(x, w[name])

    def rope(self, x, start):
        t = x.shape[1]
        pos = torch.arange(start, start + t, dtype=torch.float32)
        freqs = torch.outer(pos, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        return x * emb.cos() + rotate_half(x) * emb.sin()

    def forward(self, ids, start=0, cache=None, gains=None, last_only=False):
        w, t = self.w, len(ids)
        x = w["model.embed_tokens.weight"][ids]
        rep = self.h // self.kvh
        for l in range(self.cfg["num_hidden_layers"]):
            p = f"model.layers.{l}."
            xn = self.norms[p + "input_layernorm.weight"](x)
            q = self.lin(xn, p + "self_attn.q_proj.weight").view(t, self.h, self.hd).transpose(0, 1)
            k = self.lin(xn, p + "self_attn.k_proj.weight").view(t, self.kvh, self.hd).transpose(0, 1)
            v = self.lin(xn, p + "self_attn.v_proj.weight").view(t, self.kvh, self.hd).transpose(0, 1)
            q, k = self.rope(q, start), self.rope(k, start)
            if cache is not None:
                if len(cache) > l:
                    k = torch.cat([cache[l][0], k], dim=1)
                    v = torch.cat([cache[l][1], v], dim=1)
                    cache[l] = (k, v)
                else:
                    cache.append((k, v))
            k = k.repeat_interleave(rep, dim=0)
            v = v.repeat_interleave(rep, dim=0)
            y = attention(q, k, v).transpose(0, 1).reshape(t, self.h * self.hd)
            x = x + self.lin(y, p + "self_attn.o_proj.weight")
            xn = self.norms[p + "post_attention_layernorm.weight"](x)
            m = F.silu(self.lin(xn, p + "mlp.gate_proj.weight")) * self.lin(xn, p + "mlp.up_proj.weight")
            if gains is not None:
                m = gains.apply(l, m)
            x = x + self.lin(m, p + "mlp.down_proj.weight")
        if last_only:
            x = x[-1:]
        return self.norms["model.norm.weight"](x) @ self.head.T


def build(model_dir):
    cfg, w = load(model_dir)
    arch = cfg["architectures"][0]
    if arch == "GPT2LMHeadModel":
        return Gpt2(cfg, w)
    if arch == "LlamaForCausalLM":
        return Llama(cfg, w)
    raise SystemExit(f"unsupported architecture {arch}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokens", required=True, help="sequences separated by ';', ids by ','")
    ap.add_argument("--gains", default="")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    model = build(args.model)
    gains = Gains(args.gains)
    seqs = [[int(i) for i in s.split(",")] for s in args.tokens.split(";")]
    with torch.no_grad(), open(args.out, "wb") as f:
        f.write(f"neuronguard-torch-ref {FORMAT} {len(seqs)}\n".encode())
        for ids in seqs:
            logits = model.forward(torch.tensor(ids, dtype=torch.long), gains=gains).float().numpy()
            f.write(struct.pack("<ii", *logits.shape))
            f.write(logits.astype("<f4").tobytes())
    return 0


if __name__ == "__main__":
    sys.exit(main())
