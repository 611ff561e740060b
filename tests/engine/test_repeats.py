"""engine.network.repeats: the per-sample piece of a batch is found, and only a true repeat is."""

import engine
from engine import Value
from engine.network import Repeat, repeated_pieces


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


# -- chains of binary + (Python's sum, or a recursive sum) ---------------------------------

SAMPLES = [1.0, 2.0, -1.0, 0.5, 3.0, -2.0]


def copies(w: Value, samples: list[float] = SAMPLES) -> list[Value]:
    """One piece per sample: the same model, ``tanh(w * x)``, on each sample's x."""
    return [(w * x).tanh() for x in samples]


def right_sum(terms: list[Value]) -> Value:
    """``t0 + (t1 + (... + tn))``, as a recursive sum builds it."""
    return terms[0] if len(terms) == 1 else terms[0] + right_sum(terms[1:])


def test_pythons_sum_is_a_chain_repeat_with_its_start_before_the_pieces() -> None:
    w = Value(0.5)
    terms = copies(w)
    out = sum(terms)  # ((0 + t0) + t1) + ...: it leans left
    assert isinstance(out, Value)
    (repeat,) = repeats_of(out, [w])
    assert repeat.fan_in is out
    assert repeat.roots == terms
    assert len(repeat.links) == len(terms) and repeat.links[-1] is out
    assert all(link.op == "+" for link in repeat.links)
    assert repeat.links[0].parents[1] is terms[0]  # innermost first: 0 + t0
    (start,) = repeat.before  # sum()'s start, 0, is a term but no piece
    assert start.data == 0.0 and not start.parents
    assert repeat.after == []
    assert [[c.data for c in row] for row in repeat.constants] == [[x] for x in SAMPLES]


def test_a_recursive_sum_is_a_right_leaning_chain_repeat() -> None:
    w = Value(0.5)
    terms = copies(w)
    out = right_sum(terms)  # t0 + (t1 + (... + t5)): the last two are added first
    (repeat,) = repeats_of(out, [w])
    assert repeat.fan_in is out
    # The pieces in the order the graph computes them; the chain adds them last to first.
    assert repeat.roots == terms and repeat.backwards
    assert len(repeat.links) == len(terms) - 1 and repeat.links[-1] is out
    assert repeat.before == [] and repeat.after == []


def test_a_mean_after_the_chain_leaves_the_chain_as_the_repeat() -> None:
    n = len(SAMPLES)
    for mean in (lambda s: s / n, lambda s: s * (1.0 / n)):
        w = Value(0.5)
        terms = copies(w)
        total = sum(terms)
        out = mean(total)
        (repeat,) = repeats_of(out, [w])
        assert repeat.fan_in is total and total is out.parents[0]
        assert repeat.roots == terms


def test_a_watched_link_stops_the_chain_and_each_side_repeats_on_its_own() -> None:
    w = Value(0.5)
    terms = copies(w, [*SAMPLES, *SAMPLES])  # 12 copies
    out = sum(terms)
    assert isinstance(out, Value)
    links = [out]
    while links[-1].parents[0].op == "+":
        links.append(links[-1].parents[0])
    links.reverse()  # links[k] adds terms[k]
    middle = links[5]  # (0 + t0 + ... + t5): watched, so the code must compute it
    order = engine.topological_order(out)
    (whole,) = repeated_pieces(order, [w])
    assert whole.roots == terms
    upper, lower = repeated_pieces(order, [w], keep=[middle])  # the outermost first
    assert upper.fan_in is out and lower.fan_in is middle
    assert upper.before == [middle] and upper.roots == terms[6:]
    assert lower.roots == terms[:6]
    assert middle not in upper.links and lower.links[-1] is middle


def test_a_balanced_tree_of_plus_is_not_a_chain_repeat() -> None:
    w = Value(0.5)
    t = copies(w, [*SAMPLES, 4.0, 5.0])  # 8 copies
    out = ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]))
    assert repeats_of(out, [w]) == []


def test_without_chains_only_an_n_ary_node_gathers_a_repeat() -> None:
    w = Value(0.5)
    chained = sum(copies(w))
    assert repeated_pieces(engine.topological_order(chained), [w], chains=False) == []
    assert len(repeated_pieces(engine.topological_order(chained), [w], chains=True)) == 1
    fused = engine.sum(copies(w))
    (repeat,) = repeated_pieces(engine.topological_order(fused), [w], chains=False)
    assert repeat.links == [] and repeat.before == [] and repeat.after == []


def test_a_run_of_pieces_in_the_middle_of_a_chain_has_the_other_terms_before_and_after() -> None:
    w = Value(0.5)
    a, b, c, d = w.exp(), w.sin() * 2.0, (w - 1.0).relu(), Value(7.0)
    terms = copies(w)
    out = sum([a, b, *terms, c, d])
    (repeat,) = repeats_of(out, [w])
    assert repeat.fan_in is out
    assert repeat.roots == terms
    start, *before = repeat.before
    assert start.data == 0.0 and before == [a, b]
    assert repeat.after == [c, d]
    assert len(repeat.links) == 2 + len(terms) + 2


def test_the_longest_run_of_copies_in_a_chain_is_the_repeat() -> None:
    w = Value(0.5)
    first, second = copies(w, SAMPLES[:3]), copies(w, SAMPLES)
    other = w.exp()
    out = sum([*first, other, *second])
    (repeat,) = repeats_of(out, [w])
    assert repeat.roots == second
    assert repeat.before[1:] == [*first, other]


def test_fewer_than_four_copies_in_a_chain_are_not_a_repeat() -> None:
    w = Value(0.5)
    assert repeats_of(sum(copies(w, SAMPLES[:3])), [w]) == []
    assert len(repeats_of(sum(copies(w, SAMPLES[:4])), [w])) == 1
