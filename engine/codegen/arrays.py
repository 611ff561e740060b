"""``engine.compile(..., backend="numpy")``: a batch's per-sample piece written once, as array code.

The Python backend runs the piece in a loop, once per sample. Here each variable of
the piece holds one number per sample (a numpy row), so the piece runs once for the
whole batch; the neurons of a layer become one matrix product, ``a1 = W1 @ h0 + b1``,
and the backward pass through them is the backpropagation algorithm's recursion,
equation (4), in matrix form: ``delta1 = (W2.T @ delta2) * f'(a1)``. Parameter gradients
are summed over the samples (``dW1 = delta1 @ h0.T``). What is not part of a repeated
piece (the mean, a regularisation term) stays the Python backend's scalar code.

A product is written ``xp.matmul(W2, h1, finite_p and finite_h1)``: numpy's ``@``, made
to keep IEEE's nan where BLAS skips a zero's products, told whether its operands hold
inf or nan; each array is tested once, where it is made (``finite_h1``), not at every
product it enters. A layer's W and b are views of the inputs' array ``p`` where their
places step evenly, as ``nn``'s parameters do (``W1 = p[0:48].reshape(16, 3)[:, :2]``),
and their gradients are written into ``grads`` through the same views. The batch's data
leaves (``engine.compile(..., data=...)``) are read from ``data`` alike: the inputs a
layer reads as one matrix (``h0 = data.reshape(100, 3)[:, :2].T``), a label as a row;
nodes of the data alone (``-y``) are computed at each call and get no gradient.

Each line is still traced from the operations' own rules (``engine.codegen.tracer``),
with the tests a rule makes written ``xp.where(...)``, so the numbers are the engine's,
but for the order in which sums are added: equal to about 1e-12, not bit for bit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

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


class _Matrix(NamedTuple):
    """A layer's W or b: how code reads it from ``p`` and adds its gradient into ``grads``."""

    name: str
    read: str  # W1 = p[0:48].reshape(16, 3)[:, :2], a view; p[index_W1] where no view will do
    write: str  # grads[0:48].reshape(16, 3)[:, :2], where dW1 goes
    grad: str
    at: Any  # the inputs' positions, as an array of W's shape (or b's)


class _Slots(NamedTuple):
    """Some inputs read as one array (a dot's half): from ``p``, and their gradients' place."""

    read: str  # p itself, a view of it, or p[index]
    write: str  # the target of ``+=`` in grads; "" where an input comes twice
    bound: str  # the bound index array, for xp.add_at where an input comes twice; or ""


def basic_view(index: Any, size: int) -> str | None:
    """``a[index]`` written as basic slicing of a 1-D array ``a`` of ``size`` numbers, or None.

    ``index`` is a vector or a matrix of positions in ``a``. Where they step evenly (a
    layer's weights among ``nn``'s parameters, neuron after neuron; a batch's samples laid
    out one after another in ``data``), slices and a reshape read them as a view, with
    no copy, and ``+=`` on the same text writes through it; numpy's fancy indexing
    ``a[index]`` copies instead, at about a microsecond per array. The text has ``{}``
    for the array: ``{}[0:48].reshape(16, 3)[:, :2]``. Each text is tried on
    ``arange(size)`` before it is taken: it must give ``index`` itself, as a view.
    """
    index = np.asarray(index)
    for text in _slicings(index, size):
        base = np.arange(size, dtype=float)
        try:
            got = eval(text.format("base"), {"base": base})  # our own text, as the code reads it
        except (IndexError, ValueError):
            continue
        if (
            got.shape == index.shape
            and np.array_equal(got, index)
            and np.may_share_memory(got, base)
        ):
            return str(text)
    return None


def _target(view: str) -> str:
    """``view`` as the target of ``=`` or ``+=`` that writes into its array: a subscript.

    ``grads[:] = dW`` writes into grads where ``grads = dW`` would rebind the name, and a
    call (``.reshape``) or an attribute (``.T``) cannot be assigned to: ``[...]`` can.
    """
    if view.isidentifier():
        return f"{view}[:]"
    return view if view.endswith("]") else f"{view}[...]"


def _slicings(index: Any, size: int) -> Iterator[str]:
    """The basic slicings that may read ``index`` from a 1-D array, for ``basic_view``."""
    if index.size == 0 or index.ndim not in (1, 2):
        return
    first = int(index.flat[0])
    if index.ndim == 1:
        step = int(index[1] - index[0]) if len(index) > 1 else 1
        cut = _slice(first, len(index), step, size)
        if cut is not None:
            yield "{}" if cut == ":" else f"{{}}[{cut}]"
        return
    rows, columns = index.shape
    if columns == 1 or rows == 1:  # a column (a layer's b) or a row: one slice and None
        line = index[:, 0] if columns == 1 else index[0]
        step = int(line[1] - line[0]) if len(line) > 1 else 1
        cut = _slice(first, len(line), step, size)
        if cut is not None:
            yield f"{{}}[{cut}, None]" if columns == 1 else f"{{}}[None, {cut}]"
        return
    down, across = int(index[1, 0] - index[0, 0]), int(index[0, 1] - index[0, 0])
    # Each row a run of a chunk of the array (W, neuron after neuron), or each column one
    # (a batch's inputs, sample after sample): the chunks as the rows of a reshape.
    yield from _chunks(first, rows, columns, down, across, size, "")
    yield from _chunks(first, columns, rows, across, down, size, ".T")


def _chunks(
    first: int, count: int, width: int, chunk: int, step: int, size: int, transpose: str
) -> Iterator[str]:
    """``count`` runs of ``width`` numbers ``step`` apart, run i at ``first + i * chunk``."""
    span = (width - 1) * step + 1
    if chunk <= 0 or step <= 0 or span > chunk:
        return
    # The reshape's first chunk starts at first, or earlier where the last would overrun.
    offset = max(0, first + count * chunk - size)
    start = first - offset
    if start < 0 or offset + span > chunk:
        return
    stop = start + count * chunk
    whole = "{}" if start == 0 and stop == size else f"{{}}[{start}:{stop}]"
    cut = _slice(offset, width, step, chunk)
    part = "" if cut == ":" else f"[:, {cut}]"
    yield f"{whole}.reshape({count}, {chunk}){part}{transpose}"


def _slice(first: int, count: int, step: int, size: int) -> str | None:
    """The slice ``first:stop:step`` that gives ``count`` numbers of ``size``, shortest text."""
    if step == 0:
        return None
    last = first + (count - 1) * step
    if step > 0:
        start = "" if first == 0 else str(first)
        stop = "" if last + step >= size else str(last + 1)
    else:
        start = str(first)
        stop = "" if last - 1 < 0 else str(last - 1)
    text = f"{start}:{stop}" if step == 1 else f"{start}:{stop}:{step}"
    return ":" if text in (":", "::1") else text


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
        "the error signal; dW1, db1 the gradients of W1, b1. finite_h1 says h1 holds no inf or",
        "nan, so xp.matmul may leave its products to BLAS. Elsewhere a node goes by its name in",
        "the pictures (W1_3_0, x_0, L, a label) or v<i>, and its gradient by d<name> or g<i>.",
        "Sums over the samples may add in another order than the engine does.",
    )

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.namespace["xp"] = xp
        self.notes: list[str] = []
        self.exprs: dict[Value, Expr] = {}  # how array code reads a piece's node
        self.matrices: list[_Matrix] = []  # the layers' W and b, read from p
        self.kept: set[Value] = set()  # the inputs scalar code reads and adds gradients to
        self.layer_names: dict[Layer, _LayerNames] = {}
        self.pieces: dict[Value, tuple[int, int, Repeat]] = {}  # watched node: (k, i, repeat)
        self.blocks: dict[Value, _Block] = {}  # each layer's node: the block it is a row of
        self.per_sample: set[str] = set()  # expressions holding one number per sample
        self.stacked: dict[str, list[Value]] = {}  # matrices stacked from nodes' rows
        # n-ary nodes of the parameters alone (an L2 term): one array operation each.
        self.over_inputs: dict[Value, list[_Slots]] = {}
        # For each array a matrix product reads: the flag that says it holds no inf or nan
        # (finite_h1), or "True"/"False" for numbers known when compiling. Each is tested
        # once, where it is first needed (see _finite); W1 and the rest are p's.
        self.finite: dict[str, str] = {}
        self.checked_as: dict[str, str] = {}  # an array whose test is another's: W1 is p's
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
            if any(x in self.tracked for x in layer.inputs):
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
                self.matrices.append(self._matrix(names.w, where_w, names.dw))
                if layer.biases:
                    where_b = xp.asarray([self.inputs[p] for p in layer.biases])
                    self.matrices.append(self._matrix(names.b, where_b, names.db, column=True))
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

    def _matrix(self, name: str, where: Any, grad: str, column: bool = False) -> _Matrix:
        """A layer's W (or b, a column), read from ``p`` as a view where its positions allow."""
        size = len(self.inputs)
        read = basic_view(where[:, None] if column else where, size)
        write = basic_view(where, size)
        if read is None or write is None:  # positions in no even steps: numpy's fancy index
            index = self.bind(self.fresh(f"index_{name}"), where)
            read, write = f"{{}}[{index}{', None' if column else ''}]", f"{{}}[{index}]"
        self.checked_as[name] = "p"
        return _Matrix(name, read.format("p"), _target(write.format("grads")), grad, where)

    def _index_halves(self, node: Value) -> list[_Slots]:
        """The inputs a sum adds, or a dot's two halves, each read from ``p`` as one array."""
        where = xp.asarray([self.inputs[p] for p in node.parents])
        # Named for the node, or for what it does when it has no name: index_dot_w.
        term = self.variables.get(node) or node._operation.name
        if node._operation is ops.SUM:
            halves = [("", where)]
        else:
            n = len(where) // 2
            halves = [("_w", where[:n]), ("_x", where[n:])]
        slots = []
        for half, part in halves:
            # engine.dot(params, params) reads every input in order: p itself.
            view = basic_view(part, len(self.inputs))  # None where an input comes twice
            if view is not None:
                write = "grads" if view == "{}" else _target(view.format("grads"))  # grads +=
                slots.append(_Slots(view.format("p"), write, ""))
                continue
            index = self.bind(self.fresh(f"index_{term}{half}"), part)
            unique = len(set(part.tolist())) == len(part)
            slots.append(_Slots(f"p[{index}]", f"grads[{index}]" if unique else "", index))
        for slot in slots:
            self.checked_as[slot.read] = "p"  # a test of p is a test of each of its numbers
        return slots

    def _inputs(self) -> None:
        self.emit(1, "p = values  # the inputs as one array")
        if self.kept:
            self.emit(1, "values = values.tolist()  # scalar code reads floats")
        super()._inputs()
        if self.matrices:
            self.emit(1, "# the layers' weights and biases: views of p, where no copy is made")
            for matrix in self.matrices:
                self.emit(1, f"{matrix.name} = {matrix.read}")

    def read_data(self, held: list[Value]) -> str:
        """The data that scalar code reads (outside any piece), as floats."""
        if len(held) == len(self.data):
            return "data.tolist()"
        # Only these: a batch's pieces read the rest as arrays, which tolist() would copy.
        where = xp.asarray([self.data[leaf] for leaf in held])
        return f"data[{self.bind(self.fresh('index_data'), where)}].tolist()"

    def _finite(self, array: str) -> str:
        """The flag that says ``array`` (``h1``, ``W2.T``) holds no inf or nan, for xp.matmul.

        Written once, where first needed: an array enters two products or more, and
        a test per product cost the moons step at 100 samples a fifth of its time.
        """
        name = array.removesuffix(".T")
        name = self.checked_as.get(name, name)
        assert name.isidentifier(), f"no test of {array!r} for a product"
        flag = self.finite.get(name)
        if flag is None:
            flag = self.finite[name] = self.fresh(f"finite_{name}")
            comment = f"no inf or nan in {name}: see xp.matmul"
            self.emit(1, f"{flag} = xp.all_finite({name})", comment)
        return flag

    def _matmul(self, a: str, b: str, inner: int) -> str:
        """The text of the product ``a @ b`` (``inner`` terms to a sum), as IEEE gives it."""
        if inner == 1:
            # One term: the product is a * b, which numpy broadcasts (a column times a row),
            # IEEE's as it is, with nothing to test; BLAS takes six times as long on so thin
            # a product (W3.T @ delta3: 180 against 30 us at 10,000 samples).
            return f"{a} * {b}"
        flags = list(dict.fromkeys([self._finite(a), self._finite(b)]))
        if "False" in flags:
            finite = "False"
        else:
            finite = " and ".join(f for f in flags if f != "True") or "True"
        return f"xp.matmul({a}, {b}, {finite})"

    def _forward(self, node: Value, indent: int) -> None:
        index = self.over_inputs.get(node)
        if index is None:
            super()._forward(node, indent)
            return
        if node._operation is ops.SUM:
            value = f"float({index[0].read}.sum())"
        else:
            value = f"float({self._matmul(index[0].read, index[1].read, len(node.parents) // 2)})"
        comment = f"{node.op} of {len(node.parents)} inputs, as arrays"
        self.emit(indent, f"{self.name(node)} = {value}", comment, node)

    def _backward(self, node: Value, indent: int, assigned: set[Value]) -> None:
        index = self.over_inputs.get(node)
        if index is None:
            super()._backward(node, indent, assigned)
            return
        g = self.grad(node)
        if node._operation is ops.DOT and index[0] == index[1] and index[0].write:
            # A dot of inputs with themselves (an L2 term): each gets g * p twice, added in
            # one line as 2g * p, the same number (doubling is exact), half the array work.
            term = f"(2.0 * {g}) * {index[0].read}"
            comment = f"dot: d{self.name(node)}/d(each input) = 2 * itself"
            self.late.append((f"{index[0].write} += {term}", comment))
            return
        halves = (
            [(index[0], g)]
            if node._operation is ops.SUM
            else [
                (index[0], f"{g} * {index[1].read}"),
                (index[1], f"{g} * {index[0].read}"),
            ]
        )
        for slots, term in halves:
            line = (
                f"{slots.write} += {term}"
                if slots.write
                else f"xp.add_at(grads, {slots.bound}, {term})"
            )
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
        for j in varying:
            constant = repeat.constants[0][j]
            if constant in read_by_rows:
                # Bound as it is, as h0 is: no line at each call (unpacking a table of
                # rows cost 1.2 us at 100 samples, and 8 with the caches cold).
                name = self.name(constant)
                self.scope[constant] = Expr(name)
                names.append(name)
                self.bind(name, xp.asarray([row[j].data for row in repeat.constants], dtype=float))
        if names:
            rows = f"{', '.join(names)}: the constants that differ between samples, a row each"
            self.emit(1, f"# {rows} (bound)")
        self.per_sample.update(self.scope[c].text for c in repeat.constants[0] if c in self.scope)
        # The piece's data leaves: each a row read from data, where code reads it one by
        # one; a layer reading only data reads them as one matrix instead (see _reads).
        watched = set(self.watched)
        given = [node for node in template if node in self.data]
        by_rows = {
            x
            for x in given
            if any(x in node.parents for node in template if node not in in_layers)
            or any(x in layer.inputs and not self._all_data(layer) for layer in layers)
            or any(piece[template.index(x)] in watched for piece in repeat.pieces)
        }
        first = _first_members(template, layers)
        with self._as_arrays(samples):
            for node in template:
                if node in given:
                    if node in by_rows:
                        self._data_row(node, repeat)
                elif node in first:
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
        product = self._matmul(w, h, len(layer.inputs))
        if len(layer.inputs) == 1:  # the engine's dot starts at 0.0, so -0.0 * x gives 0.0
            product = f"0.0 + {product}"
        self.emit(1, f"{a} = {product}{bias}", comment, layer.pre[0])
        block = _Block(a, names.delta, layer.pre, samples, h)
        for neuron in layer.pre:
            self.exprs[neuron] = Expr(f"{a}[{block.rows[neuron]}]")
            blocks[neuron] = block
            self.per_sample.add(self.exprs[neuron].text)
        self.per_sample.add(a)

    def _all_data(self, layer: Layer) -> bool:
        """Whether a layer reads only data leaves: the batch's inputs, given at each call."""
        return all(x in self.data for x in layer.inputs)

    def _from_data(self, name: str, where: Any) -> str:
        """The text that reads the numbers at positions ``where`` of ``data``: a view if it can."""
        view = basic_view(where, len(self.data))
        if view is not None:
            return view.format("data")
        return f"data[{self.bind(self.fresh(f'index_{name}'), where)}]"

    def _data_row(self, node: Value, repeat: Repeat) -> None:
        """Write a data leaf of the piece as a row: its number in each sample, read from data."""
        i = repeat.pieces[0].index(node)
        name = self.name(node)
        where = xp.asarray([self.data[piece[i]] for piece in repeat.pieces])
        self.emit(1, f"{name} = {self._from_data(name, where)}", "data, one per sample", node)
        self.per_sample.add(name)

    def _reads(self, layer: Layer, repeat: Repeat, columns: dict[Value, int]) -> str:
        """Write the matrix a layer reads (one row per input); return its name."""
        reads, samples = layer.inputs, len(repeat.pieces)
        block = self.blocks.get(reads[0])
        if block is not None and block.nodes == reads:
            return block.name
        # Named with the layer's other arrays; were the blocks to say otherwise, a fresh name.
        name = self.layer_names[layer].reads or self.fresh(f"h{layer.number - 1}")
        if self._all_data(layer):
            at = [repeat.pieces[0].index(x) for x in reads]
            where = xp.asarray([[self.data[piece[i]] for piece in repeat.pieces] for i in at])
            comment = f"the samples' {len(reads)} inputs, one row each, from data"
            self.emit(1, f"{name} = {self._from_data(name, where)}", comment)
            return name
        if all(x in columns for x in reads):
            j = [columns[x] for x in reads]
            data = xp.asarray([[row[i].data for row in repeat.constants] for i in j], dtype=float)
            self.bind(name, data)
            self.emit(1, f"# {name}: the samples' {len(reads)} inputs, one row each (data)")
            self.finite[name] = str(bool(np.isfinite(data).all()))  # known now: no test per call
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
                elif node not in in_layers and node in self.tracked:
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
        if b:
            summed = f"d(output)/d{b}, summed over the samples"
            self.emit(1, f"{names.db} = {delta}.sum(axis=1)", summed)
            # A row's sum is a number only if each of its terms is (inf - inf is nan): db,
            # made anyway, tests delta for inf and nan, one number per neuron, not per
            # neuron and sample (1 against 21 us for 16 neurons and 10,000 samples).
            flag = self.finite[delta] = self.fresh(f"finite_{delta}")
            comment = f"no inf or nan in {delta}: {names.db} sums its rows"
            self.emit(1, f"{flag} = xp.all_finite({names.db})", comment)
        summed = f"d(output)/d{w}, summed over the samples"
        self.emit(1, f"{names.dw} = {self._matmul(delta, f'{h}.T', block.samples)}", summed)
        if not any(x in self.tracked for x in layer.inputs):
            return  # it reads the data, or nodes of the data alone: no gradient goes there
        back = self._matmul(f"{w}.T", delta, len(layer.neurons))
        below = self.blocks.get(layer.inputs[0])
        if below is not None and below.name == h:
            contributions.setdefault(below, []).append(back)
            return
        gh = names.dreads or self.fresh(f"d{h}")
        self.emit(1, f"{gh} = {back}", f"d(output)/d{h}")
        for i, x in enumerate(self.stacked[h]):
            if x in self.tracked:
                self._pass_back(x, f"{gh}[{i}]", contributions)

    def _pass_back(self, parent: Value, term: str, contributions: dict[Any, list[str]]) -> None:
        if parent in self.inputs:
            self.emit(1, f"{self.grad(parent)} += ({term}).sum()", "summed over the samples")
        elif parent in self.tracked:
            contributions.setdefault(parent, []).append(term)

    def _row_backward(self, node: Value, contributions: dict[Any, list[str]]) -> None:
        g = Expr(self.grad(node))
        self.emit(1, f"{g.text} = {self._gathered(node, contributions)}", "", node)
        for parent, derivative in zip(node.parents, self._local(node, 1), strict=True):
            if parent in self.tracked:  # not a constant, nor the data or a node of it alone
                self._pass_back(parent, times(g, derivative), contributions)

    # -- the result ---------------------------------------------------------------------

    def _return(self, output: Value) -> None:
        self.emit(1, f"grads = xp.zeros({len(self.inputs)})")
        # Each input is in one layer's W or b at most, so the layers' shares go in first,
        # written, not added: through a view of two dimensions "=" takes a third of the
        # time of "+=" (0.6 against 2.2 us for W2), which reads and writes back too.
        taken = [int(j) for matrix in self.matrices for j in matrix.at.flat]
        sign = "=" if len(taken) == len(set(taken)) else "+="
        for matrix in self.matrices:
            self.emit(1, f"{matrix.write} {sign} {matrix.grad}", "the layers' share")
        scalar = [n for n in self.inputs if n in self.kept]
        if scalar:
            where = xp.asarray([self.inputs[n] for n in scalar])
            view = basic_view(where, len(self.inputs))
            target = (
                _target(view.format("grads"))
                if view is not None
                else f"grads[{self.bind(self.fresh('index_scalars'), where)}]"
            )
            names = ", ".join(self.grad(n) for n in scalar)
            sign = "+=" if self.matrices else "="
            self.emit(1, f"{target} {sign} [{names}]", "what the scalar code added up")
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
