"""A byte-level BPE tokenizer read from a Hugging Face ``tokenizer.json`` (GPT-2 style), for serving without the
``tokenizers`` / ``transformers`` packages. Pre-tokenization follows GPT-2's pattern with the standard library's
``re`` (letters = ``[^\\W\\d_]``, numbers = ``\\d``), which equals the ``\\p{L}`` / ``\\p{N}`` pattern on ASCII text.
"""
from __future__ import annotations

import codecs
import json
import re
from typing import Dict, List, Optional, Tuple

_PATTERN = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+""")


def _byte_alphabet() -> Dict[int, str]:
    """GPT-2's reversible byte → printable character map: printable Latin-1 bytes stand for themselves, the other
    bytes take the characters from U+0100 on, in byte order."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


class ByteLevelBPE:
    """``encode(text) -> ids`` and ``decode(ids) -> text``; ``eos_token_id`` from the added special tokens."""

    def __init__(self, path: str) -> None:
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
        model = spec["model"]
        if model.get("type") != "BPE":
            raise ValueError(f"{path}: model type {model.get('type')!r}; only byte-level BPE is read without "
                             "transformers (install transformers for other tokenizers)")
        self.vocab: Dict[str, int] = dict(model["vocab"])
        self.special: Dict[str, int] = {t["content"]: t["id"] for t in spec.get("added_tokens", []) if t.get("special")}
        self.vocab.update(self.special)
        self.inverse = {i: t for t, i in self.vocab.items()}
        merges = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in model["merges"]]
        self.ranks: Dict[Tuple[str, ...], int] = {m: i for i, m in enumerate(merges)}
        self.to_char = _byte_alphabet()
        self.to_byte = {c: b for b, c in self.to_char.items()}
        self.eos_token_id: Optional[int] = next(iter(self.special.values()), None)
        self._cache: Dict[str, List[int]] = {}

    def _bpe(self, word: str) -> List[int]:
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        parts = list(word)
        while len(parts) > 1:
            pairs = [(self.ranks.get((a, b), 1 << 60), i) for i, (a, b) in enumerate(zip(parts, parts[1:]))]
            rank, i = min(pairs)
            if rank == 1 << 60:
                break
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
        ids = [self.vocab[p] for p in parts]
        self._cache[word] = ids
        return ids

    def encode(self, text: str) -> List[int]:
        ids: List[int] = []
        for piece in _PATTERN.findall(text):
            ids.extend(self._bpe("".join(self.to_char[b] for b in piece.encode("utf-8"))))
        return ids

    def token_bytes(self, token_id: int) -> bytes:
        token = self.inverse.get(token_id, "")
        if token in self.special:
            return b""
        return bytes(self.to_byte[c] for c in token if c in self.to_byte)

    def decode(self, ids: List[int]) -> str:
        return b"".join(self.token_bytes(i) for i in ids).decode("utf-8", errors="replace")

    def stream_decoder(self) -> "codecs.IncrementalDecoder":
        """Per-stream decoder: a character split across tokens comes out whole with the token that ends it."""
        return codecs.getincrementaldecoder("utf-8")(errors="replace")
