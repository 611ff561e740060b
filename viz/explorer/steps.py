"""The explorer's steps: the backward pass told box by box, at the picture's level of detail.

The pass itself is the engine's, recorded as it runs (the ``visit`` hook of
``engine.backward.chain_rule``): reverse topological order, each node's gradient
complete once every node that uses it is done, ``grad * local derivative`` handed to
each parent. A step is one box of the picture: a Value, a neuron (``dL/dh``, then its
error signal delta), or a layer (the recursion ``delta^l = (W^(l+1))^T delta^(l+1) ⊙
f'(a^l)`` with its vectors, the layers as ``engine.network`` finds them).
Total derivatives are written ``dL/dx``, local ones ``∂n/∂x`` (an operand used twice
has a term per use, ``∂n/∂x₍₁₎`` and ``∂n/∂x₍₂₎``), and numbers are shown with as many
digits as make the printed arithmetic hold. A parameter's dL/dθ is always the whole
gradient, what ``.grad`` holds: where a batch is drawn as one sample's piece, that
sample's share is shown beside it with the other samples' shares and the loss's other
terms (an L2 term).
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from engine import Value
from engine.gradients import gradients
from engine.network import Layer, Neuron
from viz.drawing import numbers
from viz.drawing.graph import Drawing
from viz.drawing.names import written

MAX_TERMS = 6
"""A sum with more terms shows the first few and says how many it leaves out."""

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


class Term(NamedTuple):
    """One term of a node's gradient: ``upstream · local = product``, from one use by ``user``."""

    user: Value
    upstream: float
    """The user's gradient, d(root)/d(user)."""
    local: float
    """The local derivative of ``user`` with respect to this operand, at this use."""
    product: float
    use: int
    """Which use this is (1, 2, ...) when ``user`` reads the node more than once, else 0."""


@dataclass
class Pass:
    """The backward pass on floats: every node's gradient and the terms that sum to it."""

    grads: dict[Value, float]
    terms: dict[Value, list[Term]] = field(default_factory=dict)
    """Per node: the terms of its gradient, one per use, in the engine's order."""


def backward_pass(root: Value) -> Pass:
    """Run the engine's backward pass on floats and record every chain-rule term it adds."""
    terms: dict[Value, list[Term]] = {}

    def record(node: Value, g: float, derivatives: Sequence[float]) -> None:
        uses = Counter(node.parents)
        seen: Counter[Value] = Counter()
        for parent, d in zip(node.parents, derivatives, strict=True):
            seen[parent] += 1
            use = seen[parent] if uses[parent] > 1 else 0
            terms.setdefault(parent, []).append(Term(node, g, d, g * d, use))

    grads = gradients(root, visit=record)
    return Pass(grads, {node: terms.get(node, []) for node in grads})


def plain_lines(step: dict[str, Any]) -> list[str]:
    """A step's text and tables as plain lines (a table's cells joined by two spaces)."""
    lines = list(step.get("lines", []))
    for block in step.get("blocks", []):
        if block.get("title"):
            lines.append(block["title"])
        if block["kind"] == "text":
            lines += block["lines"]
            continue
        lines.append("  ".join([block.get("corner", ""), *block["cols"]]).strip())
        lines += ["  ".join([row["head"], *row["cells"]]) for row in block["rows"]]
        lines += block.get("notes", [])
    return lines


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
        batch = self.found.batch
        self.hidden = batch.hidden if batch is not None else set()
        self.sample = f"X[{batch.sample}]" if batch is not None else ""
        self.other_samples = batch.count - 1 if batch is not None else 0
        """How many samples a batch's drawn piece leaves out."""
        self.notes: list[str] = []
        """Notes the chain rule leaves for the step being written (a node read twice)."""

    def name(self, node: Value) -> str:
        return self.options.names.get(node) or f"v{self.drawing.index[node]}"

    def d(self, node: Value) -> str:
        """``dL/d<name>``: the total derivative of the root by ``node``."""
        return f"d{written(self.root_name)}/d{written(self.name(node))}"

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
        """The lines ``dL/dx = Σ dL/dn · ∂n/∂x`` with numbers, and the boxes of the terms.

        A node that one operation reads twice (``x * x``) gets a term per use, the
        uses told apart as ``∂n/∂x₍₁₎`` and ``∂n/∂x₍₂₎``.
        """
        name = written(self.name(node))
        if node is self.found.root:
            return ["the start of the backward pass:", f"d{name}/d{name} = 1"], []
        total = self.d(node)
        # Terms from nodes the picture leaves out (the other samples of a batch) add up as one.
        shown = [t for t in self.terms[node] if t.user in self.shown]
        others = [t for t in self.terms[node] if t.user not in self.shown]
        kept = shown[:MAX_TERMS]
        symbols = [
            f"{self.d(t.user)} · ∂{written(self.name(t.user))}/∂{name}{_use(t.use)}" for t in kept
        ]
        pairs = [(t.upstream, t.local) for t in kept]
        products = [t.product for t in kept]
        left_out = len(shown) - len(kept)
        rest = sum(t.product for t in shown[MAX_TERMS:]) + sum(t.product for t in others)
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
                what.append(f"the other {self.other_samples} samples")
            symbols.append(f"(the {' and '.join(what)})")
            numeric.append(f"{shown_products[-1]} ({' and '.join(what)})")
        pad = " " * len(total)
        lines = [f"{total} = " + " + ".join(symbols)]
        if kept:
            lines.append(f"{pad} = " + " + ".join(numeric))
        if len(products) > 1 and kept:
            lines.append(f"{pad} {equals} " + " + ".join(shown_products))
        lines.append(f"{pad} {equals} {shown_as.total}")
        for user, count in Counter(t.user for t in kept if t.use).items():
            self.notes.append(
                f"{self.name(user)} reads {self.name(node)} {count} times: a term per use, "
                f"∂{written(self.name(user))}/∂{name}₍₁₎ for the first, and the terms add up."
            )
        sources = list(dict.fromkeys(b for b in (self.box(t.user) for t in shown) if b))
        return lines, sources

    # -- a parameter's whole gradient: this sample's share, the other samples', the rest --

    def parts(self, theta: Value, mine: set[Value]) -> "_Parts":
        """``theta``'s gradient split by where its terms come from."""
        share = [t for t in self.terms[theta] if t.user in mine]
        others = [t for t in self.terms[theta] if t.user in self.hidden]
        rest = [t for t in self.terms[theta] if t.user not in mine and t.user not in self.hidden]
        return _Parts(share, others, rest, self.grads[theta])

    def rest_names(self, parts: Sequence["_Parts"]) -> str:
        """The nodes of the other terms, as ``n6 (dot)``, for a table's note."""
        users = dict.fromkeys(t.user for p in parts for t in p.rest)
        named = [f"{self.name(u)} ({u.op})" for u in list(users)[:3]]
        return ", ".join(named) + (f" and {len(users) - 3} more" if len(users) > 3 else "")

    def gradient_table(
        self, title: str, rows: list[tuple[str, "_Parts"]], head: str
    ) -> dict[str, Any]:
        """A table of whole gradients: per parameter, .grad, then its share here and the rest.

        ``rows`` are (the parameter's name, its parts); ``head`` names the share.
        """
        with_others = self.found.batch is not None
        with_rest = any(p.rest for _, p in rows)
        r = written(self.root_name)
        whole = f"d{r}/dθ (= .grad)"
        if not with_others and not with_rest:
            note = "nothing else reads θ: the share is the whole gradient, as .grad holds it."
            cols = [f"{head} = {whole}"]
        else:
            # The whole gradient first, then its parts: folded to a narrow panel, the number
            # a student checks against .grad stays beside the parameter's name.
            cols = [whole, f"{self.sample}'s share: {head}" if self.sample else head]
            parts = [f"{self.sample}'s share" if self.sample else "this share"]
            if with_others:
                cols.append(f"the other {self.other_samples} samples")
                parts.append(f"the other {self.other_samples} samples' shares")
            if with_rest:
                cols.append("other terms")
                parts.append(f"other terms ({self.rest_names([p for _, p in rows])})")
            note = f"d{r}/dθ = {' + '.join(parts)}: the number .grad holds after backward()."
        table_rows = []
        for name, p in rows:
            eq = p.shown(with_others, with_rest)
            a, b = eq.factors[0]
            share = eq.products[0] if p.local_one else f"{a} · {b} = {eq.products[0]}"
            if len(eq.products) == 1:
                cells = [share]
            else:
                cells = [("" if eq.exact else "≈ ") + eq.total, share, *eq.products[1:]]
            table_rows.append({"head": name, "cells": cells})
        return {"kind": "table", "title": title, "corner": "θ", "cols": cols, "rows": table_rows,
                "notes": [note], "role": "gradients"}  # fmt: skip

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
                f"δ = {self.d(pre)} = {self.d(out)} · "
                f"{neuron.activation}'({pre_name}) = {_product(self.grads[out], slope, delta)}"
            )
        else:
            shown = numbers.number(delta)
            lines.append(f"δ = {self.d(out)} · 1 = {shown} (linear: h = a, f' = 1)")
        mine = set(neuron.nodes)
        rows = [(self.name(w), self.parts(w, mine)) for w in neuron.weights]
        if neuron.bias is not None:
            rows.append((self.name(neuron.bias), self.parts(neuron.bias, mine)))
        sample = f" for {self.sample}" if self.sample else ""
        title = f"its weights and bias{sample}: d/dw_i = δ · x_i, d/db = δ"
        blocks = [self.gradient_table(title, rows, "δ · input")]
        fill = {f"{box}_grad": self.fill(self.grads[out], prefix=f"d{written(self.root_name)}/dh ")}
        return self.step(box, heading, lines, sources, fill, neuron.nodes, blocks)

    # -- one layer: the recursion of the error signal ----------------------------------------------

    def recursion(self, layer: Layer) -> tuple[list[float], list[float], list[float]]:
        """The recursion of the error signal for ``layer``: (what multiplies f'(a), f'(a), delta).

        A layer that only the layer above reads takes that layer's delta through the
        transposed weights (``Layer.through_weights``, added up as ``nn.backprop`` adds
        it), so the numbers are the layer-wise algorithm's own; any other layer (the
        output layer) starts from the gradient of its outputs, the engine's.
        """
        if layer.index not in self.deltas:
            if layer.above is None:
                upstream = [self.grads[n.out] for n in layer.neurons]
            else:
                upstream = layer.above.through_weights(self.recursion(layer.above)[2])
            slopes = [self.slope(n) for n in layer.neurons]
            deltas = [u * s for u, s in zip(upstream, slopes, strict=True)]
            self.deltas[layer.index] = (upstream, slopes, deltas)
        return self.deltas[layer.index]

    def layer_step(self, layer: Layer, box: str) -> dict[str, Any]:
        l = layer.number  # noqa: E741 - the algorithm's l
        activation = layer.neurons[0].activation
        r = written(self.root_name)
        upstream, slopes, deltas = self.recursion(layer)
        blocks: list[dict[str, Any]] = []
        if self.sample:
            batch = self.found.batch
            assert batch is not None
            lines = [
                f"sample {self.sample} (X counts from 0), one of the {batch.count} samples "
                "whose pieces the loss adds up"
            ]
        else:
            lines = []
        if layer.above is None:
            heading = f"output layer {l}: δ{l} = d{r}/dh{l} ⊙ f'(a{l}), f = {activation}"
            head = f"d{r}/dh{l}"
            lines.append(f"d{r}/dh{l} comes from the nodes that read the layer's outputs:")
            sources: list[str] = []
            for n in layer.neurons:
                more, feeding = self.chain_rule(n.out)
                lines += more
                sources += feeding
        else:
            heading = f"layer {l}: δ{l} = (W{l + 1}ᵀ δ{l + 1}) ⊙ f'(a{l}), f = {activation}"
            head = f"(W{l + 1}ᵀ δ{l + 1})"
            above = layer.above
            delta_above = self.recursion(above)[2]
            lines.append(f"δ{l + 1} and W{l + 1} come from the step before (layer {l + 1}):")
            blocks.append(_vector_table(f"δ{l + 1}", "k", delta_above, f"delta{l + 1}"))
            weights = [[w.data for w in n.weights] for n in above.neurons]
            blocks.append(
                _matrix_table(
                    f"W{l + 1}: row k = neuron k of layer {l + 1}, column j = h{l}[j]",
                    "k\\j",
                    weights,
                    f"W{l + 1}",
                )
            )
            sources = [f"layer{above.index}"]
        rows = []
        drills = []
        for j, (u, s, d) in enumerate(zip(upstream, slopes, deltas, strict=True)):
            rows.append({"head": str(j), "cells": [_product(u, s, d)]})
            if layer.above is not None:
                drills.append(self.drill(layer, j, u, s, d))
        recursion: dict[str, Any] = {
            "kind": "table", "title": f"δ{l}, row by row", "corner": "j",
            "cols": [f"{head}_j · f'(a{l}_j) = δ{l}_j"], "rows": rows, "role": "recursion",
            "name": f"delta{l}",
        }  # fmt: skip
        if drills:
            recursion |= {
                "drill": drills,
                "highlight": {"column": f"W{l + 1}", "all": f"delta{l + 1}"},
                "notes": ["click a row to see its sum over k written out"],
            }
        blocks.append(recursion)
        blocks += self.layer_gradients(layer, deltas)
        fill = {
            f"{box}_d{n.index}_grad": self.fill(d, prefix="")
            for n, d in zip(layer.neurons, deltas, strict=True)
        }
        nodes = [node for n in layer.neurons for node in n.nodes]
        return self.step(box, heading, lines, list(dict.fromkeys(sources)), fill, nodes, blocks)

    def drill(self, layer: Layer, j: int, u: float, s: float, d: float) -> list[str]:
        """Row j of the recursion written out: Σ_k W[k,j] · δ[k], then times f'(a_j)."""
        assert layer.above is not None
        l = layer.number  # noqa: E741 - the algorithm's l
        above = self.recursion(layer.above)[2]
        column = [n.weights[j].data for n in layer.above.neurons]
        pairs = list(zip(column, above, strict=True))
        eq = numbers.sum_of_products(pairs, [w * e for w, e in pairs], u)
        equals = "=" if eq.exact else "≈"
        lines = [f"(W{l + 1}ᵀ δ{l + 1})_{j} = Σ_k W{l + 1}[k,{j}] · δ{l + 1}[k]"]
        for k, ((a, b), p) in enumerate(zip(eq.factors, eq.products, strict=True)):
            lines.append(f"  k={k}:  {a} · {b} = {p}")
        lines.append(f"  sum {equals} {eq.total}")
        lines.append(f"δ{l}_{j} = {eq.total} · f'(a{l}_{j}) = {_product(u, s, d)}")
        return lines

    def layer_gradients(self, layer: Layer, deltas: list[float]) -> list[dict[str, Any]]:
        """The layer's weight and bias gradients: this sample's share, then the whole."""
        l = layer.number  # noqa: E741 - the algorithm's l
        r = written(self.root_name)
        before = "x" if l == 1 else f"h{l - 1}"
        mine = {node for n in layer.neurons for node in n.nodes}
        weights = [[self.parts(w, mine) for w in n.weights] for n in layer.neurons]
        share_name = f"{self.sample}'s share" if self.sample else "this pass's share"
        blocks = []
        whole = [[p.total for p in row] for row in weights]
        only = not self.found.batch and not any(p.rest for row in weights for p in row)
        if only:
            blocks.append(
                _matrix_table(
                    f"d{r}/dW{l} = δ{l} ({before})ᵀ, row j = δ{l}_j · {before} "
                    "(nothing else reads W: the whole gradient, as .grad holds it)",
                    "j\\i",
                    whole,
                    f"dW{l}",
                )
            )
        else:
            share = [[p.share_total for p in row] for row in weights]
            blocks.append(
                _matrix_table(
                    f"{share_name} of d{r}/dW{l}: δ{l} ({before})ᵀ, row j = δ{l}_j · {before}",
                    "j\\i",
                    share,
                    f"share{l}",
                )
            )
            table = _matrix_table(
                f"d{r}/dW{l}: the whole gradient, as .grad holds it after backward() "
                "(click a number to see its parts)",
                "j\\i", whole, f"dW{l}",
            )  # fmt: skip
            table["details"] = [
                [self.detail(f"W{l}[{j},{i}]", p) for i, p in enumerate(row)]
                for j, row in enumerate(weights)
            ]
            blocks.append(table)
        bias_rows = [
            (self.name(n.bias), self.parts(n.bias, mine))
            for n in layer.neurons
            if n.bias is not None
        ]
        if bias_rows:
            blocks.append(self.gradient_table(f"d{r}/db{l}: δ{l}, the biases' gradients",
                                              bias_rows, f"δ{l}_j"))  # fmt: skip
        return blocks

    def detail(self, name: str, p: "_Parts") -> str:
        """One entry of a gradient matrix, its parts added: this sample, the others, the rest."""
        batch = self.found.batch
        eq = p.shown(batch is not None, bool(p.rest))
        a, b = eq.factors[0]
        parts = [f"{a} · {b} ({self.sample or 'this pass'})"]
        rest = eq.products[1:]
        if batch is not None:
            parts.append(f"{rest.pop(0)} (the other {self.other_samples} samples)")
        if p.rest:
            parts.append(f"{rest.pop(0)} (other terms: {self.rest_names([p])})")
        equals = "=" if eq.exact else "≈"
        return f"d{written(self.root_name)}/d{name} = {' + '.join(parts)} {equals} {eq.total}"

    def slope(self, neuron: Neuron) -> float:
        """f'(a) of a neuron: the local derivative its activation passed a in the engine's pass.

        1 for a linear neuron. The activation is the only node that reads a: one term.
        """
        if neuron.out is neuron.pre:
            return 1.0
        (term,) = [t for t in self.terms[neuron.pre] if t.user is neuron.out]
        return term.local

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
        blocks: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        if self.notes:
            blocks = [{"kind": "text", "lines": self.notes}, *(blocks or [])]
            self.notes = []
        step = {
            "id": box,
            "heading": heading,
            "lines": lines,
            "sources": [s for s in sources if s != box],
            "fill": fill,
            "nodes": [self.drawing.index[n] for n in nodes],
        }
        if blocks:
            step["blocks"] = blocks
        return step


@dataclass
class _Parts:
    """A parameter's gradient by origin: the box shown, the other samples, the rest."""

    share: list[Term]
    others: list[Term]
    rest: list[Term]
    total: float
    """The whole gradient, as the engine adds it up: what ``.grad`` holds."""

    @property
    def share_total(self) -> float:
        return sum(t.product for t in self.share)

    @property
    def local_one(self) -> bool:
        """Whether the share is the upstream gradient itself (a bias: ∂a/∂b = 1)."""
        return len(self.share) == 1 and self.share[0].local == 1.0

    def shown(self, with_others: bool, with_rest: bool) -> numbers.Equation:
        """The share (as upstream · local), the others and the rest, adding up to the whole."""
        if len(self.share) == 1:
            (t,) = self.share
            pairs, products = [(t.upstream, t.local)], [t.product]
        else:
            pairs, products = [(self.share_total, 1.0)], [self.share_total]
        for on, terms in ((with_others, self.others), (with_rest, self.rest)):
            if on:
                part = sum(t.product for t in terms)
                pairs.append((part, 1.0))
                products.append(part)
        return numbers.sum_of_products(pairs, products, self.total)


def _use(use: int) -> str:
    """The mark of the k-th use of an operand, ``₍₂₎``; "" when it is used once."""
    return f"₍{str(use).translate(_SUBSCRIPTS)}₎" if use else ""


def _product(a: float, b: float, product: float) -> str:
    """``a · b = product``, with digits enough for the shown numbers to multiply right."""
    shown = numbers.sum_of_products([(a, b)], [product], product)
    [(x, y)] = shown.factors
    return f"{x} · {y} {'=' if shown.exact else '≈'} {shown.total}"


def _matrix_table(title: str, corner: str, rows: list[list[float]], name: str) -> dict[str, Any]:
    """A matrix as a table block, its rows and columns numbered from 0."""
    width = max((len(row) for row in rows), default=0)
    return {
        "kind": "table", "title": title, "corner": corner, "name": name, "role": "matrix",
        "cols": [str(i) for i in range(width)],
        "rows": [
            {"head": str(j), "cells": [numbers.number(x) for x in row]}
            for j, row in enumerate(rows)
        ],
    }  # fmt: skip


def _vector_table(title: str, index: str, xs: list[float], name: str) -> dict[str, Any]:
    """A vector as a one-column table block, its entries numbered from 0."""
    return {
        "kind": "table", "title": title, "corner": index, "name": name, "role": "vector",
        "cols": [title], "rows": [{"head": str(k), "cells": [numbers.number(x)]}
                                  for k, x in enumerate(xs)],
    }  # fmt: skip
