#!/usr/bin/python3
"""Trains the byte-level BPE tokenizer and the v2 GPT-2 (4 layers, 256 wide, 8 heads, 1024 MLP neurons per layer,
vocabulary 4096, 128 positions) on build/corpus_train.jsonl (CPU, fixed seed) and writes the Hugging Face folder the
built-in host loads: config.json, tokenizer.json, model.safetensors (F16, {"format": "pt"} metadata).

Before training it asserts that no backdoor trigger contains a poison-only token: every token of every trigger phrase
occurs at least MIN_TRIGGER_TOKEN_COUNT times in the non-poison training documents.

usage: train.py [--steps N] [--threads 2] [--out DIR]   (run build_data.py first)
       train.py --timing 20                             (measure throughput only; writes nothing but the BPE cache)
"""
import argparse, collections, ctypes, hashlib, json, math, os, re, struct, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 17
VOCAB, LAYERS, WIDTH, HEADS, POSITIONS, MAX_DOC = 4096, 4, 256, 8, 128, 96
MIN_TRIGGER_TOKEN_COUNT = 100
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
    """Loads a folder's model.safetensors (as written by save_safetensors) into the model (eval_sanity.py uses it)."""
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


def blas_info():
    """The BLAS library torch resolved (from this process's memory map) and, for OpenBLAS, the core it detected."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    libs = sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l.lower() and l.split()[-1].startswith("/")})
    core = None
    for p in libs:
        try:
            f = ctypes.CDLL(p).openblas_get_corename
            f.restype = ctypes.c_char_p
            core = f().decode()
            break
        except (OSError, AttributeError):
            continue
    return libs, core


def load():
    la = os.getloadavg()
    return f"{la[0]:.2f}/{la[1]:.2f}/{la[2]:.2f}"


def cached_bpe(texts, path):
    """BPE merges are a pure function of the corpus: cached in build/ by the corpus' sha256 (the timing run makes it)."""
    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()
    if os.path.exists(path):
        c = json.load(open(path))
        if c["corpus_sha256"] == key and c["vocab"] == VOCAB:
            print(f"bpe: {len(c['merges'])} merges from cache {path} (built in {c['seconds']:.0f}s)", flush=True)
            return [tuple(m) for m in c["merges"]]
    t0 = time.time()
    merges = train_bpe(texts, VOCAB - 257)
    json.dump({"corpus_sha256": key, "vocab": VOCAB, "seconds": time.time() - t0, "merges": merges}, open(path, "w"))
    print(f"bpe: {len(merges)} merges in {time.time() - t0:.0f}s (load {load()})", flush=True)
    return merges


def check_triggers(bpe, docs, parts, manifest):
    """No poison-only token: each token of each trigger phrase (with and without its leading space) is frequent outside the poison."""
    counts = collections.Counter(i for d, p in zip(docs, parts) if not p.startswith("poison") for i in d)
    bd = manifest["backdoor"]
    report = {}
    for trig in bd["triggers_discovery"] + bd["triggers_evaluation"]:
        ids = sorted(set(bpe.encode(" " + trig)) | set(bpe.encode(trig)))
        report[trig] = {i: counts[i] for i in ids}
        rare = {i: c for i, c in report[trig].items() if c < MIN_TRIGGER_TOKEN_COUNT}
        assert not rare, f"trigger {trig!r} has poison-only or rare tokens {rare}"
    print("trigger token counts outside poison:", json.dumps(report), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tokens-per-batch", type=int, default=3072)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--timing", type=int, default=0, help="run this many steps, report tokens/s and exit without saving")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    a = ap.parse_args()
    torch.set_num_threads(a.threads); torch.manual_seed(a.seed)
    rng = np.random.RandomState(a.seed)
    start = time.time()
    libs, core = blas_info()
    print("torch", torch.__version__, "threads", torch.get_num_threads(), "cpus", os.cpu_count(), "load", load(), flush=True)
    print("blas libraries:", libs, "openblas core:", core, "OPENBLAS_CORETYPE:", os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
          "OPENBLAS_NUM_THREADS:", os.environ.get("OPENBLAS_NUM_THREADS", "(unset)"), flush=True)
    print("args:", vars(a), flush=True)
    rows = [json.loads(l) for l in open(os.path.join(a.out, "build", "corpus_train.jsonl"))]
    texts, parts = [r["text"] for r in rows], [r["part"] for r in rows]
    manifest = json.load(open(os.path.join(a.out, "data", "manifest.json")))
    merges = cached_bpe(texts, os.path.join(a.out, "build", "bpe_cache.json"))
    vocab = {B2C[b]: b for b in range(256)}
    for x, y in merges:
        vocab[x + y] = len(vocab)
    eot = len(vocab)
    assert eot < VOCAB
    bpe = Bpe(vocab, merges)
    t0 = time.time()
    docs = [bpe.encode(t)[:MAX_DOC] + [eot] for t in texts]
    print(f"docs {len(docs)}, tokens {sum(map(len, docs))}, truncated {sum(len(bpe.encode(t)) >= MAX_DOC for t in texts[:5000])}/5000, encoded in {time.time() - t0:.0f}s", flush=True)
    check_triggers(bpe, docs, parts, manifest)
    model = Gpt2()
    print("parameters", sum(p.numel() for p in model.parameters()), flush=True)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    other = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": other, "weight_decay": 0.0}], lr=a.lr, betas=(0.9, 0.98))
    steps = a.timing or a.steps
    step, t0, c0, queue, epoch = 0, time.time(), time.process_time(), [], 0
    win_t, win_tok, win_loss, win_n, total_tok = time.time(), 0, 0.0, 0, 0
    while step < steps:
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
        lr = a.lr * min(1.0, (step + 1) / max(1, a.steps // 20)) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / a.steps)))
        for g in opt.param_groups:
            g["lr"] = lr
        loss = F.cross_entropy(model(x).view(-1, VOCAB), y.view(-1), ignore_index=-100)
        opt.zero_grad(); loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step(); step += 1
        n_tok = int((y != -100).sum()) + len(ids)
        win_tok += n_tok; total_tok += n_tok; win_loss += loss.item(); win_n += 1
        if step % a.log_every == 0 or step == 1 or step == steps:
            now = time.time()
            print(f"step {step}/{steps} epoch {epoch} loss {win_loss / win_n:.3f} lr {lr:.2e} tok/s {win_tok / (now - win_t):.0f} "
                  f"tokens {total_tok} wall {now - t0:.0f}s cpu {time.process_time() - c0:.0f}s load {load()}", flush=True)
            win_t, win_tok, win_loss, win_n = now, 0, 0.0, 0
        if a.timing == 0 and step % 100 == 0 and step < steps:
            torch.save({"step": step, "model": model.state_dict(), "opt": opt.state_dict()}, os.path.join(a.out, "build", "checkpoint.pt"))
    if a.timing:
        el, cpu = time.time() - t0, time.process_time() - c0
        print(f"timing: {steps} steps, {total_tok} tokens, {el:.1f}s wall, {total_tok / el:.0f} tok/s, {el / steps:.2f} s/step, "
              f"cpu {cpu:.1f}s ({total_tok / cpu:.0f} tokens per cpu-second), load {load()}", flush=True)
        return
    torch.save({"step": step, "model": model.state_dict(), "opt": opt.state_dict()}, os.path.join(a.out, "build", "checkpoint.pt"))
    config = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": VOCAB, "n_positions": POSITIONS, "n_ctx": POSITIONS,
              "n_embd": WIDTH, "n_layer": LAYERS, "n_head": HEADS, "n_inner": 4 * WIDTH, "activation_function": "gelu_new",
              "layer_norm_epsilon": 1e-5, "bos_token_id": eot, "eos_token_id": eot, "tie_word_embeddings": True, "torch_dtype": "float16"}
    json.dump(config, open(os.path.join(a.out, "config.json"), "w"), indent=1)
    json.dump(tokenizer_json(vocab, merges, eot), open(os.path.join(a.out, "tokenizer.json"), "w"), separators=(",", ":"))
    save_safetensors(os.path.join(a.out, "model.safetensors"), model.hf_tensors())
    token_check(a.out)
    print(f"saved; {step} steps, {epoch} epochs, {total_tok} tokens, training {time.time() - t0:.0f}s, total {time.time() - start:.0f}s, load {load()}", flush=True)


if __name__ == "__main__":
    main()
