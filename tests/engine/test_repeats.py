"""engine.codegen.repeats: the per-sample piece of a batch is found, and only a true repeat is."""

import engine
from engine import Value
from engine.codegen import Repeat, repeated_pieces


def repeats_of(out: Value, inputs: list[Value]) -> list[Repeat]:
    return repeated_pieces(engine.topological_order(out), inputs)


def test_the_same_model_on_each_sample_is_one_repeat() -> None:
    w, b = Value(0.5), Value(0.1)
    samples = [1.0, 2.0, -1.0, 0.5, 3.0]
    terms = [((w * x + b).tanh() - y) ** 2 for x, y in zip(samples, samples[::-1], strict=True)]
    out = engine.sum(terms)
    (repeat,) = repeats_of(out, [w, b])
    assert repeat.fan_in is out
    assert [piece[-1] for piece in repeat.pieces] == terms
    assert all(len(piece) == 5 for piece in repeat.pieces)  # *, +, tanh, -, **2
    # Each copy's constants in the same order: its x, then its y.
    assert [[c.data for c in row] for row in repeat.constants] == [
        [x, y] for x, y in zip(samples, samples[::-1], strict=True)
    ]


def test_pieces_of_different_shapes_are_not_a_repeat() -> None:
    w = Value(0.5)
    out = engine.sum([(w * 1.0).tanh(), (w * 2.0).tanh(), (w * 3.0).tanh(), (w * 4.0).sin()])
    assert repeats_of(out, [w]) == []


def test_pieces_that_share_an_inner_node_are_not_a_repeat() -> None:
    w = Value(0.5)
    shared = w.exp()
    out = engine.sum([(shared * c).tanh() for c in [1.0, 2.0, 3.0, 4.0]])
    assert repeats_of(out, [w]) == []


def test_fewer_than_four_copies_are_written_out() -> None:
    w = Value(0.5)
    out = engine.sum([(w * c).tanh() for c in [1.0, 2.0, 3.0]])
    assert repeats_of(out, [w]) == []


def test_a_root_used_twice_is_not_a_repeat() -> None:
    w = Value(0.5)
    piece = (w * 2.0).tanh()
    out = engine.sum([piece, piece, (w * 3.0).tanh(), (w * 4.0).tanh()])
    assert repeats_of(out, [w]) == []


def test_copies_reading_different_inputs_are_not_a_repeat() -> None:
    ws = [Value(float(i)) for i in range(5)]
    out = engine.sum([(w * 2.0).tanh() for w in ws])
    assert repeats_of(out, ws) == []


def test_repeats_do_not_nest_and_the_outer_one_wins() -> None:
    w = Value(0.5)
    inner = [engine.sum([(w * float(c + k)).tanh() for c in range(4)]) for k in range(5)]
    out = engine.sum([v * 2.0 for v in inner])
    (repeat,) = repeats_of(out, [w])
    assert repeat.fan_in is out
