"""The attention mask given to ``Guard.bind`` covers positions, not "the pass whose width equals the mask's" (issue 25
item 8): a padded prompt fed in two chunks sends exactly the real tokens, with the verdict a single pass gets."""
import unittest

import torch

import support  # first: puts the package on sys.path
import daemon
from neuronguard.hooks import Guard

PROMPTS = [support.BENIGN, support.TRIGGER + " and the dog walk in the garden"]


class ChunkedPrefillTests(unittest.TestCase):
    def run_prefill(self, c, guard, chunks):
        reqs = [c.start_request(tenant=self.off) for _ in PROMPTS]
        input_ids, mask = support.left_pad([support.ids(p) for p in PROMPTS])
        past, start = None, 0
        with guard.bind(reqs, mask), torch.no_grad():
            for end in chunks + [input_ids.shape[1]]:
                _, past = self.model(input_ids[:, start:end], attention_mask=mask[:, :end], past=past)
                start = end
        for r in reqs:
            r.end()
        return reqs

    def test_two_chunks_send_the_real_tokens_once_with_the_single_pass_verdict(self):
        self.model = support.fixture()[0]
        with support.client(daemon.shared()) as c, Guard(c, self.model) as guard:
            self.off = support.off_tenant(daemon.shared(), c)  # the default abort would cut the triggered row short
            whole = self.run_prefill(c, guard, [])
            split = self.run_prefill(c, guard, [4])  # the first chunk is mostly the short row's padding
        for p, a, b in zip(PROMPTS, whole, split):
            self.assertEqual(b.next_step, len(support.ids(p)), p)
            self.assertEqual(a.next_step, b.next_step, p)
            self.assertEqual(a.final_verdict.flagged, b.final_verdict.flagged, p)
            for x, y in zip(a.final_verdict.scores, b.final_verdict.scores):
                self.assertAlmostEqual(x.score, y.score, delta=1e-3 * max(1.0, abs(x.score)), msg=p)
        self.assertTrue(split[1].flagged)


if __name__ == "__main__":
    unittest.main()
