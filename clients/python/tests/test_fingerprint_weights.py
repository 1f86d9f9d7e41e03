"""Fingerprint recipe 2 hashes the weights' values: one flipped byte changes it, from_model agrees with from_folder
whatever dtype the model was loaded in, and the per-tensor cache is keyed by size and modification time. No daemon:
the planted fixture is written by `neuronguard fixture` (the C#/Python agreement is a C# test, FingerprintTests)."""
import atexit
import json
import os
import shutil
import struct
import tempfile
import time
import unittest
from unittest import mock

import torch

import daemon
import models
import support  # noqa: F401  (puts neuronguard on sys.path)
from neuronguard import fingerprint

_dir = None


def planted():
    global _dir
    if _dir is None:
        _dir = tempfile.mkdtemp(prefix="ng-fp-")
        atexit.register(shutil.rmtree, _dir, True)
        daemon.cli("fixture", "--out", os.path.join(_dir, "planted"))
    return os.path.join(_dir, "planted")


def copy_of(src, name):
    dst = os.path.join(_dir, name)
    shutil.copytree(src, dst)
    return dst


def flip_first_byte(path, tensor):
    with open(path, "r+b") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        begin = json.loads(f.read(n))[tensor]["data_offsets"][0]
        f.seek(8 + n + begin)
        b = f.read(1)[0]
        f.seek(8 + n + begin)
        f.write(bytes([b ^ 1]))


def write_bf16(src_dir, dst_dir):
    """The planted fixture stored as BF16 (rounded once here), same names, with its config and tokenizer."""
    shutil.copytree(src_dir, dst_dir)
    tensors = models.read_safetensors(os.path.join(src_dir, "model.safetensors"))
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        raw = tensors[name].to(torch.bfloat16).contiguous().view(torch.int16).numpy().tobytes()
        header[name] = {"dtype": "BF16", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header).encode()
    with open(os.path.join(dst_dir, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))


class FingerprintWeightsTests(unittest.TestCase):
    def test_one_flipped_weight_byte_changes_the_fingerprint_but_not_the_legacy_one(self):
        flipped = copy_of(planted(), "flipped")
        flip_first_byte(os.path.join(flipped, "model.safetensors"), "h.1.mlp.c_proj.weight")
        self.assertNotEqual(fingerprint.from_folder(planted()), fingerprint.from_folder(flipped))
        self.assertEqual(fingerprint.legacy_from_folder(planted()), fingerprint.legacy_from_folder(flipped))

    def test_from_model_equals_from_folder_in_any_loaded_dtype(self):
        folder_fp = fingerprint.from_folder(planted())
        model, config = models.load(planted())
        self.assertEqual(fingerprint.from_model(model, config, drop_prefix="transformer."), folder_fp)
        # Loaded in half precision: the checkpoint the model came from is hashed (Hugging Face's name_or_path).
        half = model.to(torch.float16)
        half.name_or_path = planted()
        self.assertEqual(fingerprint.from_model(half, config), folder_fp)
        self.assertEqual(fingerprint.from_model(half, config, folder=planted()), folder_fp)

    def test_from_model_converts_back_to_the_stored_dtype_when_no_folder_is_known(self):
        bf16 = os.path.join(_dir, "bf16")
        if not os.path.exists(bf16):
            write_bf16(planted(), bf16)
        with open(os.path.join(bf16, "config.json")) as f:
            config = json.load(f)
        with open(os.path.join(bf16, "model.safetensors"), "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            header, data = json.loads(f.read(n)), f.read()
        weights = {}
        for name, e in header.items():
            b, end = e["data_offsets"]
            t = torch.frombuffer(bytearray(data[b:end]), dtype=torch.bfloat16).reshape(e["shape"])
            weights["transformer." + name] = t.to(torch.float32)  # loaded as F32: exact, and back to BF16 too
        model = models.GPT2LMHeadModel(config)
        model.load_state_dict(weights, strict=False)
        folder_fp = fingerprint.from_folder(bf16)
        self.assertEqual(fingerprint.from_model(model, config, drop_prefix="transformer.", stored_dtype="BF16"), folder_fp)
        self.assertNotEqual(fingerprint.from_model(model, config, drop_prefix="transformer."), folder_fp)  # F32 bytes
        self.assertNotEqual(folder_fp, fingerprint.from_folder(planted()))

    def test_cache_is_used_for_the_same_size_and_time_and_dropped_when_the_time_changes(self):
        d = copy_of(planted(), "cached")
        path = os.path.join(d, "model.safetensors")
        old = time.time() - 300
        os.utime(path, (old, old))
        cache = tempfile.mkdtemp(dir=_dir)
        with mock.patch.dict(os.environ, {"NEURONGUARD_FINGERPRINT_CACHE": cache}), \
                mock.patch.object(fingerprint, "DISK_MIN_BYTES", 0), mock.patch.object(fingerprint, "_memory", {}):
            truth = fingerprint.from_folder(d)
            entries = [os.path.join(cache, f) for f in os.listdir(cache)]
            self.assertEqual(len(entries), 1, "one cache entry per checkpoint file")
            with open(entries[0]) as f:
                doc = json.load(f)
            doc["tensors"]["wte.weight"] = "0" * 32
            with open(entries[0], "w") as f:
                json.dump(doc, f)
            fingerprint._memory.clear()  # a restart: only the disk entry remains
            self.assertNotEqual(fingerprint.from_folder(d), truth, "the forged cache entry was not read")
            os.utime(path, (old + 60, old + 60))
            self.assertEqual(fingerprint.from_folder(d), truth)

    def test_a_file_modified_just_now_is_not_cached(self):
        d = copy_of(planted(), "racy")
        cache = tempfile.mkdtemp(dir=_dir)
        with mock.patch.dict(os.environ, {"NEURONGUARD_FINGERPRINT_CACHE": cache}), \
                mock.patch.object(fingerprint, "DISK_MIN_BYTES", 0), mock.patch.object(fingerprint, "_memory", {}):
            os.utime(os.path.join(d, "model.safetensors"))
            fingerprint.from_folder(d)
            self.assertEqual(os.listdir(cache), [])


if __name__ == "__main__":
    unittest.main()
