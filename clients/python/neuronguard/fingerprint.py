"""The model fingerprint catalogs are bound to, by the built-in host's recipe (src/NeuronGuard.Inference/ModelInfo.cs).

Lowercase hex SHA-256 of UTF-8 lines ``arch=``, ``layers=``, ``hidden=``, ``neurons=``, ``heads=``, ``kv_heads=``,
``vocab=``, ``positions=``, then ``tensor={name} {F32|F16|BF16} {d0}x{d1}…`` for every tensor in ordinal name
order. It names the checkpoint's shapes, not its values.
"""
import hashlib
import json
import os
import struct

_DTYPES = {"F32": "F32", "F16": "F16", "BF16": "BF16"}


def config_fields(config):
    """(arch, layers, hidden, neurons, heads, kv_heads, vocab, positions) from a config.json dict (or HF config)."""
    c = config.to_dict() if hasattr(config, "to_dict") else dict(config)
    archs = c.get("architectures") or []
    arch = archs[0] if archs else c.get("model_type", "")
    if arch in ("GPT2LMHeadModel", "gpt2"):
        hidden, heads = c["n_embd"], c["n_head"]
        return ("GPT2LMHeadModel", c["n_layer"], hidden, c.get("n_inner") or 4 * hidden, heads, heads,
                c["vocab_size"], c.get("n_positions") or c["n_ctx"])
    if arch in ("LlamaForCausalLM", "llama"):
        heads = c["num_attention_heads"]
        return ("LlamaForCausalLM", c["num_hidden_layers"], c["hidden_size"], c["intermediate_size"], heads,
                c.get("num_key_value_heads") or heads, c["vocab_size"], c.get("max_position_embeddings") or 2048)
    raise ValueError(f"architecture {arch!r}: the fingerprint recipe knows GPT2LMHeadModel and LlamaForCausalLM")


def compute(config, tensors):
    """``tensors``: iterable of (name, dtype name F32/F16/BF16, shape)."""
    arch, layers, hidden, neurons, heads, kv, vocab, positions = config_fields(config)
    lines = [f"arch={arch}", f"layers={layers}", f"hidden={hidden}", f"neurons={neurons}", f"heads={heads}",
             f"kv_heads={kv}", f"vocab={vocab}", f"positions={positions}"]
    by_name = {name: (dtype, shape) for name, dtype, shape in tensors}
    for name in sorted(by_name):  # ordinal order (ASCII names: same as C# StringComparer.Ordinal)
        dtype, shape = by_name[name]
        lines.append(f"tensor={name} {dtype} {'x'.join(str(int(d)) for d in shape)}")
    return hashlib.sha256("".join(line + "\n" for line in lines).encode()).hexdigest()


def safetensors_header(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n))


def from_folder(model_dir):
    """The fingerprint of a Hugging Face model folder (config.json + model.safetensors or its shard index)."""
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    single = os.path.join(model_dir, "model.safetensors")
    if os.path.exists(single):
        files = [single]
    else:
        with open(os.path.join(model_dir, "model.safetensors.index.json")) as f:
            files = [os.path.join(model_dir, s) for s in sorted(set(json.load(f)["weight_map"].values()))]
    tensors = []
    for path in files:
        for name, e in safetensors_header(path).items():
            if name == "__metadata__":
                continue
            if e["dtype"] not in _DTYPES:
                raise ValueError(f"tensor {name} in {path} has dtype {e['dtype']}; the daemon's recipe reads F32, F16, BF16")
            tensors.append((name, e["dtype"], e["shape"]))
    return compute(config, tensors)


def from_model(model, config, drop_prefix="", extra=()):
    """The fingerprint of a loaded torch model, from its parameters (tied ones once, under their first name).

    It equals :func:`from_folder` when the parameter names are the checkpoint's names: pass ``drop_prefix`` when
    the checkpoint was saved without a wrapper prefix (GPT-2 checkpoints often lack ``transformer.``), and
    ``extra`` = [(name, dtype, shape)] for tensors the checkpoint holds that are not parameters (e.g. buffers).
    Prefer :func:`from_folder` when the folder is at hand.
    """
    import torch
    names = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}
    tensors = []
    for name, p in model.named_parameters():
        if drop_prefix and name.startswith(drop_prefix):
            name = name[len(drop_prefix):]
        tensors.append((name, names[p.dtype], tuple(p.shape)))
    return compute(config, list(tensors) + list(extra))
