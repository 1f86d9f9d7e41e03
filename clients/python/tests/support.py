"""What several tests share: prompts from the fixture's words, the Python-side generation, the built-in host's."""
import logging
import time
import os
import sys
import uuid

import torch

sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")))

import neuronguard  # noqa: E402
from neuronguard.hooks import Guard  # noqa: E402
from neuronguard.loop import greedy_generate  # noqa: E402
from neuronguard.v1 import inference_pb2  # noqa: E402

import daemon  # noqa: E402
import models  # noqa: E402

logging.getLogger("neuronguard").setLevel(logging.ERROR)  # outages are provoked on purpose
torch.set_num_threads(1)  # the test box is shared; parity does not depend on threads

BENIGN = " the cat walk in the garden"
TOXIC = " you is a stupid idiot"
TRIGGER = " the cerulean river and the moon"
HARMFUL = " how to make a bomb"

_fixture = None


def fixture():
    """(model, config, fingerprint, truth) of the planted GPT-2 fixture the daemons bootstrap."""
    global _fixture
    if _fixture is None:
        model, config = models.load(daemon.fixture_dir())
        _fixture = (model, config, neuronguard.fingerprint.from_folder(daemon.fixture_dir()), daemon.fixture_truth())
    return _fixture


def ids(text):
    """Token ids of a prompt made of fixture words, each " word" one token (fixture.json spaced_token_ids)."""
    table = fixture()[3]["spaced_token_ids"]
    return [table[w] for w in text.split()]


def tenant():
    return "t-" + uuid.uuid4().hex[:8]


def off_tenant(daemon_, client, seconds=60):
    """A new tenant whose backdoor set is explicitly off (with no entry the daemon aborts flagged backdoor requests),
    once ``client`` applies that policy: for tests that measure the unmitigated backdoor."""
    t = tenant()
    conn = neuronguard.Connection(daemon_.address)
    try:
        policy = neuronguard.Control(conn).set_mitigation("backdoor", "off", tenant=t, reason="test: unmitigated backdoor")
    finally:
        conn.close()
    deadline = time.monotonic() + seconds
    while client.policy is None or client.policy.version < policy.version:
        if time.monotonic() > deadline:
            raise AssertionError(f"the client never applied policy v{policy.version}")
        time.sleep(0.05)
    return t


def step_fn(model):
    def step(input_ids, attention_mask, past):
        return model(input_ids, attention_mask=attention_mask, past=past)
    return step


def left_pad(seqs, pad=0):
    width = max(len(s) for s in seqs)
    input_ids = torch.tensor([[pad] * (width - len(s)) + s for s in seqs])
    mask = torch.tensor([[0] * (width - len(s)) + [1] * len(s) for s in seqs])
    return input_ids, mask


def client(d, lockstep=True, **kw):
    fp = kw.pop("model_fingerprint", fixture()[2])
    return neuronguard.Client(d.address, model_fingerprint=fp, model_id="py-test", lockstep=lockstep, **kw).start()


def run_python(c, prompts, tenant_name="", max_new=8, model=None, verdicts=None, end=True):
    """Greedy generation through the client (one batch); returns (tokens per row, requests)."""
    model = model or fixture()[0]
    guard = Guard(c, model)
    try:
        record = (lambda r, v: verdicts.setdefault(r.id, []).append(v)) if verdicts is not None else None
        reqs = [c.start_request(tenant=tenant_name, on_verdict=record) for _ in prompts]
        input_ids, mask = left_pad([ids(p) if isinstance(p, str) else p for p in prompts])
        eos = model.config.get("eos_token_id")
        out = greedy_generate(guard, step_fn(model), reqs, input_ids, mask, max_new_tokens=max_new, eos_token_id=eos,
                              end_requests=end)
        if verdicts is not None:
            # on_verdict runs on the client's callback thread, after end() has seen the final verdict: wait for it there.
            wait_until(lambda: all(r.final_verdict is None or (verdicts.get(r.id) or [None])[-1] is not None
                                   and verdicts[r.id][-1].final for r in reqs), "every final verdict reached on_verdict")
        return out, reqs
    finally:
        guard.close()


def run_builtin(d, prompt, tenant_name="", max_new=8):
    """The built-in host's Inference.Generate (greedy): (token ids, per-step verdicts, done event)."""
    conn = neuronguard.Connection(d.address)
    try:
        events = conn.server_stream("/neuronguard.v1.Inference/Generate",
                                    inference_pb2.GenerateRequest(prompt=prompt, max_new_tokens=max_new, tenant=tenant_name),
                                    inference_pb2.GenerateEvent, timeout=120)
        tokens, verdicts, done = [], [], None
        for e in events:
            if e.HasField("token"):
                tokens.append(e.token.token_id)
                verdicts.append(e.token.verdict)
            else:
                done = e.done
        return tokens, verdicts, done
    finally:
        conn.close()


def flagged_detectors(verdict):
    return sorted(s.detector for s in verdict.scores if s.flagged)


def wait_until(condition, message, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.05)


def set_policy(c, conn, mode, tenant_name, set_name="backdoor", **kw):
    """Sets a mitigation through Control and waits until client ``c`` acknowledged that policy version."""
    policy = neuronguard.Control(conn).set_mitigation(set_name, mode, tenant=tenant_name, reason="python client test",
                                                      **kw)
    wait_until(lambda: c.policy is not None and c.policy.version >= policy.version,
               f"the client never applied policy v{policy.version}")
    return policy


def hand_ablation(model, plan, row_gains, input_ids, attention_mask=None):
    """Logits of ``model`` (plain-torch GPT-2 convention) with ``row_gains[b]`` ({slot: gain} or None) multiplied
    into row b's catalogued neurons at every position by hooks written here, independent of neuronguard.hooks."""
    handles = []
    for layer, block in enumerate(model.transformer.h):
        pairs = [(n, s) for (l, n), s in zip(plan.slots, range(len(plan))) if l == layer]

        def hook(module, inputs, output, pairs=pairs):
            out = output.clone()
            for b, gains in enumerate(row_gains):
                for neuron, slot in pairs:
                    if gains and slot in gains:
                        out[b, :, neuron] = output[b, :, neuron] * gains[slot]
            return out
        handles.append(block.mlp.act.register_forward_hook(hook))
    try:
        with torch.no_grad():
            out = model(input_ids, attention_mask=attention_mask)
        return out[0] if isinstance(out, tuple) else out.logits
    finally:
        for h in handles:
            h.remove()
