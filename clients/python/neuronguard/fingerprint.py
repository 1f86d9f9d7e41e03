"""The model fingerprint catalogs are bound to, by the built-in host's recipe (docs/telemetry.md, "Model fingerprint";
src/NeuronGuard.Inference/Loading/Fingerprint.cs).

Recipe 2 (:func:`from_folder`, :func:`from_model`): lowercase hex SHA-256 of UTF-8 lines ``fingerprint=2``, ``arch=``,
``layers=``, ``hidden=``, ``neurons=``, ``heads=``, ``kv_heads=``, ``vocab=``, ``positions=``, then
``tensor={name} {F32|F16|BF16} {d0}x{d1}… {xxh128}`` for every tensor in ordinal name order, where ``xxh128`` is the
lowercase hex XXH3-128 (seed 0, canonical bytes) of the tensor's bytes as stored in the checkpoint. It names the
weights' values, not only their shapes. Per-tensor hashes are cached by file size and modification time (same cache
folder and layout as the C# host).

Recipe 1 (:func:`legacy_from_folder`): the same lines without ``fingerprint=2`` and without the hashes (shapes only);
catalogs made before recipe 2 are keyed by it. Needs python3-xxhash (Debian) for recipe 2.
"""
import hashlib
import json
import os
import struct
import time
from typing import Any, Dict, List, Tuple

_DTYPES = ("F32", "F16", "BF16")
_CHUNK = 1 << 20
DISK_MIN_BYTES = 64 << 20  # smaller files are cached in memory only (hashing them costs milliseconds)
RACY_SECONDS = 2.0  # a file modified more recently is not cached: a rewrite could keep its size and time
_EPOCH_TICKS = 621355968000000000  # .NET ticks (100 ns since 0001-01-01) at the Unix epoch
_memory: Dict[str, Tuple[int, int, Dict[str, str]]] = {}


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


def _lines(config):
    arch, layers, hidden, neurons, heads, kv, vocab, positions = config_fields(config)
    return [f"arch={arch}", f"layers={layers}", f"hidden={hidden}", f"neurons={neurons}", f"heads={heads}",
            f"kv_heads={kv}", f"vocab={vocab}", f"positions={positions}"]


def _sha256(lines):
    return hashlib.sha256("".join(line + "\n" for line in lines).encode()).hexdigest()


def compute(config, tensors):
    """Recipe 2. ``tensors``: iterable of (name, dtype name F32/F16/BF16, shape, xxh128 hex of the stored bytes)."""
    by_name = {name: (dtype, shape, h) for name, dtype, shape, h in tensors}
    lines = ["fingerprint=2"] + _lines(config)
    for name in sorted(by_name):  # ordinal order (ASCII names: same as C# StringComparer.Ordinal)
        dtype, shape, h = by_name[name]
        lines.append(f"tensor={name} {dtype} {'x'.join(str(int(d)) for d in shape)} {h}")
    return _sha256(lines)


def compute_legacy(config, tensors):
    """Recipe 1 (shapes only). ``tensors``: iterable of (name, dtype name, shape)."""
    by_name = {t[0]: (t[1], t[2]) for t in tensors}
    lines = _lines(config)
    for name in sorted(by_name):
        dtype, shape = by_name[name]
        lines.append(f"tensor={name} {dtype} {'x'.join(str(int(d)) for d in shape)}")
    return _sha256(lines)


def safetensors_header(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n))


def _files(model_dir):
    single = os.path.join(model_dir, "model.safetensors")
    if os.path.exists(single):
        return [single]
    with open(os.path.join(model_dir, "model.safetensors.index.json")) as f:
        return [os.path.join(model_dir, s) for s in sorted(set(json.load(f)["weight_map"].values()))]


def _entries(path):
    """(name, dtype, shape, absolute begin, end) of every tensor in one safetensors file."""
    header = safetensors_header(path)
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
    out = []
    for name, e in header.items():
        if name == "__metadata__":
            continue
        if e["dtype"] not in _DTYPES:
            raise ValueError(f"tensor {name} in {path} has dtype {e['dtype']}; the daemon's recipe reads F32, F16, BF16")
        b, end = e["data_offsets"]
        out.append((name, e["dtype"], e["shape"], 8 + n + b, 8 + n + end))
    return out


def cache_dir():
    """NEURONGUARD_FINGERPRINT_CACHE (empty or ``off``: memory only), else $XDG_CACHE_HOME or ~/.cache, /neuronguard/fingerprints."""
    v = os.environ.get("NEURONGUARD_FINGERPRINT_CACHE")
    if v is not None:
        return None if v in ("", "off") else v
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(root, "neuronguard", "fingerprints")


def _cache_file(full):
    import xxhash
    d = cache_dir()
    return None if d is None else os.path.join(d, xxhash.xxh3_128(full.encode()).hexdigest() + ".json")


def _stamp(path):
    st = os.stat(path)
    return os.path.abspath(path), st.st_size, _EPOCH_TICKS + st.st_mtime_ns // 100, st.st_mtime


def _cached(path):
    full, size, ticks, _ = _stamp(path)
    hit = _memory.get(full)
    if hit and hit[0] == size and hit[1] == ticks:
        return hit[2]
    file = _cache_file(full) if size >= DISK_MIN_BYTES else None
    if not file or not os.path.exists(file):
        return None
    try:
        with open(file) as f:
            doc = json.load(f)
        if (doc.get("recipe"), doc.get("path"), doc.get("size"), doc.get("mtime_ticks")) != (2, full, size, ticks):
            return None
        _memory[full] = (size, ticks, dict(doc["tensors"]))
        return _memory[full][2]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store(path, hashes):
    full, size, ticks, mtime = _stamp(path)
    if time.time() - mtime < RACY_SECONDS:
        return
    _memory[full] = (size, ticks, hashes)
    file = _cache_file(full) if size >= DISK_MIN_BYTES else None
    if not file:
        return
    try:
        os.makedirs(os.path.dirname(file), exist_ok=True)
        doc = {"recipe": 2, "path": full, "size": size, "mtime_ticks": ticks,
               "tensors": {k: hashes[k] for k in sorted(hashes)}}
        tmp = f"{file}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
        os.replace(tmp, file)
    except OSError:
        pass  # a read-only cache folder only costs a re-hash next time


def _hash_file_tensors(path, entries):
    import xxhash
    hashes = {}
    with open(path, "rb") as f:
        for name, _, _, begin, end in entries:
            h = xxhash.xxh3_128()
            f.seek(begin)
            left = end - begin
            while left > 0:
                chunk = f.read(min(_CHUNK, left))
                if not chunk:
                    raise ValueError(f"{path} is truncated inside tensor {name}")
                h.update(chunk)
                left -= len(chunk)
            hashes[name] = h.hexdigest()
    return hashes


def tensor_hashes(path):
    """{name: xxh128 hex} of every tensor's stored bytes in one safetensors file, streamed and cached."""
    entries = _entries(path)
    known = _cached(path)
    if known is None or any(e[0] not in known for e in entries):
        known = _hash_file_tensors(path, entries)
        _store(path, known)
    return {e[0]: known[e[0]] for e in entries}


def _config(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        return json.load(f)


def from_folder(model_dir):
    """The fingerprint (recipe 2) of a Hugging Face model folder (config.json + model.safetensors or its shard index)."""
    tensors: List[Tuple[str, str, Any, str]] = []
    for path in _files(model_dir):
        hashes = tensor_hashes(path)
        tensors.extend((name, dtype, shape, hashes[name]) for name, dtype, shape, _, _ in _entries(path))
    return compute(_config(model_dir), tensors)


def legacy_from_folder(model_dir):
    """The recipe-1 fingerprint (shapes only) that catalogs made before recipe 2 are keyed by."""
    tensors = [(name, dtype, shape) for path in _files(model_dir) for name, dtype, shape, _, _ in _entries(path)]
    return compute_legacy(_config(model_dir), tensors)


def _checkpoint_dir(model):
    path = getattr(model, "name_or_path", "") or getattr(getattr(model, "config", None), "_name_or_path", "") or ""
    if path and os.path.isdir(path) and os.path.exists(os.path.join(path, "config.json")) and (
            os.path.exists(os.path.join(path, "model.safetensors"))
            or os.path.exists(os.path.join(path, "model.safetensors.index.json"))):
        return path
    return None


def from_model(model, config=None, drop_prefix="", extra=(), stored_dtype=None, folder=None):
    """The fingerprint of a loaded torch model; equal to :func:`from_folder` of the checkpoint it was loaded from.

    When the checkpoint folder is known (``folder``, or a Hugging Face model's ``name_or_path`` naming a local folder
    with config.json and safetensors), the checkpoint files are hashed: the result does not depend on the dtype the
    model was loaded in. Otherwise each parameter (tied ones once, under their first name) is converted back to the
    stored dtype (``stored_dtype``: "F32", "F16" or "BF16"; default: the parameter's own dtype) and hashed. That
    equals the checkpoint's hash when the conversion is exact: loading F16/BF16 weights as F32 and converting back is;
    loading F32 weights as F16 is not, so pass the folder then. ``drop_prefix``: the wrapper prefix the checkpoint
    lacks (GPT-2 checkpoints often lack ``transformer.``); ``extra``: [(name, dtype, shape, tensor)] for stored
    tensors that are not parameters (buffers).
    """
    folder = folder or _checkpoint_dir(model)
    if folder:
        return from_folder(folder)
    if config is None:
        config = model.config
    import torch
    import xxhash
    names = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}
    dtypes = {v: k for k, v in names.items()}
    tensors = []

    def add(name, tensor, dtype_name):
        data = tensor.detach().to("cpu", dtypes[dtype_name]).contiguous().reshape(-1).view(torch.uint8)
        tensors.append((name, dtype_name, tuple(tensor.shape), xxhash.xxh3_128(data.numpy().tobytes()).hexdigest()))

    for name, p in model.named_parameters():
        if drop_prefix and name.startswith(drop_prefix):
            name = name[len(drop_prefix):]
        add(name, p, stored_dtype or names[p.dtype])
    for item in extra:
        if len(item) != 4:
            raise ValueError(f"extra tensor {item[0]!r}: give (name, dtype, shape, tensor); recipe 2 hashes the values")
        name, dtype, shape, tensor = item
        add(name, tensor.reshape(tuple(shape)), dtype)
    return compute(config, tensors)
