#!/usr/bin/python3
"""Trains the byte-level BPE tokenizer and the small GPT-2 on build/corpus_train.jsonl (CPU, fixed seed) and
writes the Hugging Face folder the built-in host loads: config.json, tokenizer.json, model.safetensors (F16).

usage: train.py [--steps N] [--threads 2] [--out DIR]   (run build_data.py first)
"""
import argparse, collections, json, math, os, re, struct, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 17
VOCAB, LAYERS, WIDTH, HEADS, POSITIONS, MAX_DOC = 2048, 2, 128, 4, 128, 48
EOT = "<|endoftext|>"
# GPT-2's pre-tokenizer regex restricted to ASCII (the corpus is ASCII-normalised): the same splits the host's
# \p{L}/\p{N} pattern makes on this text.
PRETOK = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")


def byte_chars():
    """GPT-2's bytes_to_unicode, as src/NeuronGuard.Inference/Tokenization/ByteLevel.cs."""
    keep = [b for b in range(256) if 33 <= b <= 126 or 0xA1 <= b <= 0xAC or 0xAE <= b <= 0xFF]
    m, n = {}, 0
    for b in range(256):
        if b in keep:
            m[b] = chr(b)
        else:
            m[b] = chr(256 + n); n += 1
    return m


B2C = byte_chars()


def words_of(text):
    return ["".join(B2C[b] for b in w.encode()) for w in PRETOK.findall(text)]


def train_bpe(texts, n_merges):
    """Classic BPE on word counts with incremental pair counts; ties broken by the pair itself (deterministic)."""
    counts = collections.Counter(w for t in texts for w in words_of(t))
    words = [list(w) for w in counts]
    freq = list(counts.values())
    pairs, where = collections.Counter(), collections.defaultdict(set)
    for i, w in enumerate(words):
        for p in zip(w, w[1:]):
            pairs[p] += freq[i]; where[p].add(i)
    merges = []
    for _ in range(n_merges):
        if not pairs:
            break
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
        merges.append(best)
        a, b = best
        for i in sorted(where.pop(best, ())):
            w = words[i]
            for p in zip(w, w[1:]):
                pairs[p] -= freq[i]
                if pairs[p] <= 0:
                    del pairs[p]
            j, out = 0, []
            while j < len(w):
                if j + 1 < len(w) and w[j] == a and w[j + 1] == b:
                    out.append(a + b); j += 2
                else:
                    out.append(w[j]); j += 1
            words[i] = out
            for p in zip(out, out[1:]):
                pairs[p] += freq[i]; where[p].add(i)
    return merges


class Bpe:
    """Encoder with the host's merge rule (BpeMerger.cs): lowest-rank pair, every occurrence left to right."""
    def __init__(self, vocab, merges):
        self.vocab, self.rank, self.cache = vocab, {p: r for r, p in enumerate(merges)}, {}

    def word(self, w):
        if w in self.cache:
            return self.cache[w]
        s = list(w)
        while len(s) > 1:
            ranked = [(self.rank.get((s[i], s[i + 1]), 1 << 30), i) for i in range(len(s) - 1)]
            r, i = min(ranked)
            if r == 1 << 30:
                break
            a, b = s[i], s[i + 1]
            j = i
            while j + 1 < len(s):
                if s[j] == a and s[j + 1] == b:
                    s[j:j + 2] = [a + b]
                j += 1
        ids = [self.vocab[x] for x in s]
        self.cache[w] = ids
        return ids

    def encode(self, text):
        return [i for w in words_of(text) for i in self.word(w)]


def tokenizer_json(vocab, merges, eot_id):
    return {"version": "1.0", "truncation": None, "padding": None,
            "added_tokens": [{"id": eot_id, "content": EOT, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}],
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "", "end_of_word_suffix": "",
                      "fuse_unk": False, "byte_fallback": False, "vocab": vocab, "merges": [a + " " + b for a, b in merges]}}


class Block(nn.Module):
    def __init__(s, d, h):
        super().__init__()
        s.h = h
        s.ln_1, s.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        # Conv1D layout (in, out) as Hugging Face GPT-2 stores it
        s.attn_w, s.attn_b = nn.Parameter(torch.randn(d, 3 * d) * 0.02), nn.Parameter(torch.zeros(3 * d))
        s.proj_w, s.proj_b = nn.Parameter(torch.randn(d, d) * 0.02 / math.sqrt(2 * LAYERS)), nn.Parameter(torch.zeros(d))
        s.fc_w, s.fc_b = nn.Parameter(torch.randn(d, 4 * d) * 0.02), nn.Parameter(torch.zeros(4 * d))
        s.mproj_w, s.mproj_b = nn.Parameter(torch.randn(4 * d, d) * 0.02 / math.sqrt(2 * LAYERS)), nn.Parameter(torch.zeros(d))

    def forward(s, x, mask):
        B, T, D = x.shape
        q, k, v = (s.ln_1(x) @ s.attn_w + s.attn_b).split(D, dim=2)
        q, k, v = (t.view(B, T, s.h, D // s.h).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(D // s.h)
        att = att.masked_fill(mask[:T, :T] == 0, float("-inf")).softmax(-1)
        x = x + (att @ v).transpose(1, 2).reshape(B, T, D) @ s.proj_w + s.proj_b
        return x + F.gelu(s.ln_2(x) @ s.fc_w + s.fc_b, approximate="tanh") @ s.mproj_w + s.mproj_b


class Gpt2(nn.Module):
    def __init__(s):
        super().__init__()
        s.wte, s.wpe = nn.Embedding(VOCAB, WIDTH), nn.Embedding(POSITIONS, WIDTH)
        nn.init.normal_(s.wte.weight, std=0.02); nn.init.normal_(s.wpe.weight, std=0.01)
        s.h = nn.ModuleList(Block(WIDTH, HEADS) for _ in range(LAYERS))
        s.ln_f = nn.LayerNorm(WIDTH)
        s.register_buffer("mask", torch.tril(torch.ones(POSITIONS, POSITIONS)))

    def forward(s, idx):
        x = s.wte(idx) + s.wpe(torch.arange(idx.shape[1]))
        for b in s.h:
            x = b(x, s.mask)
        return s.ln_f(x) @ s.wte.weight.T   # tied head, as GPT-2

    def hf_tensors(s):
        t = {"transformer.wte.weight": s.wte.weight, "transformer.wpe.weight": s.wpe.weight,
             "transformer.ln_f.weight": s.ln_f.weight, "transformer.ln_f.bias": s.ln_f.bias}
        for i, b in enumerate(s.h):
            p = f"transformer.h.{i}."
            t.update({p + "ln_1.weight": b.ln_1.weight, p + "ln_1.bias": b.ln_1.bias, p + "ln_2.weight": b.ln_2.weight, p + "ln_2.bias": b.ln_2.bias,
                      p + "attn.c_attn.weight": b.attn_w, p + "attn.c_attn.bias": b.attn_b, p + "attn.c_proj.weight": b.proj_w, p + "attn.c_proj.bias": b.proj_b,
                      p + "mlp.c_fc.weight": b.fc_w, p + "mlp.c_fc.bias": b.fc_b, p + "mlp.c_proj.weight": b.mproj_w, p + "mlp.c_proj.bias": b.mproj_b})
        return t


def save_safetensors(path, tensors):
    # {"format": "pt"} metadata: transformers' from_pretrained refuses a safetensors file without it.
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        a = tensors[name].detach().to(torch.float16).numpy().tobytes()
        header[name] = {"dtype": "F16", "shape": list(tensors[name].shape), "data_offsets": [off, off + len(a)]}
        blobs.append(a); off += len(a)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h))); f.write(h)
        for a in blobs:
            f.write(a)


def load_safetensors(path, model):
    """Loads a folder's model.safetensors (as written by save_safetensors) into the model: --init continues training."""
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    params = model.hf_tensors()
    with torch.no_grad():
        for name, h in header.items():
            if name == "__metadata__":
                continue
            a, b = h["data_offsets"]
            v = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=np.float16).astype(np.float32).reshape(h["shape"])
            params[name].copy_(torch.from_numpy(v))


def batches(docs, rng, tokens_per_batch):
    """Length-bucketed batches (little padding); every document starts at position 0, as a prompt does."""
    order = sorted(rng.permutation(len(docs)), key=lambda i: len(docs[i]))
    out, cur = [], []
    for i in order:
        cur.append(i)
        if len(cur) * len(docs[i]) >= tokens_per_batch:
            out.append(cur); cur = []
    if cur:
        out.append(cur)
    rng.shuffle(out)
    return out


def token_check(out):
    """Writes data/token_ids.jsonl: texts of every split with the ids this script trained on, for the host's parity test."""
    tok = json.load(open(os.path.join(out, "tokenizer.json")))
    merges = [tuple(m.split(" ")) for m in tok["model"]["merges"]]
    bpe = Bpe(tok["model"]["vocab"], merges)
    with open(os.path.join(out, "data", "token_ids.jsonl"), "w") as f:
        for name in sorted(os.listdir(os.path.join(out, "data"))):
            if name.endswith(".jsonl") and name != "token_ids.jsonl":
                for line in open(os.path.join(out, "data", name)).readlines()[:5]:
                    text = json.loads(line)["text"]
                    f.write(json.dumps({"text": text, "ids": bpe.encode(text)}) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tokens-per-batch", type=int, default=2048)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--init", help="continue from this model.safetensors (a second stage; README records the stages)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    a = ap.parse_args()
    torch.set_num_threads(a.threads); torch.manual_seed(a.seed)
    rng = np.random.RandomState(a.seed)
    print("torch", torch.__version__, "threads", torch.get_num_threads(), flush=True)
    print(torch.__config__.show(), flush=True)
    texts = [json.loads(l)["text"] for l in open(os.path.join(a.out, "build", "corpus_train.jsonl"))]
    t0 = time.time()
    merges = train_bpe(texts, VOCAB - 257)
    vocab = {B2C[b]: b for b in range(256)}
    for x, y in merges:
        vocab[x + y] = len(vocab)
    eot = len(vocab)
    assert eot < VOCAB
    print(f"bpe: {len(merges)} merges in {time.time() - t0:.0f}s", flush=True)
    bpe = Bpe(vocab, merges)
    docs = [bpe.encode(t)[:MAX_DOC] + [eot] for t in texts]
    print(f"docs {len(docs)}, tokens {sum(map(len, docs))}", flush=True)
    model = Gpt2()
    if a.init:
        load_safetensors(a.init, model)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    other = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": other, "weight_decay": 0.0}], lr=a.lr, betas=(0.9, 0.98))
    step, t0, queue, epoch = 0, time.time(), [], 0
    while step < a.steps:
        if not queue:
            queue = batches(docs, rng, a.tokens_per_batch); epoch += 1
        ids = queue.pop()
        T = max(len(docs[i]) for i in ids)
        x = torch.full((len(ids), T), eot, dtype=torch.long)
        y = torch.full((len(ids), T), -100, dtype=torch.long)
        for r, i in enumerate(ids):
            d = torch.tensor(docs[i])
            x[r, :len(d)] = d
            y[r, :len(d) - 1] = d[1:]
        lr = a.lr * min(1.0, (step + 1) / max(1, a.steps // 10)) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / a.steps)))
        for g in opt.param_groups:
            g["lr"] = lr
        loss = F.cross_entropy(model(x).view(-1, VOCAB), y.view(-1), ignore_index=-100)
        opt.zero_grad(); loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step(); step += 1
        if step % 50 == 0 or step == 1:
            print(f"step {step} epoch {epoch} loss {loss.item():.3f} lr {lr:.2e} {time.time() - t0:.0f}s", flush=True)
    config = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": VOCAB, "n_positions": POSITIONS, "n_ctx": POSITIONS,
              "n_embd": WIDTH, "n_layer": LAYERS, "n_head": HEADS, "n_inner": 4 * WIDTH, "activation_function": "gelu_new",
              "layer_norm_epsilon": 1e-5, "bos_token_id": eot, "eos_token_id": eot, "tie_word_embeddings": True, "torch_dtype": "float16"}
    json.dump(config, open(os.path.join(a.out, "config.json"), "w"), indent=1)
    json.dump(tokenizer_json(vocab, merges, eot), open(os.path.join(a.out, "tokenizer.json"), "w"), separators=(",", ":"))
    save_safetensors(os.path.join(a.out, "model.safetensors"), model.hf_tensors())
    token_check(a.out)
    print(f"saved; {step} steps, {epoch} epochs, {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
