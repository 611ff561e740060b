"""The Python writer behind ``engine.compile``: a graph's forward and backward pass, line by line.

``Writer`` holds what one compilation needs (the order, the inputs, the names, the lines
written so far) and writes the module: the inputs, the forward pass in topological order,
then the chain rule from the last node to the first, each line traced from the
operation's own rules in ``engine.ops``. A piece that repeats per sample is written once,
as a loop; ``engine.codegen.arrays.ArrayWriter`` writes it as array code instead.
"""

from __future__ import annotations

import functools
import operator
import re
from collections import Counter
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any, NamedTuple

from engine import float_math, ops
from engine.codegen import names
from engine.codegen.tracer import (
    INLINE,
    NAMESPACE,
    Expr,
    Join,
    as_expr,
    call,
    code_math,
    conditional,
    literal,
    trace,
)
from engine.network import Layer, find_network
from engine.network.repeats import (
    Repeat,
    chain_terms,
    varying,
)
from engine.value import Value

# The names the code binds itself, whatever the graph: no node's variable may take them.
_OWN_NAMES = (
    *("values", "data", "forward_backward", "add_up", "pick_inputs", "pick_data"),
    *("p", "grads", "d", "_"),
    *("float_math", "xp", "ops", "math"),
    *(op.function for op in ops.TABLE),
    *(f"d_{op.name}" for op in ops.TABLE),
)
_IDENTIFIER = re.compile(r"\b[A-Za-z_]\w*")
_COMMENT_AT = 44  # the column where comments start, when the code leaves room
_LABEL_CHARS = 40  # longer labels are cut in comments
# A wider sum or dot is a call on a list: Python's compiler recurses into a long chain of
# + and would run out of stack on thousands of terms.
_INLINE_OPERANDS = 64


class _Loop(NamedTuple):
    """A loop over a piece's copies: the names its backward lines read, those lines, its lists."""

    needed: list[str]
    body: list[tuple[str, int, int]]
    roots: str
    saved: str


class Writer:
    """Writes the generated module line by line."""

    HEADER: tuple[str, ...] = (
        "Each variable has its node's name in the pictures: W1_3_0 is W1[3,0], the weight of",
        "layer 1's neuron 3 on input 0; b1_3 is its bias, a1_3 = W1[3,:] . x + b1_3 and",
        "h1_3 = f(a1_3); x_0 is the input x[0], L the loss; a label you gave stays. A node with",
        "no name is v<i>, i its place in the topological order. d<name> is d(output)/d(name)",
        "(g<i> is v<i>'s); delta1_3 = d(output)/d(a1_3) is the error signal. Each backward line",
        "adds one chain-rule term: the gradient of a node times its local derivative.",
    )

    def __init__(
        self,
        order: list[Value],
        position: dict[Value, int],
        inputs: dict[Value, int],
        watched: tuple[Value, ...],
        data: dict[Value, int] | None = None,
    ) -> None:
        self.order, self.position, self.inputs, self.watched = order, position, inputs, watched
        self.data = data or {}  # the leaves whose numbers each call gives, with no gradient
        # The nodes the code computes at each call, and those among them whose gradient it
        # computes: a node that depends on the data alone (a label's sign) needs none.
        self.varies: set[Value] = varying(order, {**inputs, **self.data})
        self.tracked: set[Value] = varying(order, inputs) if self.data else self.varies
        # Each line, the node it is for (or -1) and the node whose gradient it adds to (or -1).
        self.lines: list[tuple[str, int, int]] = []
        self.namespace: dict[str, Any] = {**NAMESPACE, "float_math": float_math}
        self.scope: dict[Value, Expr] = {}  # the constants a loop body reads as variables
        self.looped: set[Value] = set()  # the nodes a loop computes (set by choose_names)
        self.where: dict[Value, str] = {}  # how the code reads a watched node in a loop
        # How the code writes a rule's test and which math namespace rules are traced with.
        self.join: Join = conditional
        self.math: Any = code_math
        self.loops: dict[Repeat, _Loop] = {}
        # Chains of binary + (Python's sum): the forward pass adds each chain's terms in one
        # line at its top; the backward pass gives each link's terms the top's gradient, at
        # the link's own place, so that every gradient adds up in the engine's order.
        self.chains: dict[Value, list[Value]] = {}  # a chain's top: its terms
        self.links: set[Value] = set()  # the links below the tops: no forward line
        self.chain_top: dict[Value, Value] = {}  # every link: its chain's top
        self.roots: set[Value] = set()  # the pieces' roots that a chain adds: set in the loop
        # A term that only its chain uses has the top's gradient: it is the top's variable.
        self.alias: dict[Value, Value] = {}
        self.uses: Counter[Value] = Counter()
        self.taken = names.Names((*self.namespace, *_OWN_NAMES))
        self.variables: dict[Value, str] = {}  # the nodes with a name, not a number
        self.gradients: dict[Value, str] = {}
        self.layers: dict[Repeat, list[Layer]] = {}  # each loop's piece: its layers

    def sums(self, chains: Iterable[list[Value]], uses: Counter[Value]) -> None:
        """Write each chain of binary + (Python's sum) as one sum of its terms."""
        self.uses = uses
        for links in chains:
            self.chains[links[-1]] = chain_terms(links)
            self._chain(links)

    def _chain(self, links: list[Value]) -> None:
        self.links.update(links[:-1])
        top = links[-1]
        for link in links:
            self.chain_top[link] = top
        for term in chain_terms(links):
            if (
                self.uses[term] == 1
                and term in self.varies
                and term not in self.inputs
                and term not in self.roots
                and term not in self.chain_top
            ):
                self.alias[term] = top

    # -- names ------------------------------------------------------------------------

    def choose_names(self, repeats: list[Repeat]) -> None:
        """Name the variables: each node the code holds, as the pictures name it (see names)."""
        looped = self.looped
        for repeat in repeats:
            for piece in repeat.pieces:
                looped.update(piece)
        rest = [n for n in self.order if n not in looped]
        held = [n for n in rest if n in self.varies]
        layers: list[Layer] = []
        fallbacks: dict[Value, str] = {}
        for repeat in repeats:
            template = repeat.pieces[0]
            if repeat not in self.layers:
                self.layers[repeat] = find_network(template, set(self.inputs), shared=False).layers
            layers += self.layers[repeat]
            held += template
            held += [repeat.constants[0][j] for j in varying_columns(repeat.constants)]
            if repeat.links or repeat.fan_in._operation is ops.SUM:
                fallbacks[repeat.fan_in] = "total"  # the sum of the copies' roots
        layers += names.layers_outside(rest, self.inputs, layers)
        fallbacks[self.order[-1]] = "L"  # the loss
        held = sorted(set(held), key=self.position.__getitem__)
        pictures = names.layer_names(layers)
        self.variables = names.choose(held, pictures, fallbacks, self.taken)
        own = [n for n in held if n in self.tracked]
        deltas = names.error_signals(layers)
        self.gradients = names.gradients(own, self.variables, deltas, self.taken)

    def fresh(self, name: str) -> str:
        """Return ``name``, or ``name_2``, ... if the code already uses it; it is then taken."""
        return self.taken.fresh(name)

    def name(self, node: Value) -> str:
        """The variable that holds ``node``'s number: its name, or ``v<i>``."""
        return self.variables.get(node) or f"v{self.position[node]}"

    def local_name(self, node: Value) -> str:
        """The name of the list of a node's local derivatives, when a call gives them."""
        name = self.variables.get(node)
        return f"d{self.position[node]}" if name is None else self.fresh(f"local_{name}")

    def read(self, node: Value) -> Expr:
        """The expression of a node's number: its variable, or the constant it holds."""
        if node in self.varies:
            return Expr(self.name(node))
        variable = self.scope.get(node)
        return literal(node.data) if variable is None else variable

    def grad(self, node: Value) -> str:
        """The variable that holds ``node``'s gradient: ``d<name>``, its delta, or ``g<i>``."""
        while node in self.alias:
            node = self.alias[node]
        return self.gradients.get(node) or f"g{self.position[node]}"

    def bind(self, name: str, thing: object) -> str:
        """Make ``thing`` a global of the generated code, as ``name``; return the name."""
        bound = self.namespace.setdefault(name, thing)
        assert bound is thing, f"two things named {name!r} in generated code"
        return name

    def emit(
        self,
        indent: int,
        code: str,
        comment: str = "",
        node: Value | None = None,
        target: Value | None = None,
    ) -> None:
        """Write a line of code, its comment, the node it computes and the one it adds to."""
        line = "    " * indent + code
        if comment:
            line = (
                f"{line:<{_COMMENT_AT}}  # {comment}"
                if len(line) < _COMMENT_AT
                else (f"{line}  # {comment}")
            )
        at = -1 if node is None else self.position[node]
        self.lines.append((line, at, -1 if target is None else self.position[target]))

    # -- the module -------------------------------------------------------------------

    def write(self, repeats: list[Repeat]) -> None:
        """Write the module: the forward pass, then the backward pass, each piece a loop."""
        piece_of: dict[Value, Repeat] = {}
        for repeat in repeats:
            for piece in repeat.pieces:  # self.looped holds them since choose_names
                piece_of.update(dict.fromkeys(piece, repeat))
            if repeat.links:
                self.roots.update(repeat.roots)
                self._chain(repeat.links)
        output = self.order[-1]
        for text in ('"""Forward and backward pass of one graph, written by engine.compile.', ""):
            self.emit(0, text)
        for text in self.HEADER:
            self.emit(0, text)
        if any(node._parents and not node._operation.function for node in self.order):
            self.emit(0, "")
            self.emit(0, "ops.<name> is an operation of your own (engine.operation).")
        arguments = "values, data" if self.data else "values"
        for text in ('"""', "", "", f"def forward_backward({arguments}):"):
            self.emit(0, text)
        self.emit(1, '"""Return the output, its gradient by each input, the watched values."""')
        self._inputs()
        self._data()
        self.emit(1, "# forward: each node from its operands")
        fan_ins = {repeat.fan_in: repeat for repeat in repeats}
        for node in self.order:
            if node in self.varies and node.parents and node not in self.looped:
                if node in fan_ins:
                    self._loop_forward(fan_ins[node])
                else:
                    self._forward(node, 1)
        self.emit(1, "# backward: d(output)/d(output) = 1, then the chain rule, last node first")
        assigned = set(self.inputs)
        if output in self.varies:
            kept = self.scalar_inputs()
            self._zeros(1, [self.grad(leaf) for leaf in self.inputs if leaf in kept])
            self.emit(1, f"{self.grad(output)} = 1.0")
            assigned.add(output)
        written: set[Repeat] = set()
        for node in reversed(self.order):
            if node not in self.tracked or not node.parents:
                continue
            # A loop's backward pass runs where the engine's pass meets its first node: an
            # n-ary node gathering copies, or (Python's sum) the last copy's own nodes.
            loop = fan_ins.get(node)
            if loop is None or loop.links:
                loop = piece_of.get(node)
            if loop is not None and loop not in written:
                written.add(loop)
                self._loop_backward(loop, assigned)
            if node not in self.looped and (node not in fan_ins or fan_ins[node].links):
                self._backward(node, 1, assigned)
        self._return(output)

    def _return(self, output: Value) -> None:
        results = ", ".join(self.grad(n) if n in self.varies else "0.0" for n in self.inputs)
        watched = ", ".join(self.where.get(n) or self.read(n).text for n in self.watched)
        self.emit(1, f"return {self.read(output).text}, [{results}], [{watched}]")

    def _zeros(self, indent: int, names: list[str], node: Value | None = None) -> None:
        for start in range(0, len(names), 8):
            self.emit(indent, " = ".join([*names[start : start + 8], "0.0"]), "", node)

    def scalar_inputs(self) -> set[Value]:
        """The inputs the code keeps in variables (``W1_3_0``, ``dW1_3_0``): here, all it uses."""
        return {leaf for leaf in self.inputs if leaf in self.position}

    def _inputs(self) -> None:
        kept = self.scalar_inputs()
        if not kept:
            return
        held = [leaf for leaf in self.inputs if leaf in kept]
        read = [(self.name(leaf), self.inputs[leaf]) for leaf in held]
        width = max(8, *(len(name) for name, _ in read))
        self.emit(1, "# inputs, in the order given to engine.compile:")
        for leaf, (name, _) in zip(held, read, strict=True):
            label = f" {_quote(leaf.label)}" if leaf.label else ""
            self.emit(1, f"#   {name:<{width}}{label}".rstrip())
        if all(leaf in kept or leaf not in self.position for leaf in self.inputs):
            targets = [self.name(leaf) if leaf in kept else "_" for leaf in self.inputs]
            self.emit(1, f"{', '.join(targets)}{',' if len(targets) == 1 else ''} = values")
        elif len(read) == 1:
            self.emit(1, f"{read[0][0]} = values[{read[0][1]}]")
        else:
            pick = self.bind("pick_inputs", operator.itemgetter(*(j for _, j in read)))
            self.emit(1, f"{', '.join(name for name, _ in read)} = {pick}(values)")

    def _data(self) -> None:
        """Read the data leaves that code outside a loop uses from ``data``, by name."""
        held = [leaf for leaf in self.data if leaf in self.position and leaf not in self.looped]
        if held:
            self.emit(1, "# the data, in the order given to engine.compile")
            names = [self.name(leaf) for leaf in held]
            self.emit(1, f"{', '.join(names)}, = {self.read_data(held)}")

    def read_data(self, held: list[Value]) -> str:
        """The text that reads these data leaves' numbers from ``data``, as a sequence."""
        if len(held) == len(self.data):
            return "data"
        if len(held) == 1:  # itemgetter would give the number itself, not a sequence of one
            return f"(data[{self.data[held[0]]}],)"
        return f"{self.bind('pick_data', operator.itemgetter(*map(self.data.get, held)))}(data)"

    # -- one node ---------------------------------------------------------------------

    def _forward(self, node: Value, indent: int) -> None:
        if node in self.links:
            return
        terms = self.chains.get(node)
        if terms is not None:
            self.bind("add_up", add_up)
            items = ", ".join(self.read(t).text for t in terms)
            comment = f"+ of {len(terms)} terms, left to right (a chain of {len(terms) - 1} +)"
            self.emit(indent, f"{self.name(node)} = add_up([{items}])", comment, node)
            return
        label = f" {_quote(node.label)}" if node.label else ""
        value = self._value(node).text
        self.emit(indent, f"{self.name(node)} = {value}", f"{node.op}{label}", node)

    def _value(self, node: Value) -> Expr:
        """The expression of a node's number, from its operation's forward rule."""
        op = node._operation
        operands = [self.read(p) for p in node.parents]
        if op in INLINE and len(operands) <= _INLINE_OPERANDS:
            if op.arity == 0:
                return as_expr(trace(lambda: op.forward(operands), self.join))
            return as_expr(trace(lambda: op.forward(*operands, *node._params), self.join))
        if op.arity == 0:
            return self._call_forward(node, Expr(f"[{', '.join(e.text for e in operands)}]"))
        return self._call_forward(node, *operands, *node._params)

    def _local(self, node: Value, indent: int) -> list[Any]:
        """A node's local derivatives as expressions, from its operation's rule.

        A user's operation gets a line of its own that calls its rule by name.
        """
        op = node._operation
        operands = [self.read(p) for p in node.parents]
        out = self.read(node)
        if not op.function:  # an operation of the user's
            ds = self.local_name(node)
            self.emit(indent, f"{ds} = {self._call_local(node, operands, out)}", op.name, node)
            return [Expr(f"{ds}[{i}]") for i in range(len(operands))]
        m, join = self.math, self.join
        if op.arity == 0:
            return list(trace(lambda: op.local(operands, out, m), join))
        if op.arity == 1:
            return list(trace(lambda: op.local(operands[0], out, m, *node._params), join))
        return list(trace(lambda: op.local(operands[0], operands[1], out, m), join))

    def _call_local(self, node: Value, operands: list[Expr], out: Expr) -> str:
        """The call of a user's operation's local derivatives, on floats."""
        op = node._operation
        name = self._bind_user(op, "_local", op.local)
        items = ", ".join(e.text for e in operands)
        return f"{name}({f'[{items}]' if op.arity == 0 else items}, {out.text}, float_math)"

    def _call_forward(self, node: Value, *args: object) -> Expr:
        op = node._operation
        if not op.function:  # an operation of the user's
            return call(self._bind_user(op, "", op.forward), *args)
        return call(self.bind(op.function, op.forward), *args)

    def _bind_user(self, op: ops.Op, suffix: str, thing: object) -> str:
        """Bind a user's operation (engine.operation) into the code as ``ops.<its name>``.

        Its name is the user's, so it gets a namespace of its own: as a plain name,
        an operation called ``float`` or ``v3`` would hide Python's ``float`` or the
        code's own variable.
        """
        space = self.namespace.setdefault("ops", SimpleNamespace())
        name, k = f"{op.name}{suffix}", 1
        # Taken: another operation of the same name, or an attribute every namespace has.
        while getattr(space, name, thing) is not thing:
            k += 1
            name = f"{op.name}_{k}{suffix}"
        setattr(space, name, thing)
        return f"ops.{name}"

    def _backward(self, node: Value, indent: int, assigned: set[Value]) -> None:
        top = self.chain_top.get(node)
        if top is not None:
            # A link of a chain: its gradient is the top's, and so is each term's it adds.
            for each in node.parents:
                if self.chain_top.get(each) is top or each in self.roots or each in self.alias:
                    continue  # a link of the same chain, a piece's root (set in its loop), or
                    # a term that only this chain uses, whose gradient is the top's variable
                if each in self.tracked:
                    sign = "+=" if each in assigned else "="
                    assigned.add(each)
                    comment = f"+: d{self.name(top)}/d{self.name(each)} = 1"
                    self.emit(
                        indent, f"{self.grad(each)} {sign} {self.grad(top)}", comment, node, each
                    )
            return
        op = node._operation
        out = Expr(self.name(node))
        local = self._local(node, indent)
        g = Expr(self.grad(node))
        if op.skips_zero and len(node.parents) > 2:
            # As the engine does: its local derivatives are finite when its value is,
            # so a zero gradient (behind an inactive ReLU, say) passes on exact zeros.
            fresh = [
                p for p in dict.fromkeys(node.parents) if p in self.tracked and p not in assigned
            ]
            assigned.update(fresh)
            self._zeros(indent, [self.grad(p) for p in fresh], node)
            self.emit(
                indent,
                f"if {g.text} != 0.0 or {out.text} - {out.text} != 0.0:",
                f"else every term is 0.0: {out.text} is finite",
                node,
            )
            indent += 1
        for parent, derivative in zip(node.parents, local, strict=True):
            if parent not in self.tracked:
                continue  # a constant or the data: its gradient is never read
            term = times(g, derivative)
            target = self.grad(parent)
            sign = "+=" if parent in assigned else "="
            assigned.add(parent)
            comment = f"{node.op}: d{out.text}/d{self.name(parent)}"
            self.emit(indent, f"{target} {sign} {term}", comment, node, parent)

    # -- a repeated piece as a loop ---------------------------------------------------

    def _loop_forward(self, repeat: Repeat) -> None:
        template, fan_in = repeat.pieces[0], repeat.fan_in
        varying = varying_columns(repeat.constants)
        targets = [self.name(repeat.constants[0][j]) for j in varying]
        for j, target in zip(varying, targets, strict=True):
            self.scope[repeat.constants[0][j]] = Expr(target)
        rows = tuple(tuple(row[j].data for j in varying) for row in repeat.constants)
        table = self.bind(self.fresh("samples"), rows)
        roots, saved = self.fresh("roots"), self.fresh("saved")
        copies, size = len(repeat.pieces), len(template)
        self.emit(1, f"# {self.name(fan_in)} gathers {copies} copies of one piece of {size} nodes,")
        self.emit(1, "# the same work on other numbers: the loop runs the first copy's")
        self.emit(1, "# lines, with its names, once for each copy's constants and data.")
        self.emit(1, f"{roots} = []")
        self.emit(1, f"{saved} = []")
        # The piece's nodes watched in any copy; each copy keeps its numbers of them.
        watched = set(self.watched)
        shown = sorted(
            {i for piece in repeat.pieces for i, node in enumerate(piece) if node in watched}
        )
        seen = [template[i] for i in shown]
        kept = self.fresh("seen") if seen else ""
        if seen:
            self.emit(1, f"{kept} = []")
        self.emit(1, self._loop_header(repeat, targets, table))
        for node in template:
            if node._parents:  # a piece's leaves are its sample's data, bound by the loop
                self._forward(node, 2)
        self.emit(2, f"{roots}.append({self.name(template[-1])})")
        # Write the backward lines now, to learn which numbers they read.
        body: list[tuple[str, int, int]] = []
        lines, self.lines = self.lines, body
        self._piece_backward(template)
        self.lines = lines
        rank = {self.name(n): self.position[n] for n in template}
        for j, target in zip(varying, targets, strict=True):
            rank[target] = self.position[repeat.constants[0][j]]
        read = {name for line in body for name in _IDENTIFIER.findall(line[0].split("#")[0])}
        needed = sorted(read.intersection(rank), key=rank.__getitem__)
        self.emit(2, f"{saved}.append(({', '.join(needed)}{',' if len(needed) == 1 else ''}))")
        if seen:
            self.emit(2, f"{kept}.append(({', '.join(map(self.name, seen))},))")
            for k, piece in enumerate(repeat.pieces):
                for j, i in enumerate(shown):
                    if piece[i] in watched:
                        self.where.setdefault(piece[i], f"{kept}[{k}][{j}]")
        self.loops[repeat] = _Loop(needed, body, roots, saved)
        if repeat.links:
            # Python's sum(): a chain of +, added left to right as the engine adds it.
            terms = [
                *(self.read(t).text for t in repeat.before),
                f"*{roots}[::-1]" if repeat.backwards else f"*{roots}",
                *(self.read(t).text for t in repeat.after),
            ]
            self.bind("add_up", add_up)
            comment = f"the chain of {len(repeat.links)} + nodes, in its order"
            self.emit(1, f"{self.name(fan_in)} = add_up([{', '.join(terms)}])", comment, fan_in)
            return
        forward = self._call_forward(fan_in, Expr(roots))
        comment = f"{fan_in.op} of the copies' roots"
        self.emit(1, f"{self.name(fan_in)} = {forward}", comment, fan_in)

    def _loop_header(self, repeat: Repeat, targets: list[str], table: str) -> str:
        """The loop's ``for`` line: each copy's constants from ``table``, its data from ``data``."""
        template = repeat.pieces[0]
        unpacked = ", ".join(targets) + ("," if len(targets) == 1 else "")
        given = [i for i, node in enumerate(template) if node in self.data]
        if not given:
            return f"for {unpacked or '_'} in {table}:"
        loop: list[str] = [f"({unpacked})"] if targets else []
        columns: list[str] = [table] if targets else []
        for i in given:
            # A repeat has four copies or more: itemgetter gives their numbers as a tuple.
            picks = operator.itemgetter(*(self.data[piece[i]] for piece in repeat.pieces))
            name = self.name(template[i])
            columns.append(f"{self.bind(self.fresh(f'pick_{name}'), picks)}(data)")
            loop.append(name)
        if len(columns) == 1:
            return f"for {loop[0]} in {columns[0]}:"
        return f"for {', '.join(loop)} in zip({', '.join(columns)}):"

    def _loop_backward(self, repeat: Repeat, assigned: set[Value]) -> None:
        template, fan_in = repeat.pieces[0], repeat.fan_in
        needed, body, roots, saved = self.loops[repeat]
        packed = ", ".join(needed) + ("," if len(needed) == 1 else "")
        g = self.grad(fan_in)
        if repeat.links:
            # Each local derivative of a + is 1.0: every root's gradient is the top's.
            loop = f"for {packed} in reversed({saved}):" if needed else f"for _ in {saved}:"
            root = g
        else:
            rule = fan_in._operation
            local = (
                self.bind(f"d_{rule.name}", rule.local)
                if rule.function
                else self._bind_user(rule, "_local", rule.local)
            )
            ds, out = self.local_name(fan_in), self.name(fan_in)
            comment = f"d{out}/d(each copy's root)"
            self.emit(1, f"{ds} = {local}({roots}, {out}, float_math)", comment, fan_in)
            loop = (
                f"for ({packed}), d in zip(reversed({saved}), reversed({ds})):"
                if needed
                else f"for d in reversed({ds}):"
            )
            root = f"{g} * d"
        self.emit(1, loop)
        self.emit(2, f"{self.grad(template[-1])} = {root}", "", fan_in, template[-1])
        self.lines += body

    def _piece_backward(self, template: list[Value]) -> None:
        assigned = set(self.inputs) | {template[-1]}
        for node in reversed(template):
            if node in self.tracked:
                self._backward(node, 2, assigned)


def add_up(terms: list[float]) -> float:
    """Return ``terms[0] + terms[1] + ...``, added left to right."""
    return functools.reduce(operator.add, terms)


def varying_columns(rows: list[list[Value]]) -> list[int]:
    """Return the constants that differ between copies; the rest are written in place."""
    first = [repr(c.data) for c in rows[0]]
    return [j for j in range(len(first)) if any(repr(row[j].data) != first[j] for row in rows)]


def times(g: Expr, derivative: object) -> str:
    """Return the text of ``g * derivative``, a chain-rule term."""
    # x * 1.0 is x and x * -1.0 is -x, bit for bit (nan and -0.0 too); nothing else folds.
    if not isinstance(derivative, Expr) and derivative == 1.0:
        return g.text
    if not isinstance(derivative, Expr) and derivative == -1.0:
        return f"-{g.text}"
    return (g * as_expr(derivative)).text


def _quote(label: str) -> str:
    """Return ``label`` as a Python string literal that cannot end a comment."""
    short = label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 3] + "..."
    quoted = repr(short)
    # repr escapes every character that is not printable, line breaks of all kinds among them.
    assert "\n" not in quoted and "\r" not in quoted
    return quoted
