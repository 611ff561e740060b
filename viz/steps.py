"""The explorer's steps: the backward pass told box by box, at the picture's level of detail.

The pass itself is the engine's: reverse topological order, each node's gradient
complete once every node that uses it is done, ``grad * local derivative`` handed
to each parent (``engine.local_derivatives``). A step is one box of the picture:
a Value, a neuron (``dL/dh``, then its error signal delta), or a layer (the seed's
recursion ``delta^l = (W^(l+1))^T delta^(l+1) ⊙ f'(a^l)`` with its vectors).
Total derivatives are written ``dL/dx``, local ones ``∂n/∂x``, and numbers are
shown with as many digits as make the printed arithmetic hold.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import engine
from engine import Value
from engine.backward import gradients
from viz import numbers
from viz.graph import Drawing
from viz.structure import Layer, Neuron

MAX_TERMS = 6
"""A sum with more terms shows the first few and says how many it leaves out."""


@dataclass
class Pass:
    """The backward pass on floats: every node's gradient and the terms that sum to it."""

    grads: dict[Value, float]
    terms: dict[Value, list[tuple[Value, float, float, float]]] = field(default_factory=dict)
    """Per node: (user, the user's gradient, local derivative, product), in the engine's order."""


def backward_pass(root: Value) -> Pass:
    """Run the engine's backward pass on floats and record every chain-rule term it adds."""
    terms: dict[Value, list[tuple[Value, float, float, float]]] = {}

    def record(node: Value, g: float, derivatives: Sequence[float]) -> None:
        for parent, d in zip(node.parents, derivatives, strict=True):
            terms.setdefault(parent, []).append((node, g, d, g * d))

    grads = gradients(root, visit=record)
    return Pass(grads, {node: terms.get(node, []) for node in grads})


def steps(drawing: Drawing, backward: Pass) -> list[dict[str, Any]]:
    """Return the page's steps for ``drawing``: one per box, in the order gradients complete."""
    return _Writer(drawing, backward).steps()


class _Writer:
    def __init__(self, drawing: Drawing, backward: Pass) -> None:
        self.drawing = drawing
        self.found = drawing.structure
        self.options = drawing.options
        self.grads = backward.grads
        self.terms = backward.terms
        self.boxes = {box.id for box in drawing.picture.boxes}
        self.shown = set(self.found.order)
        self.root_name = self.name(self.found.root)
        self.deltas: dict[int, tuple[list[float], list[float], list[float]]] = {}

    def name(self, node: Value) -> str:
        return self.options.names.get(node) or f"v{self.drawing.index[node]}"

    def box(self, node: Value) -> str:
        """The id of the box a node shows in, or "" if it shows in none."""
        level = self.drawing.picture.level
        neuron = self.found.owner.get(node)
        if neuron is not None and level != "values":
            if node in neuron.parameters:
                return ""
            out = f"v{self.drawing.index[neuron.out]}"
            return f"layer{neuron.layer}" if level == "layers" else out
        box = f"v{self.drawing.index[node]}"
        return box if box in self.boxes else ""

    def steps(self) -> list[dict[str, Any]]:
        level = self.drawing.picture.level
        found = []
        done: set[str] = set()
        for node in reversed(self.found.order):
            box = self.box(node)
            if not box or box in done or (not node.parents and node not in self.options.names):
                continue  # constants: nothing flows on from them
            done.add(box)
            neuron = self.found.owner.get(node)
            if level == "values" or neuron is None:
                found.append(self.value_step(node, box))
            elif level == "neurons":
                found.append(self.neuron_step(neuron, box))
            else:
                found.append(self.layer_step(self.found.layers[neuron.layer], box))
        return found

    # -- one Value --------------------------------------------------------------------

    def value_step(self, node: Value, box: str) -> dict[str, Any]:
        name = self.name(node)
        grad = self.grads[node]
        made = f"made by {node.op}" if node.parents else "a leaf"
        heading = f"{name} ({made}): data {numbers.number(node.data)}"
        lines, sources = self.chain_rule(node)
        return self.step(box, heading, lines, sources, {f"{box}_grad": self.fill(grad)}, [node])

    def chain_rule(self, node: Value) -> tuple[list[str], list[str]]:
        """The lines ``dL/dx = Σ dL/dn · ∂n/∂x`` with numbers, and the boxes of the terms."""
        name = self.name(node)
        if node is self.found.root:
            return ["the seed of the backward pass:", f"d{name}/d{name} = 1"], []
        total = f"d{self.root_name}/d{name}"
        # Terms from nodes the picture leaves out (the other samples of a batch) add up as one.
        shown = [t for t in self.terms[node] if t[0] in self.shown]
        others = [t for t in self.terms[node] if t[0] not in self.shown]
        kept = shown[:MAX_TERMS]
        symbols = [f"d{self.root_name}/d{self.name(n)} · ∂{self.name(n)}/∂{name}" for n, *_ in kept]
        pairs = [(g, local) for _, g, local, _ in kept]
        products = [p for *_, p in kept]
        left_out = len(shown) - len(kept)
        rest = sum(p for *_, p in shown[MAX_TERMS:]) + sum(p for *_, p in others)
        if left_out or others:
            pairs.append((rest, 1.0))
            products.append(rest)
        shown_as = numbers.sum_of_products(pairs, products, self.grads[node])
        shown_products, equals = shown_as.products, "=" if shown_as.exact else "≈"
        numeric = [f"{a} · {b}" for a, b in shown_as.factors[: len(kept)]]
        if left_out or others:
            what = []
            if left_out:
                what.append(f"{left_out} more terms")
            if others:
                batch = self.found.batch
                count = batch.count - 1 if batch is not None else len(others)
                what.append(f"the other {count} samples")
            symbols.append(f"(the {' and '.join(what)})")
            numeric.append(f"{shown_products[-1]} ({' and '.join(what)})")
        pad = " " * len(total)
        lines = [f"{total} = " + " + ".join(symbols)]
        if kept:
            lines.append(f"{pad} = " + " + ".join(numeric))
        if len(products) > 1 and kept:
            lines.append(f"{pad} {equals} " + " + ".join(shown_products))
        lines.append(f"{pad} {equals} {shown_as.total}")
        sources = list(dict.fromkeys(b for b in (self.box(n) for n, *_ in shown) if b))
        return lines, sources

    # -- one neuron -------------------------------------------------------------------

    def neuron_step(self, neuron: Neuron, box: str) -> dict[str, Any]:
        out, pre = neuron.out, neuron.pre
        name, pre_name = self.name(out), self.name(pre)
        if out is pre:
            heading = f"neuron {name} = w·x + b (linear): data {numbers.number(out.data)}"
        else:
            heading = (
                f"neuron {name} = {neuron.activation}({pre_name}), {pre_name} = w·x + b: "
                f"data {numbers.number(out.data)}"
            )
        lines, sources = self.chain_rule(out)
        delta = self.grads[pre]
        if out is not pre:
            slope = self.slope(neuron)
            lines.append(
                f"δ = d{self.root_name}/d{pre_name} = d{self.root_name}/d{name} · "
                f"{neuron.activation}'({pre_name}) = {_product(self.grads[out], slope, delta)}"
            )
        else:
            shown = numbers.number(delta)
            lines.append(f"δ = d{self.root_name}/d{name} · 1 = {shown} (linear: h = a, f' = 1)")
        r = self.root_name
        lines.append(f"weights and bias: d{r}/dw_i = δ · x_i, d{r}/db = δ")
        for w, x in zip(neuron.weights, neuron.inputs, strict=True):
            if x is None:
                continue
            product = _product(delta, x.data, delta * x.data)
            lines.append(f"  d{self.root_name}/d{self.name(w)} = δ · {self.name(x)} = {product}")
        if neuron.bias is not None:
            bias = self.name(neuron.bias)
            lines.append(f"  d{self.root_name}/d{bias} = δ = {numbers.number(delta)}")
        fill = {f"{box}_grad": self.fill(self.grads[out])}
        return self.step(box, heading, lines, sources, fill, neuron.nodes)

    # -- one layer: the seed's recursion ----------------------------------------------

    def recursion(self, layer: Layer) -> tuple[list[float], list[float], list[float]]:
        """The seed's recursion for ``layer``: (what multiplies f'(a), f'(a), delta).

        A layer that only the layer above reads takes that layer's delta through the
        transposed weights, added up as ``nn.backprop`` adds it, so the numbers are the
        seed's algorithm's own; any other layer (the output layer) starts from the
        gradient of its outputs.
        """
        if layer.index not in self.deltas:
            if layer.above is None:
                upstream = [self.grads[n.out] for n in layer.neurons]
            else:
                above = self.recursion(layer.above)[2]
                weights = [[w.data for w in n.weights] for n in layer.above.neurons]
                upstream = [
                    sum(row[j] * d for row, d in zip(weights, above, strict=True))
                    for j in range(len(layer.neurons))
                ]
            slopes = [self.slope(n) for n in layer.neurons]
            deltas = [u * s for u, s in zip(upstream, slopes, strict=True)]
            self.deltas[layer.index] = (upstream, slopes, deltas)
        return self.deltas[layer.index]

    def layer_step(self, layer: Layer, box: str) -> dict[str, Any]:
        l = layer.depth + 1  # noqa: E741 - the seed's l
        activation = layer.neurons[0].activation
        r = self.root_name
        upstream, slopes, deltas = self.recursion(layer)
        if layer.above is None:
            heading = f"output layer {l}: δ{l} = d{r}/dh{l} ⊙ f'(a{l}), f = {activation}"
            head = f"d{r}/dh{l}"
            lines = [f"d{r}/dh{l} comes from the nodes that read the layer's outputs:"]
            sources: list[str] = []
            for n in layer.neurons:
                more, feeding = self.chain_rule(n.out)
                lines += more
                sources += feeding
            lines.append("")
        else:
            heading = f"layer {l}: δ{l} = (W{l + 1}ᵀ δ{l + 1}) ⊙ f'(a{l}), f = {activation}"
            head = f"(W{l + 1}ᵀ δ{l + 1})"
            delta_above = _vector(self.recursion(layer.above)[2])
            lines = [f"δ{l + 1} = {delta_above} (the step before)"]
            sources = [f"layer{layer.above.index}"]
        lines.append(f"  j  {head}_j · f'(a{l}_j) = δ{l}_j")
        for j, (u, s, d) in enumerate(zip(upstream, slopes, deltas, strict=True)):
            lines.append(f"  {j:>2}  {_product(u, s, d)}")
        if layer.above is not None:
            lines += ["", f"W{l + 1} (row k = neuron k of layer {l + 1}):"]
            lines += _matrix([[w.data for w in n.weights] for n in layer.above.neurons])
        before = "x" if layer.depth == 0 else f"h{layer.depth}"
        lines += ["", f"d{r}/dW{l} = δ{l} ({before})ᵀ, row j = δ{l}_j · {before}:"]
        lines += _matrix([[d * h.data for h in layer.inputs] for d in deltas])
        lines += [f"d{r}/db{l} = δ{l} = " + _vector(deltas)]
        if self.found.batch is not None:
            lines.append(
                f"(sample {self.found.batch.sample}'s part: the {self.found.batch.count} samples' "
                "parts add up to each parameter's gradient)"
            )
        fill = {
            f"{box}_d{n.index}_grad": self.fill(d, prefix="")
            for n, d in zip(layer.neurons, deltas, strict=True)
        }
        nodes = [node for n in layer.neurons for node in n.nodes]
        return self.step(box, heading, lines, list(dict.fromkeys(sources)), fill, nodes)

    def slope(self, neuron: Neuron) -> float:
        """f'(a) of a neuron: its activation's local derivative, 1 for a linear neuron."""
        if neuron.out is neuron.pre:
            return 1.0
        (slope,) = engine.local_derivatives(neuron.out)
        return slope

    # -- what every step carries ------------------------------------------------------

    def fill(self, grad: float, prefix: str = "grad ") -> str:
        return prefix + self.options.number(grad)

    def step(
        self,
        box: str,
        heading: str,
        lines: list[str],
        sources: list[str],
        fill: dict[str, str],
        nodes: list[Value],
    ) -> dict[str, Any]:
        return {
            "id": box,
            "heading": heading,
            "lines": lines,
            "sources": [s for s in sources if s != box],
            "fill": fill,
            "nodes": [self.drawing.index[n] for n in nodes],
        }


def _product(a: float, b: float, product: float) -> str:
    """``a · b = product``, with digits enough for the shown numbers to multiply right."""
    shown = numbers.sum_of_products([(a, b)], [product], product)
    [(x, y)] = shown.factors
    return f"{x} · {y} {'=' if shown.exact else '≈'} {shown.total}"


def _vector(xs: list[float]) -> str:
    return "[" + ", ".join(numbers.number(x) for x in xs) + "]"


def _matrix(rows: list[list[float]]) -> list[str]:
    texts = [[numbers.number(x) for x in row] for row in rows]
    width = max((len(t) for row in texts for t in row), default=1)
    return ["  [" + "  ".join(t.rjust(width) for t in row) + "]" for row in texts]
