"""Torch hooks: capture the catalogued MLP neurons of a batch and apply the daemon's gains, on the device.

Where values are taken (protos/neuronguard/v1/common.proto, NeuronRef): GPT-2 — the output of
``transformer.h[i].mlp.act`` (the GELU output); Llama family — the input of ``model.layers[i].mlp.down_proj``
(``act_fn(gate_proj(x)) * up_proj(x)``). Values are captured BEFORE the gains are applied, so the daemon scores
what the model computed, not what mitigation left of it. Per forward pass: one ``index_select`` per hooked layer
into a (batch, tokens, slots) device buffer and one copy to host at the end; gains multiply the selected neurons
in place, per row, from the next forward pass after they arrive.
"""
import contextlib

import torch

from .errors import RequestAborted

_GPT2, _LLAMA = "gpt2", "llama"


def hf_layers(model, arch=None):
    """``[(module, "input"|"output"), …]`` per transformer block for Hugging Face GPT-2 and Llama-family models."""
    arch = arch or _detect(model)
    if arch == _GPT2:
        blocks = _find(model, ("transformer.h", "h"))
        return [(b.mlp.act, "output") for b in blocks]
    if arch == _LLAMA:
        blocks = _find(model, ("model.layers", "layers"))
        return [(b.mlp.down_proj, "input") for b in blocks]
    raise ValueError(f"arch {arch!r} is not known; pass layers=[(module, 'input'|'output'), ...] instead")


def _detect(model):
    names = {n for n, _ in model.named_modules()}
    if "transformer.h.0.mlp.act" in names or "h.0.mlp.act" in names:
        return _GPT2
    if "model.layers.0.mlp.down_proj" in names or "layers.0.mlp.down_proj" in names:
        return _LLAMA
    raise ValueError("neither transformer.h.N.mlp.act (GPT-2) nor model.layers.N.mlp.down_proj (Llama) found; "
                     "pass layers=[(module, 'input'|'output'), ...] naming where each layer's MLP activation is")


def _find(model, paths):
    for p in paths:
        m = model
        try:
            for part in p.split("."):
                m = getattr(m, part)
            return list(m)
        except AttributeError:
            continue
    raise ValueError(f"the model has none of {paths}")


class Guard:
    """Hooks on one torch model. :meth:`bind` says which request each batch row belongs to; every forward pass of
    the model then sends one frame per monitored row (prefill rows as a block, masked positions dropped) and, in
    lockstep mode, waits for their verdicts before returning."""

    def __init__(self, client, model, layers=None, arch=None):
        layers = layers if layers is not None else hf_layers(model, arch)
        if len({id(m) for m, _ in layers}) != len(layers):
            raise ValueError("one module object serves several layers (a shared activation function?); hook a "
                             "per-layer module, e.g. the MLP's down projection input")
        self.client = client
        self.rows = []
        self._mask = None
        self._capture = True
        self._fwd = None
        self._handles = [model.register_forward_pre_hook(self._begin), model.register_forward_hook(self._end)]
        for layer, (module, where) in enumerate(layers):
            if where == "output":
                self._handles.append(module.register_forward_hook(self._layer_output(layer)))
            elif where == "input":
                self._handles.append(module.register_forward_pre_hook(self._layer_input(layer)))
            else:
                raise ValueError(f"layer {layer}: where is {where!r}; use 'input' or 'output'")

    def bind(self, requests, attention_mask=None):
        """Row i of the next forward passes belongs to ``requests[i]`` (None for a row that is not a request).
        ``attention_mask`` (batch, tokens), 1 for real tokens, drops padded positions from a padded prefill; it is
        used by the forward pass whose token count equals its width."""
        self.rows = list(requests)
        self._mask = attention_mask.detach().to("cpu", torch.bool) if attention_mask is not None else None

    @contextlib.contextmanager
    def capture_off(self):
        """Forward passes inside send nothing (e.g. re-running a prompt with gains the daemon already scored)."""
        self._capture = False
        try:
            yield
        finally:
            self._capture = True

    def close(self):
        for h in self._handles:
            h.remove()
        self._handles = []

    # --- per forward --------------------------------------------------------------------------------------------

    def _begin(self, module, inputs):
        groups = {}
        for row, req in enumerate(self.rows):
            if req is not None and len(req.plan) > 0 and (req.monitored or req.gains()[1]):
                groups.setdefault(id(req.plan), (req.plan, []))[1].append((row, req))
        self._fwd = [_Group(plan, rows, self._capture) for plan, rows in groups.values()]

    def _apply(self, layer, act):
        for g in self._fwd or ():
            g.layer(layer, act)

    def _layer_output(self, layer):
        def hook(module, inputs, output):
            self._apply(layer, output)
        return hook

    def _layer_input(self, layer):
        def hook(module, inputs):
            self._apply(layer, inputs[0])
        return hook

    def _end(self, module, inputs, output):
        groups, self._fwd = self._fwd or [], None
        waits = []
        for g in groups:
            waits.extend(g.send(self._mask))
        if self.client.lockstep:
            for req, step in waits:
                req.wait_verdict(step)
        return None


class _Group:
    """The rows of one forward pass that share a slot plan: their capture buffer and gain matrix."""

    def __init__(self, plan, rows, capture):
        self.plan = plan
        self.rows = rows
        self.capture = capture and any(r.monitored for _, r in rows)
        self.all_rows = None  # decided at the first hooked layer, against the real batch size
        self.buf = None
        self.row_index = None
        self.gain = None
        gains = [r.gains() for _, r in rows]
        if any(g for _, g in gains):
            self.gain = gains

    def _tensors(self, layer, device):
        key = (layer, str(device))
        c = self.plan.cache.get(key)
        if c is None:
            neurons, slots = self.plan.by_layer.get(layer, ((), ()))
            c = (torch.tensor(neurons, dtype=torch.long, device=device), torch.tensor(slots, dtype=torch.long, device=device))
            self.plan.cache[key] = c
        return c

    def layer(self, layer, act):
        if layer not in self.plan.by_layer:
            return
        x = act if act.dim() == 3 else act.unsqueeze(0)
        if self.all_rows is None:
            if self.rows[-1][0] >= x.shape[0]:
                raise ValueError(f"a request is bound to row {self.rows[-1][0]} but the forward pass has {x.shape[0]} "
                                 "rows; Guard.bind takes one request (or None) per batch row")
            self.all_rows = len(self.rows) == x.shape[0]
        neurons, slots = self._tensors(layer, x.device)
        if self.row_index is None and not self.all_rows:
            self.row_index = torch.tensor([r for r, _ in self.rows], dtype=torch.long, device=x.device)
        sub = x if self.all_rows else x.index_select(0, self.row_index)
        sel = sub.index_select(-1, neurons)
        if self.capture:
            if self.buf is None:
                self.buf = torch.zeros(sub.shape[0], sub.shape[1], len(self.plan), dtype=torch.float32, device=x.device)
            self.buf.index_copy_(-1, slots, sel.to(torch.float32))
        if self.gain is not None:
            g = self._gain_matrix(x)
            scaled = sel * g.index_select(1, slots).unsqueeze(1).to(sel.dtype)
            if self.all_rows:
                x.index_copy_(-1, neurons, scaled)
            else:
                sub.index_copy_(-1, neurons, scaled)
                x.index_copy_(0, self.row_index, sub)

    def _gain_matrix(self, x):
        """(rows, slots) gains on the device; each request's row is built once per gains change and cached."""
        if not isinstance(self.gain, torch.Tensor):
            self.gain = torch.stack([_gain_row(req, key, gains, len(self.plan), x.device)
                                     for (_, req), (key, gains) in zip(self.rows, self.gain)])
        return self.gain

    def send(self, mask):
        """One host copy of the captured (rows, tokens, slots) values; a frame per monitored row."""
        if self.buf is None:
            return []
        host = self.buf.cpu()
        waits = []
        tokens = host.shape[1]
        for i, (row, req) in enumerate(self.rows):
            if not req.monitored:
                continue
            values = host[i]
            if mask is not None and mask.shape[1] == tokens:
                values = values[mask[row]]
            if values.shape[0] == 0:
                continue
            last = req.send(values.contiguous().numpy().tobytes(), values.shape[0])
            if last is not None:
                waits.append((req, last))
        return waits


def _gain_row(req, key, gains, width, device):
    cached = getattr(req, "_gain_row", None)
    if cached is not None and cached[0] == key and cached[1] == device:
        return cached[2]
    row = torch.ones(width, dtype=torch.float32)
    if gains:
        row[torch.tensor(list(gains.keys()), dtype=torch.long)] = torch.tensor(list(gains.values()), dtype=torch.float32)
    row = row.to(device)
    req._gain_row = (key, device, row)
    return row


class AbortCriteria:
    """A Hugging Face ``StoppingCriteria``-compatible callable: True for rows whose request the daemon aborted.

    Pass it in ``stopping_criteria=StoppingCriteriaList([AbortCriteria(requests)])``; it returns a (batch,) bool
    tensor (transformers ≥ 4.39 stops each row on its own; older versions stop when it is truthy, i.e. batch 1).
    Its answer is tested; its use inside ``generate`` is not (transformers is not installed in this project's tests).
    """

    def __init__(self, requests):
        self.requests = list(requests)

    def __call__(self, input_ids, scores=None, **kwargs):
        return torch.tensor([r is not None and r.aborted for r in self.requests], dtype=torch.bool,
                            device=input_ids.device)


def raise_if_aborted(requests):
    """For custom decode loops: raises :class:`RequestAborted` for the first aborted request."""
    for r in requests:
        if r is not None and r.aborted:
            raise RequestAborted(r.id, r.abort_reason)
