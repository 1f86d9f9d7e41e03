"""The slot list a Welcome hands out, with the per-layer lookups a capture hook needs."""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Tuple


class SlotPlan:
    """Ordered (layer, neuron) slots of one catalog version. Values are packed in this order; immutable.

    ``by_layer[layer]`` is ``(neurons, slots)``: the neuron indices captured in that layer and the slot each lands in.
    """

    def __init__(self, slots: Iterable[Tuple[int, int]], catalog_version: str = "", baseline_version: str = "",
                 max_values_per_message: int = 0) -> None:
        self.slots = tuple((int(layer), int(index)) for layer, index in slots)
        self.catalog_version = catalog_version
        self.baseline_version = baseline_version
        self.max_values_per_message = int(max_values_per_message)
        by_layer: Dict[int, Tuple[List[int], List[int]]] = {}
        for slot, (layer, index) in enumerate(self.slots):
            neurons, positions = by_layer.setdefault(layer, ([], []))
            neurons.append(index)
            positions.append(slot)
        self.by_layer = {layer: (tuple(n), tuple(p)) for layer, (n, p) in by_layer.items()}
        self.cache: Dict[Any, Any] = {}  # per-device tensors built by the torch hooks, keyed by their own keys

    @classmethod
    def from_welcome(cls, welcome: Any) -> "SlotPlan":
        return cls([(s.layer, s.index) for s in welcome.slots], welcome.catalog_version, welcome.baseline_version,
                   welcome.max_values_per_message)

    def __len__(self) -> int:
        return len(self.slots)

    def same_as(self, welcome: Any) -> bool:
        return (self.catalog_version == welcome.catalog_version and self.baseline_version == welcome.baseline_version
                and self.slots == tuple((s.layer, s.index) for s in welcome.slots))

    def steps_per_message(self) -> int:
        """How many steps fit one Activations message under the daemon's announced limit."""
        width = max(1, len(self.slots))
        return max(1, self.max_values_per_message // width) if self.max_values_per_message > 0 else 1 << 30

    def __repr__(self) -> str:
        return f"SlotPlan({len(self.slots)} slots, catalog {self.catalog_version!r})"


EMPTY = SlotPlan(())
