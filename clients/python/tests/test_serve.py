"""The guarded OpenAI-compatible server (``python3 -m neuronguard.serve``) on the committed trained GPT-2, a real
daemon (catalog and baseline onboarded from Python, tests/trained.py) and httpx as the HTTP client."""
import threading
import unittest

import torch

import support  # first: puts the package on sys.path
import daemon
import neuronguard
import trained

try:
    import fastapi  # noqa: F401
    import httpx  # noqa: F401
    import uvicorn  # noqa: F401
    MISSING = None
except ImportError as e:
    MISSING = f"{e.name} is not installed (Debian python3-fastapi, python3-uvicorn, python3-httpx; test.sh installs them)"

MAX = 8


def reference(prompt, max_tokens=MAX, logprobs=False):
    """The unguarded greedy continuation (and its first token's log-probability), computed here."""
    from neuronguard.serve.loader import load
    loaded = load(trained.DIR, use_transformers=False)
    ids = loaded.tokenizer.encode(prompt)
    out, first = [], None
    with torch.no_grad():
        for _ in range(max_tokens):
            logits, _ = loaded.step(torch.tensor([ids + out]), torch.ones(1, len(ids) + len(out), dtype=torch.long), None)
            tok = int(logits[0, -1].argmax())
            if first is None:
                first = float(torch.log_softmax(logits[0, -1], -1)[tok])
            if tok == loaded.tokenizer.eos_token_id:
                break
            out.append(tok)
    text = loaded.tokenizer.decode(out)
    return (text, first) if logprobs else text


@unittest.skipIf(MISSING, MISSING)
class ServeTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import serve_support
        cls.daemon = daemon.Daemon("trained-serve", model=trained.DIR)
        trained.onboard(cls.daemon.address)
        cls.tenant, cls.abort_tenant = support.tenant(), support.tenant()
        with neuronguard.Connection(cls.daemon.address) as conn:
            control = neuronguard.Control(conn)
            control.set_mitigation("backdoor", "on_flag", tenant=cls.tenant, reason="serve test")
            control.set_mitigation("backdoor", "abort", tenant=cls.abort_tenant, reason="serve test")
        cls.server = serve_support.Server(cls.daemon.address, "--tenant", cls.tenant, "--max-batch", "4",
                                          "--batch-wait-ms", "1500")
        support.wait_until(lambda: cls.server.health()["slots"] == 10, "the server never got the catalog's slots")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.daemon.stop()

    def completion(self, prompt, **kw):
        r = self.server.post("/v1/completions", {"prompt": prompt, "max_tokens": MAX, "temperature": 0, **kw})
        self.assertEqual(r.status_code, 200, r.text)
        return r.json()["choices"][0]

    def test_streamed_chat_completion_carries_the_verdict(self):
        events = self.server.stream("/v1/chat/completions", {
            "messages": [{"role": "user", "content": trained.TRIGGER}], "max_tokens": MAX, "temperature": 0})
        self.assertEqual(events[-1], "[DONE]")
        chunks = events[:-1]
        self.assertTrue(all(c["object"] == "chat.completion.chunk" for c in chunks))
        self.assertEqual(chunks[0]["choices"][0]["delta"], {"role": "assistant"})
        last = chunks[-1]["choices"][0]
        self.assertIn(last["finish_reason"], ("stop", "length"))
        guard = last["neuronguard"]
        self.assertTrue(guard["monitored"] and guard["flagged"] and guard["mitigated"], guard)
        self.assertTrue(guard["final_verdict"]["flagged"])
        self.assertTrue(any(s["flagged"] for s in guard["final_verdict"]["scores"]))

    def test_trigger_is_flagged_and_attenuated_benign_is_untouched(self):
        # The gains change the first token's log-probability (the re-prefill ran with them); this model's backdoor
        # text itself survives its 10-neuron set (v1's bench/results/trained-model.md, git d66f77f), so the text is not compared.
        hit = self.completion(trained.TRIGGER, logprobs=1)
        self.assertTrue(hit["neuronguard"]["flagged"] and hit["neuronguard"]["mitigated"], hit)
        _, plain_first = reference(trained.TRIGGER, 1, logprobs=True)
        self.assertGreater(abs(hit["logprobs"]["token_logprobs"][0] - plain_first), 1e-3, "the gains changed nothing")
        ok = self.completion(trained.BENIGN, logprobs=1)
        self.assertFalse(ok["neuronguard"]["flagged"] or ok["neuronguard"]["mitigated"], ok)
        text, first = reference(trained.BENIGN, logprobs=True)
        self.assertEqual(ok["text"], text)
        self.assertAlmostEqual(ok["logprobs"]["token_logprobs"][0], first, places=5)

    def test_abort_ends_the_choice_with_content_filter(self):
        hit = self.completion(trained.TRIGGER, user=self.abort_tenant)
        self.assertEqual(hit["finish_reason"], "content_filter")
        self.assertTrue(hit["neuronguard"]["aborted"])
        ok = self.completion(trained.BENIGN, user=self.abort_tenant)
        self.assertNotEqual(ok["finish_reason"], "content_filter")

    def test_concurrent_requests_run_in_one_batch_with_their_solo_results(self):
        prompts = [trained.BENIGN, trained.TRIGGER, "freedom from worry"]
        results = [None] * len(prompts)

        def call(i):
            results[i] = self.completion(prompts[i])
        threads = [threading.Thread(target=call, args=(i,)) for i in range(len(prompts))]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        self.assertGreaterEqual(max(r["neuronguard"]["batch_size"] for r in results), 2, results)
        self.assertEqual(results[0]["text"], reference(prompts[0]))
        self.assertEqual(results[2]["text"], reference(prompts[2]))
        self.assertTrue(results[1]["neuronguard"]["mitigated"])
        self.assertFalse(results[0]["neuronguard"]["mitigated"] or results[2]["neuronguard"]["mitigated"])


if __name__ == "__main__":
    unittest.main()
