"""``engine.compile(..., backend="numpy")``: a batch's per-sample piece written once, as array code.

The Python backend runs the piece in a loop, once per sample. Here each variable of
the piece holds one number per sample (a numpy row), so the piece runs once for the
whole batch; the neurons of a layer become one matrix product, ``a1 = W1 @ h0 + b1``
(written ``xp.matmul(W1, h0)``: numpy's ``@``, made to keep IEEE's nan where BLAS skips
a zero's products), and the backward pass through them is the backpropagation
algorithm's recursion, equation (4), in matrix form: ``delta1 = (W2.T @ delta2) * f'(a1)``.
Parameter gradients are summed over the samples (``dW1 = delta1 @ h0.T``). What is not
part of a repeated piece (the mean, a regularisation term) stays the Python backend's
scalar code.

Each line is still traced from the operations' own rules (``engine.codegen.tracer``),
with the tests a rule makes written ``xp.where(...)``, so the numbers are the engine's,
but for the order in which sums are added: equal to about 1e-12, not bit for bit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, NamedTuple

from engine import ops
from engine.codegen import array_math as xp
from engine.codegen.python_writer import Writer, add_up, times, varying_columns
from engine.codegen.tracer import INLINE, Expr, as_expr, call, code_math, conditional, trace
from engine.network import Layer, Repeat, find_network
from engine.value import Value


def where(condition: Expr, yes: object, no: object) -> Expr:
    """Join the two outcomes of a rule's test as array code: ``xp.where(condition, yes, no)``.

    relu's forward rule, ``0.0 if x <= 0.0 else x``, is written ``xp.relu(x)``: numpy's
    maximum, the same numbers, many times quicker than a ``where`` on varying signs.
    """
    y, n = as_expr(yes), as_expr(no)
    if y.text == n.text:
        return y
    if y.text == "0.0" and condition.text == f"{n.text} <= 0.0":
        return call("xp.relu", n)
    return call("xp.where", condition, y, n)


class _ArrayMath:
    """The math namespace on Exprs for array code: ``m.exp(x)`` gives ``xp.exp(x)``."""

    def __getattr__(self, name: str) -> Any:
        if name not in xp.NAMES:
            raise AttributeError(f"engine.codegen.array_math has no function {name!r}")
        return lambda *args: call(f"xp.{name}", *args)

    @staticmethod
    def number(x: object) -> object:
        """Return the operand itself: in array code a variable is its numbers."""
        return x


array_code_math = _ArrayMath()


class _LayerNames(NamedTuple):
    """A layer's arrays: its matrices, its rows (``a1``, ``h1``) and their gradients."""

    w: str
    b: str
    dw: str
    db: str
    a: str
    delta: str
    h: str
    dh: str
    reads: str  # the matrix of what it reads, when that is no other layer's rows: h0
    dreads: str


class _Block:
    """Rows computed together: a layer's ``a`` or its activation's ``h``, one row per neuron."""

    def __init__(
        self, name: str, grad: str, nodes: list[Value], samples: int, reads: str = ""
    ) -> None:
        self.name, self.grad, self.nodes, self.samples = name, grad, nodes, samples
        self.reads = reads  # for a layer's a: the name of the matrix it multiplies
        self.rows = {node: j for j, node in enumerate(nodes)}


class ArrayWriter(Writer):
    """Writes the generated module with each repeated piece as array code over the batch."""

    HEADER = (
        "Inside the batch's piece a variable holds one number per sample: h0 is the data, a row",
        "per input x[i]; a1 = W1 @ h0 + b1, a row per neuron; h1 = f(a1); delta1 = d(output)/da1,",
        "the error signal; dW1, db1 the gradients of W1, b1. Elsewhere a node goes by its name in",
        "the pictures (W1_3_0, x_0, L, a label) or v<i>, and its gradient by d<name> or g<i>.",
        "Sums over the samples may add in another order than the engine does.",
    )

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.namespace["xp"] = xp
        self.notes: list[str] = []
        self.exprs: dict[Value, Expr] = {}  # how array code reads a piece's node
        # W or b, the name of its inputs' positions, whether it is a column (b is), its gradient.
        self.matrices: list[tuple[str, str, bool, str]] = []
        self.kept: set[Value] = set()  # the inputs scalar code reads and adds gradients to
        self.layer_names: dict[Layer, _LayerNames] = {}
        self.pieces: dict[Value, tuple[int, int, Repeat]] = {}  # watched node: (k, i, repeat)
        self.blocks: dict[Value, _Block] = {}  # each layer's node: the block it is a row of
        self.per_sample: set[str] = set()  # expressions holding one number per sample
        self.data_names: set[str] = set()  # matrices of data: no gradient goes to them
        self.stacked: dict[str, list[Value]] = {}  # matrices stacked from nodes' rows
        # n-ary nodes of the parameters alone (an L2 term): one array operation each.
        self.over_inputs: dict[Value, list[Any]] = {}
        self.late: list[tuple[str, str]] = []  # gradient lines written with the result
        self.samples: int | None = None  # while writing a piece: how many samples it has
        self.root_lists: dict[Repeat, str] = {}  # a piece's roots as a list, for a gather's call

    def read(self, node: Value) -> Expr:
        """The expression of a node's number: a piece's node is a row of one of its arrays."""
        expr = self.exprs.get(node)
        return expr if expr is not None else super().read(node)

    def choose_names(self, repeats: list[Repeat]) -> None:
        """Find each piece's layers and name their arrays, then name the nodes as the base does."""
        inputs = set(self.inputs)
        for repeat in repeats:
            self.layers[repeat] = find_network(repeat.pieces[0], inputs, shared=False).layers
            columns = set(repeat.constants[0])
            outputs: set[tuple[Value, ...]] = set()  # the rows of the layers before
            for layer in self.layers[repeat]:
                self.layer_names[layer] = self._name_layer(layer, outputs, columns)
                outputs.add(tuple(layer.pre))
                outputs.add(tuple(layer.activations))
        super().choose_names(repeats)

    def _name_layer(
        self, layer: Layer, outputs: set[tuple[Value, ...]], columns: set[Value]
    ) -> _LayerNames:
        """Name a layer's arrays: ``W1``, ``b1``, ``dW1``, ``db1``, ``a1``, ``delta1``, ``h1``..."""
        l, fresh = layer.number, self.fresh  # noqa: E741 - the algorithm's l
        w = fresh(f"W{l}")
        b = fresh(f"b{l}") if layer.biases else ""
        dw, db = fresh(f"d{w}"), fresh(f"d{b}") if b else ""
        a, delta = fresh(f"a{l}"), fresh(f"delta{l}")
        h, dh = (fresh(f"h{l}"), fresh(f"dh{l}")) if layer.activations else ("", "")
        reads = dreads = ""
        if tuple(layer.inputs) not in outputs:
            reads = fresh(f"h{l - 1}")  # the data, h0, or rows stacked from single nodes
            if not all(x in columns for x in layer.inputs):
                dreads = fresh(f"d{reads}")
        return _LayerNames(w, b, dw, db, a, delta, h, dh, reads, dreads)

    def write(self, repeats: list[Repeat]) -> None:
        """Gather the layers' weights and biases as matrices, then write the module."""
        if not repeats:
            self.notes.append(
                "no repeated per-sample piece was found (the same nodes built for each sample "
                "and gathered by one sum), so the whole graph runs as Python code, as "
                "backend='python' writes it"
            )
        for repeat in repeats:
            layers = self.layers[repeat]
            if not layers:
                self.notes.append(
                    f"the piece that {self.name(repeat.fan_in)} gathers has no layer (neurons "
                    "as dot+b nodes whose weights are inputs, as nn builds them), so it runs "
                    "over the samples element by element, with no matrix product"
                )
            for layer in layers:
                names = self.layer_names[layer]
                where_w = xp.asarray([[self.inputs[p] for p in row] for row in layer.weights])
                index = self.bind(self.fresh(f"index_{names.w}"), where_w)
                self.matrices.append((names.w, index, False, names.dw))
                if layer.biases:
                    where_b = xp.asarray([self.inputs[p] for p in layer.biases])
                    index = self.bind(self.fresh(f"index_{names.b}"), where_b)
                    self.matrices.append((names.b, index, True, names.db))
            watched = set(self.watched)
            if watched:  # where each watched node is: sample k, node i of the piece
                for k, piece in enumerate(repeat.pieces):
                    for i, node in enumerate(piece):
                        if node in watched:
                            self.pieces[node] = (k, i, repeat)
        looped = self.looped
        # Array code writes a piece's chains of + link by link: no term shares a variable.
        for node in looped.intersection(self.alias):
            del self.alias[node]
        for node in looped.intersection(self.chains):
            del self.chains[node]
        self.links -= looped
        for node in self.order:
            rule = node._operation
            if (
                (rule is ops.SUM or rule is ops.DOT)
                and len(node.parents) >= _OVER_INPUTS
                and node not in looped
                and all(p in self.inputs for p in node.parents)
            ):
                self.over_inputs[node] = self._index_halves(node)
        # The inputs scalar code reads: not the layers' weights and biases, which come as
        # matrices, nor those an array operation over the inputs reads.
        layered = {n for ls in self.layers.values() for layer in ls for n in layer.pre}
        written = [n for n in self.order if n not in looped]
        written += [node for repeat in repeats for node in repeat.pieces[0]]
        self.kept = {
            p
            for node in written
            if node.parents and node not in layered and node not in self.over_inputs
            for p in node.parents
            if p in self.inputs
        } | {n for n in (self.order[-1], *self.watched) if n in self.inputs}
        super().write(repeats)

    def scalar_inputs(self) -> set[Value]:
        """The inputs scalar code reads, each in a variable; the layers' come as matrices."""
        return self.kept

    def _index_halves(self, node: Value) -> list[Any]:
        """The input positions of a sum's operands, or of a dot's two halves."""
        where = xp.asarray([self.inputs[p] for p in node.parents])
        # Named for the node, or for what it does when it has no name: index_dot_w.
        term = self.variables.get(node) or node._operation.name
        if node._operation is ops.SUM:
            return [self.bind(self.fresh(f"index_{term}"), where)]
        n = len(where) // 2
        return [
            self.bind(self.fresh(f"index_{term}_{half}"), part)
            for half, part in (("w", where[:n]), ("x", where[n:]))
        ]

    def _inputs(self) -> None:
        self.emit(1, "p = values  # the inputs as one array")
        if self.kept:
            self.emit(1, "values = values.tolist()  # scalar code reads floats")
        super()._inputs()
        if self.matrices or self.over_inputs:
            self.emit(1, "# the layers' weights and biases from the inputs")
            for name, index, column, _ in self.matrices:
                self.emit(1, f"{name} = p[{index}{', None' if column else ''}]")

    def _forward(self, node: Value, indent: int) -> None:
        index = self.over_inputs.get(node)
        if index is None:
            super()._forward(node, indent)
            return
        if node._operation is ops.SUM:
            value = f"float(p[{index[0]}].sum())"
        else:
            value = f"float(xp.matmul(p[{index[0]}], p[{index[1]}]))"
        comment = f"{node.op} of {len(node.parents)} inputs, as arrays"
        self.emit(indent, f"{self.name(node)} = {value}", comment, node)

    def _backward(self, node: Value, indent: int, assigned: set[Value]) -> None:
        index = self.over_inputs.get(node)
        if index is None:
            super()._backward(node, indent, assigned)
            return
        g = self.grad(node)
        halves = (
            [(index[0], g)]
            if node._operation is ops.SUM
            else [
                (index[0], f"{g} * p[{index[1]}]"),
                (index[1], f"{g} * p[{index[0]}]"),
            ]
        )
        n = len(node.parents) // len(halves)
        for k, (where, term) in enumerate(halves):
            unique = len(set(node.parents[k * n : (k + 1) * n])) == n
            line = f"grads[{where}] += {term}" if unique else f"xp.add_at(grads, {where}, {term})"
            self.late.append((line, f"{node.op}: d{self.name(node)}/d(each input)"))

    # -- the piece, forward -------------------------------------------------------------

    def _loop_forward(self, repeat: Repeat) -> None:
        template, fan = repeat.pieces[0], self.name(repeat.fan_in)
        samples = len(repeat.pieces)
        self.emit(1, f"# {fan} gathers {samples} copies of one piece of {len(template)} nodes,")
        self.emit(1, "# one per sample; the piece runs once, each row one number per sample.")
        varying = varying_columns(repeat.constants)
        columns = {c: j for j, c in enumerate(repeat.constants[0])}
        layers = self.layers[repeat]
        in_layers = {n for layer in layers for n in (*layer.pre, *layer.activations)}
        # The constants code reads one by one; a layer reading only data gets a matrix.
        read_by_rows = {
            p for node in template if node not in in_layers for p in node.parents if p in columns
        } | {
            x
            for layer in layers
            if not all(r in columns for r in layer.inputs)
            for x in layer.inputs
            if x in columns
        }
        names = []
        table = []
        for j in varying:
            constant = repeat.constants[0][j]
            if constant in read_by_rows:
                name = self.name(constant)
                self.scope[constant] = Expr(name)
                names.append(name)
                table.append([row[j].data for row in repeat.constants])
        if names:
            data = self.bind(self.fresh("samples"), xp.asarray(table, dtype=float))
            targets = ", ".join(names) + ("," if len(names) == 1 else "")
            self.emit(1, f"{targets} = {data}", "the constants that differ between samples")
        self.per_sample.update(self.scope[c].text for c in repeat.constants[0] if c in self.scope)
        first = _first_members(template, layers)
        with self._as_arrays(samples):
            for node in template:
                if node in first:
                    layer, part = first[node]
                    if part == "a":
                        self._layer_forward(layer, repeat, columns)
                    else:
                        self._activation_forward(layer, self.blocks, samples)
                elif node not in in_layers:
                    self._row_forward(node)
        root = self.read(template[-1])
        fan_in = repeat.fan_in
        if fan_in._operation is ops.SUM or repeat.links:
            total = f"float({self._whole(root, samples)}.sum())"
            if repeat.links:
                terms = [
                    *(self.read(t).text for t in repeat.before),
                    total,
                    *(self.read(t).text for t in repeat.after),
                ]
                self.bind("add_up", add_up)
                total = f"add_up([{', '.join(terms)}])" if len(terms) > 1 else total
            self.emit(1, f"{fan} = {total}", f"{fan_in.op} over the samples", fan_in)
        else:
            roots = self.root_lists[repeat] = self.fresh("roots")
            self.emit(1, f"{roots} = {self._whole(root, samples)}.tolist()")
            forward = self._call_forward(fan_in, Expr(roots))
            self.emit(1, f"{fan} = {forward}", f"{fan_in.op} of the samples' roots", fan_in)

    def _whole(self, expr: Expr, samples: int) -> str:
        """The text of a piece's value as one number per sample, even where all are the same."""
        if expr.text in self.per_sample:
            return expr.text
        return f"xp.per_sample({expr.text}, {samples})"

    def _layer_forward(self, layer: Layer, repeat: Repeat, columns: dict[Value, int]) -> None:
        number, samples, blocks = layer.number, len(repeat.pieces), self.blocks
        h = self._reads(layer, repeat, columns)
        names = self.layer_names[layer]
        a, w, b = names.a, names.w, names.b
        bias = f" + {b}" if b else ""
        each = f"{layer.pre[0].op} of {len(layer.inputs)}"
        many = len(layer.neurons) > 1
        size = f"{len(layer.neurons)} neurons, each a {each}" if many else f"1 neuron, a {each}"
        comment = f"layer {number}: {size}"
        self.emit(1, f"{a} = xp.matmul({w}, {h}){bias}", comment, layer.pre[0])
        block = _Block(a, names.delta, layer.pre, samples, h)
        for neuron in layer.pre:
            self.exprs[neuron] = Expr(f"{a}[{block.rows[neuron]}]")
            blocks[neuron] = block
            self.per_sample.add(self.exprs[neuron].text)
        self.per_sample.add(a)

    def _reads(self, layer: Layer, repeat: Repeat, columns: dict[Value, int]) -> str:
        """Write the matrix a layer reads (one row per input); return its name."""
        reads, samples = layer.inputs, len(repeat.pieces)
        block = self.blocks.get(reads[0])
        if block is not None and block.nodes == reads:
            return block.name
        # Named with the layer's other arrays; were the blocks to say otherwise, a fresh name.
        name = self.layer_names[layer].reads or self.fresh(f"h{layer.number - 1}")
        if all(x in columns for x in reads):
            j = [columns[x] for x in reads]
            data = xp.asarray([[row[i].data for row in repeat.constants] for i in j], dtype=float)
            self.bind(name, data)
            self.emit(1, f"# {name}: the samples' {len(reads)} inputs, one row each (data)")
            self.data_names.add(name)
            return name
        items = ", ".join(self.read(x).text for x in reads)
        self.emit(1, f"{name} = xp.rows([{items}], {samples})", "the layer's inputs, stacked")
        self.stacked[name] = reads
        return name

    def _activation_forward(self, layer: Layer, blocks: dict[Value, _Block], samples: int) -> None:
        source = blocks[layer.pre[0]]
        node = layer.activations[0]
        op = node._operation
        a = Expr(source.name)
        value = trace(lambda: op.forward(a, *node._params), where) if op in INLINE else None
        if value is None:
            value = call(f"xp.{op.function}", a, *node._params)
        h, dh = self.layer_names[layer].h, self.layer_names[layer].dh
        self.emit(1, f"{h} = {as_expr(value).text}", f"{node.op}, one per neuron", node)
        block = _Block(h, dh, layer.activations, samples)
        for act in layer.activations:
            self.exprs[act] = Expr(f"{h}[{block.rows[act]}]")
            blocks[act] = block
            self.per_sample.add(self.exprs[act].text)
        self.per_sample.add(h)

    def _row_forward(self, node: Value) -> None:
        self._forward(node, 1)
        if any(self.read(p).text in self.per_sample for p in node.parents):
            self.per_sample.add(self.name(node))

    def _call_forward(self, node: Value, *args: object) -> Expr:
        if self.samples is None:
            return super()._call_forward(node, *args)
        op = node._operation
        if op.function:  # a row of the table
            return call(f"xp.{op.function}", *args)
        function = self._bind_user(op, "", op.forward)
        self.notes.append(
            f"{self.name(node)} ({op.name!r}, an operation of your own) runs sample by sample "
            "in Python: its forward rule and local derivatives are functions of floats"
        )
        items = ", ".join(as_expr(a).text for a in args)
        each = "each_n" if op.arity == 0 else "each"
        return Expr(f"xp.{each}({function}, {self.samples}, {items})")

    def _call_local(self, node: Value, operands: list[Expr], out: Expr) -> str:
        if self.samples is None:
            return super()._call_local(node, operands, out)
        op = node._operation
        name = self._bind_user(op, "_local", op.local)
        items = ", ".join(e.text for e in (*operands, out))
        return f"xp.each_local({name}, {self.samples}, {op.arity}, {items})"

    @contextlib.contextmanager
    def _as_arrays(self, samples: int) -> Iterator[None]:
        """Inside, rules are traced for arrays of ``samples`` numbers: tests as ``xp.where``."""
        self.samples, self.join, self.math = samples, where, array_code_math
        try:
            yield
        finally:
            self.samples, self.join, self.math = None, conditional, code_math

    # -- the piece, backward ------------------------------------------------------------

    def _loop_backward(self, repeat: Repeat, assigned: set[Value]) -> None:
        template, fan_in = repeat.pieces[0], repeat.fan_in
        samples, fan = len(repeat.pieces), self.name(fan_in)
        g = self.grad(fan_in)
        self.emit(1, f"# {fan} over the samples: the piece's backward pass, once for all of them")
        contributions: dict[Any, list[str]] = {}
        root = template[-1]
        if fan_in._operation is ops.SUM or repeat.links:
            contributions[root] = [f"xp.full({samples}, {g})"]
        else:
            rule = fan_in._operation
            local = (
                self._bind_user(rule, "_local", rule.local)
                if not rule.function
                else self.bind(f"d_{rule.name}", rule.local)
            )
            ds, roots = self.local_name(fan_in), self.root_lists[repeat]
            self.emit(1, f"{ds} = xp.asarray({local}({roots}, {fan}, float_math))", "", fan_in)
            contributions[root] = [f"{g} * {ds}"]
        layers = self.layers[repeat]
        first = _first_members(template, layers)
        in_layers = {n for layer in layers for n in (*layer.pre, *layer.activations)}
        with self._as_arrays(samples):
            for node in reversed(template):
                if node in first:
                    layer, part = first[node]
                    if part == "a":
                        self._layer_backward(layer, contributions)
                    else:
                        self._activation_backward(layer, contributions)
                elif node not in in_layers:
                    self._row_backward(node, contributions)

    def _gathered(self, key: Any, contributions: dict[Any, list[str]]) -> str:
        terms = contributions.pop(key, [])
        return " + ".join(terms) if terms else "0.0"

    def _block_gradient(
        self, block: _Block, contributions: dict[Any, list[str]], inline: bool = False
    ) -> str:
        """Write the gradient of a block from what its users passed back; return its name.

        With ``inline``, one term is returned as it is, to be written into the line that
        reads it: ``delta1 = xp.matmul(W2.T, delta2) * ...``, the recursion in one line.
        """
        samples_rows = [contributions.pop(node, []) for node in block.nodes]
        terms = contributions.pop(block, [])
        if any(samples_rows):
            rows = ", ".join(" + ".join(t) if t else "0.0" for t in samples_rows)
            terms = [f"xp.rows([{rows}], {block.samples})", *terms]
        if inline and len(terms) == 1:
            # A call (xp.matmul(W2.T, delta2)) needs no parentheses of its own.
            term = terms[0]
            return term if term.startswith("xp.matmul(") and term.endswith(")") else f"({term})"
        self.emit(1, f"{block.grad} = {' + '.join(terms) or '0.0'}", f"d(output)/d{block.name}")
        return block.grad

    def _activation_backward(self, layer: Layer, contributions: dict[Any, list[str]]) -> None:
        block = self.blocks[layer.activations[0]]
        source = self.blocks[layer.pre[0]]
        gh = self._block_gradient(block, contributions, inline=True)
        node = layer.activations[0]
        op = node._operation
        a, h = Expr(source.name), Expr(block.name)
        (local,) = trace(lambda: op.local(a, h, array_code_math, *node._params), where)
        contributions.setdefault(source, []).append(times(Expr(gh), local))

    def _layer_backward(self, layer: Layer, contributions: dict[Any, list[str]]) -> None:
        block = self.blocks[layer.pre[0]]
        delta = self._block_gradient(block, contributions)
        names = self.layer_names[layer]
        w, b = names.w, names.b
        h = block.reads
        summed = f"d(output)/d{w}, summed over the samples"
        self.emit(1, f"{names.dw} = xp.matmul({delta}, {h}.T)", summed)
        if b:
            summed = f"d(output)/d{b}, summed over the samples"
            self.emit(1, f"{names.db} = {delta}.sum(axis=1)", summed)
        if h in self.data_names:
            return
        back = f"xp.matmul({w}.T, {delta})"
        below = self.blocks.get(layer.inputs[0])
        if below is not None and below.name == h:
            contributions.setdefault(below, []).append(back)
            return
        gh = names.dreads or self.fresh(f"d{h}")
        self.emit(1, f"{gh} = {back}", f"d(output)/d{h}")
        for i, x in enumerate(self.stacked[h]):
            if x in self.varies:
                self._pass_back(x, f"{gh}[{i}]", contributions)

    def _pass_back(self, parent: Value, term: str, contributions: dict[Any, list[str]]) -> None:
        if parent in self.inputs:
            self.emit(1, f"{self.grad(parent)} += ({term}).sum()", "summed over the samples")
        elif parent in self.varies:
            contributions.setdefault(parent, []).append(term)

    def _row_backward(self, node: Value, contributions: dict[Any, list[str]]) -> None:
        g = Expr(self.grad(node))
        self.emit(1, f"{g.text} = {self._gathered(node, contributions)}", "", node)
        for parent, derivative in zip(node.parents, self._local(node, 1), strict=True):
            if parent in self.varies:
                self._pass_back(parent, times(g, derivative), contributions)

    # -- the result ---------------------------------------------------------------------

    def _return(self, output: Value) -> None:
        self.emit(1, f"grads = xp.zeros({len(self.inputs)})")
        scalar = [n for n in self.inputs if n in self.kept]
        if scalar:
            where = self.fresh("index_scalars")
            self.bind(where, xp.asarray([self.inputs[n] for n in scalar]))
            names = ", ".join(self.grad(n) for n in scalar)
            self.emit(1, f"grads[{where}] = [{names}]", "what the scalar code added up")
        for _, index, _, gradient in self.matrices:
            self.emit(1, f"grads[{index}] += {gradient}", "the layers' share, added in")
        for line, comment in self.late:
            self.emit(1, line, comment)
        plan: list[tuple[int, int]] = []
        sources: list[str] = []
        for node in self.watched:
            found = self.pieces.get(node)
            if found is None:
                text, k = self.read(node).text, -1
            else:
                k, i, repeat = found
                text = self._whole(self.read(repeat.pieces[0][i]), len(repeat.pieces))
            if text not in sources:
                sources.append(text)
            plan.append((sources.index(text), k))
        watched = "[]"
        if plan:
            bound = self.bind(self.fresh("watch_plan"), plan)
            watched = f"xp.watched({bound}, [{', '.join(sources)}])"
        self.emit(1, f"return {self.read(output).text}, grads, {watched}")


_OVER_INPUTS = 8  # fewer operands than this: scalar code is as quick


def _first_members(template: list[Value], layers: list[Layer]) -> dict[Value, tuple[Layer, str]]:
    """For each layer, its ``a`` block's and its activation's first node in the piece's order."""
    position = {node: i for i, node in enumerate(template)}
    first: dict[Value, tuple[Layer, str]] = {}
    for layer in layers:
        first[min(layer.pre, key=position.__getitem__)] = (layer, "a")
        if layer.activations:
            first[min(layer.activations, key=position.__getitem__)] = (layer, "h")
    return first


__all__ = ["ArrayWriter", "array_code_math", "where"]
