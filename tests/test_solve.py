"""The solver's answers meet the target, one step less does not, and nothing better was missed.

Every law is checked against a plain loop over the range with :func:`symrf.evaluate` and
against the brute-force oracle: the returned values are exactly the best feasible ones
(smallest for ``>=``, largest for ``<=``, all for ``==``; the Pareto front for several
unknowns; the cheapest under a cost), and the exact relaxed root solves the relaxed equation.
"""

from __future__ import annotations

import json
import operator

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symrf
from symrf.cli import main
from symrf.errors import NoSolutionError
from symrf.layers.repeat import Repeat
from symrf.solve import Domain, Relation, Target, Unknown, search, solve

import oracle

X, Y, Z = symrf.symbols("x y z")
I, L, K, N, T = symrf.symbols("i L k n T")  # noqa: E741  # i is the index, as in the papers
RELATIONS = {">=": operator.ge, "<=": operator.le, "==": operator.eq, ">": operator.gt,
             "<": operator.lt}
searches = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def questions(draw, unknowns=(X,)):
    """A chain of 1-4 windows with each unknown in one parameter, and a target on it."""
    count = draw(st.integers(1, 4))
    layers = [
        dict(kernel=draw(st.integers(1, 5)), stride=draw(st.integers(1, 3)),
             dilation=draw(st.integers(1, 3)),
             padding=draw(st.sampled_from([0, 1, 2, "same", "valid"])))
        for _ in range(count)
    ]
    slots = st.tuples(st.integers(0, count - 1), st.sampled_from(["kernel", "stride", "dilation"]))
    places = draw(st.lists(slots, min_size=len(unknowns), max_size=len(unknowns), unique=True))
    for unknown, (layer, key) in zip(unknowns, places, strict=True):
        layers[layer][key] = unknown
    padding = {"same": symrf.Padding.SAME, "valid": symrf.Padding.VALID}
    net = symrf.Sequential(*[
        symrf.Conv(**{**p, "padding": padding.get(p["padding"], p["padding"])}) for p in layers
    ])
    sized = draw(st.booleans()) or any(
        p["padding"] == "same" and p["stride"] != 1 for p in layers)
    figure = draw(st.sampled_from(
        ["rf", "jump", "left", "right", "padding", "rf_min"] + (["size"] if sized else [])))
    relation = draw(st.sampled_from(list(RELATIONS)))
    bound = draw(st.integers(-4, 60) if figure in ("left", "center") else st.integers(1, 60))
    return net, f"{figure} {relation} {bound}", (draw(st.integers(24, 64)) if sized else None)


def truth(net, target, values, size):
    """The exact figures of one assignment, or None when that network does not exist."""
    try:
        return symrf.evaluate(net, input_size=size, **values)
    except symrf.SymrfError:
        return None


def meets(report, target: Target) -> bool:
    return report is not None and RELATIONS[target.relation.value](
        report.figure(target.figure), target.bound)


@pytest.mark.slow
@searches
@given(question=questions(), hi=st.integers(1, 12))
def test_one_unknown_answers_exactly_the_best_feasible_values(question, hi):
    net, text, size = question
    target = Target.parse(text)
    feasible = [v for v in range(1, hi + 1) if meets(truth(net, target, {"x": v}, size), target)]
    if not feasible:
        with pytest.raises(NoSolutionError, match=f"x in 1..{hi}"):
            solve(net, target, "x", ranges={"x": (1, hi)}, input_size=size)
        return
    answer = solve(net, target, "x", ranges={"x": (1, hi)}, input_size=size)
    found = [s.values["x"] for s in answer.solutions]
    if target.relation is Relation.EQUAL:
        assert found == feasible
    elif target.relation.maximises:
        assert found == [max(feasible)]
    else:
        assert found == [min(feasible)]
    assert answer.feasible == len(feasible)
    for solution in answer.solutions:  # the figures come from the numeric path ...
        report = truth(net, target, solution.values, size)
        assert solution.figures[target.figure] == report.figure(target.figure)
        # ... and agree with the brute-force oracle
        exact = net.substitute({X: sympy.Integer(solution.values["x"])})
        assert RELATIONS[target.relation.value](
            getattr(oracle.figures(exact, size), target.figure), target.bound)
    for neighbour in answer.neighbours:  # one step less (or more, for <=) fails
        assert not meets(truth(net, target, neighbour.values, size), target)
        assert abs(neighbour.values["x"] - found[0]) == 1 or abs(
            neighbour.values["x"] - found[-1]) == 1


def dominated(point, others) -> bool:
    return any(all(o <= p for o, p in zip(other, point, strict=True)) and other != point
               for other in others)


@pytest.mark.slow
@searches
@given(question=questions(unknowns=(X, Y)), hi=st.integers(1, 6), hi2=st.integers(1, 6))
def test_pareto_front_equals_an_exhaustive_loop(question, hi, hi2):
    net, text, size = question
    target = Target.parse(text)
    feasible = [(x, y) for x in range(1, hi + 1) for y in range(1, hi2 + 1)
                if meets(truth(net, target, {"x": x, "y": y}, size), target)]
    ranges = {"x": (1, hi), "y": (1, hi2)}
    if not feasible:
        with pytest.raises(NoSolutionError):
            solve(net, target, ["x", "y"], ranges=ranges, input_size=size)
        return
    answer = solve(net, target, ["x", "y"], ranges=ranges, input_size=size)
    found = [(s.values["x"], s.values["y"]) for s in answer.solutions]
    if target.relation.maximises:
        expected = [p for p in feasible if not dominated(tuple(-c for c in p),
                                                         [tuple(-c for c in q) for q in feasible])]
    else:
        expected = [p for p in feasible if not dominated(p, feasible)]
    assert sorted(found) == sorted(expected)
    cheapest = solve(net, target, ["x", "y"], ranges=ranges, input_size=size,
                               minimize="x*y**2")
    least = min(x * y**2 for x, y in feasible)
    assert {s.cost for s in cheapest.solutions} == {least}
    assert all(meets(truth(net, target, s.values, size), target) for s in cheapest.solutions)


@pytest.mark.slow
@searches
@given(kernels=st.lists(st.integers(1, 5), min_size=1, max_size=4),
       strides=st.lists(st.integers(1, 3), min_size=4, max_size=4),
       slot=st.sampled_from(["kernel", "dilation"]), bound=st.integers(2, 300))
def test_the_exact_root_solves_the_relaxed_equation(kernels, strides, slot, bound):
    layers = [symrf.Conv(kernel=k, stride=s) for k, s in zip(kernels, strides, strict=False)]
    layers[0] = symrf.Conv(**{"kernel": kernels[0], "stride": strides[0], slot: X})
    net = symrf.Sequential(*layers)
    answer = solve(net, f"rf >= {bound}", "x", ranges={"x": (1, 400)}) if _reachable(
        net, bound) else None
    if answer is None:
        return
    formula = symrf.derive(net).rf
    if "x" not in answer.exact:  # x does not matter, or the root is not positive
        assert answer.value == 1
        assert X not in sympy.sympify(formula).free_symbols or sympy.solve(formula - bound, X) in (
            [], [0])
        return
    (root,) = answer.exact["x"]
    assert sympy.simplify(formula.xreplace({X: root}) - bound) == 0
    # the integer answer is the root rounded up, since rf grows with x here
    assert answer.value == max(1, sympy.ceiling(root))


def _reachable(net, bound: int) -> bool:
    return symrf.evaluate(net, x=400).rf >= bound


def tcn(levels=L):
    d = 2**I
    causal = [symrf.Pad(left=(K - 1) * d), symrf.Conv(kernel=K, dilation=d)]
    return Repeat(symrf.Parallel(causal + causal, []), times=levels, index=I)


def test_tcn_depth_for_a_sequence_of_1000():
    answer = solve(tcn(), "rf >= 1000", "L", values={"k": 3})
    assert (answer.value, answer.solutions[0].rf) == (8, 1021)
    (neighbour,) = answer.neighbours
    assert (neighbour.values["L"], neighbour.rf) == (7, 509)
    (root,) = answer.exact["L"]  # 2**L = (T - 1)/(2(k - 1)) + 1
    assert sympy.simplify(2**root - (sympy.Integer(999) / (2 * (K - 1)) + 1)) == 0
    assert float(answer.exact_value["L"][0]) == pytest.approx(7.9701, abs=1e-4)


def test_kernel_for_rf_224_in_four_stride_two_layers():
    net = symrf.Sequential(*[symrf.Conv(kernel=K, stride=2)] * 4)
    answer = solve(net, "rf >= 224", "k")
    assert (answer.value, answer.solutions[0].rf, answer.neighbours[0].rf) == (16, 226, 211)
    assert answer.exact["k"] == (sympy.Rational(238, 15),)
    odd = solve(net, "rf >= 224", "k", odd=["k"])
    assert (odd.value, odd.neighbours[0].values["k"]) == (17, 15)


def test_dilation_schedule_with_odd_kernels():
    d1, d2 = symrf.symbols("d1 d2")
    net = symrf.Sequential(symrf.Conv(kernel=K, dilation=d1), symrf.Conv(kernel=K, dilation=d2),
                           symrf.Conv(kernel=K, dilation=4 * d1))
    answer = solve(net, "rf >= 65", ["k", "d1"], values={"d2": 2 * d1}, odd=["k"],
                   ranges={"k": (3, 9), "d1": (1, 16)})
    assert [(s["k"], s["d1"], s["d2"], s.rf) for s in answer.solutions] == [
        (3, 5, 10, 71), (5, 3, 6, 85), (7, 2, 4, 85)]
    (root,) = answer.exact["d1"]
    assert sympy.simplify(root - 64 / (7 * (K - 1))) == 0


def test_symbolic_target_gives_the_papers_root():
    answer = solve(Repeat(symrf.Conv(kernel=K), times=N), "rf >= T", "k",
                   values={"n": 4, "T": 224})
    assert answer.exact["k"] == ((T + N - 1) / N,)
    assert answer.exact_value["k"] == (sympy.Rational(227, 4),)
    assert answer.value == 57


def test_input_size_as_the_unknown_and_whole_input_coverage():
    alexnet = symrf.zoo.build("alexnet")
    answer = solve(alexnet, "size >= 6", "n_in")
    assert (answer.value, answer.solutions[0].size, answer.neighbours[0].size) == (223, 6, 5)
    stack = Repeat(symrf.Conv(kernel=3, stride=2, padding=1), times=N)
    deep = solve(stack, "rf >= n_in", "n", input_size=224)
    assert (deep.value, deep.solutions[0].rf, deep.neighbours[0].rf) == (7, 255, 127)


def test_a_non_monotone_figure_is_searched_not_assumed():
    # TF 'same' padding of a stride-2 conv alternates with the input length's parity.
    net = symrf.Conv(kernel=3, stride=2, padding=symrf.Padding.SAME)
    answer = solve(net, "padding >= 1", "n_in", ranges={"n_in": (8, 14)})
    assert [s["n_in"] for s in answer.solutions] == [9]  # the smallest; 10 fails again
    assert [s["n_in"] for s in answer.neighbours] == [8]
    every = solve(net, "padding == 1", "n_in", ranges={"n_in": (8, 14)})
    assert [s["n_in"] for s in every.solutions] == [9, 11, 13]
    assert [s["n_in"] for s in every.neighbours] == [8, 14]


def test_powers_of_two_and_strict_relations():
    net = symrf.Sequential(*[symrf.Conv(kernel=3, stride=X)] * 4)
    answer = solve(net, "jump < 100", "x", powers_of_two=["x"], ranges={"x": (1, 64)})
    assert (answer.value, answer.solutions[0].jump, answer.neighbours[0]["x"]) == (2, 16, 4)
    assert Unknown("x", 1, 64, Domain.POWERS_OF_TWO).candidates() == (1, 2, 4, 8, 16, 32, 64)


def test_no_solution_names_the_nearest_values_on_each_side():
    net = Repeat(symrf.Conv(kernel=K), times=7)
    with pytest.raises(NoSolutionError) as caught:
        solve(net, "rf == 100", "k", ranges={"k": (1, 31)})
    assert str(caught.value) == (
        "nothing in k in 1..31 gives rf == 100: the nearest are rf = 99 at k = 15 and rf = 106 "
        "at k = 16; widen the range (--range) or relax the target.")


def test_invalid_layers_are_neither_counted_nor_reported_as_nearest():
    # padding (k - 1)/2 is a whole number only for odd k: even kernels build no network.
    net = symrf.Sequential(*[symrf.Conv(kernel=K, dilation=2**j, padding=2**j * (K - 1) / 2)
                             for j in range(3)])
    answer = solve(net, "rf >= 100", "k")
    assert (answer.value, answer.feasible) == (17, 504)  # odd k from 17 to 1023
    with pytest.raises(NoSolutionError) as caught:
        solve(net, "rf == 100", "k")
    expected = ("rf = 99 at k = 15 and rf = 113 at k = 17; 512 of 1024 assignments give no "
                "valid network (e.g. k = 2: ")
    assert expected in str(caught.value)


def test_large_values_beyond_float_precision_are_decided_exactly():
    # 2**60 + 1 and 2**60 + 2 are the same float; the solver must not confuse them.
    net = Repeat(symrf.Conv(kernel=3, stride=2), times=N)  # rf = 2**(n+1) - 1
    answer = solve(net, f"rf >= {2**61}", "n", ranges={"n": (1, 80)})
    assert (answer.value, answer.solutions[0].rf) == (61, 2**62 - 1)
    equal = solve(net, f"rf == {2**61 - 1}", "n", ranges={"n": (1, 80)})
    assert [s["n"] for s in equal.solutions] == [60]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"target": "rfx >= 3", "for_": "k"}, "did you mean 'rf'"),
    ({"target": "rf => 3", "for_": "k"}, "not FIGURE RELATION VALUE"),
    ({"target": "rf >= 3", "for_": "q", "values": {"k": 3}}, "q does not appear in the network"),
    ({"target": "rf >= 3", "for_": "q"}, "no value for k; give it with --set k="),
    ({"target": "rf >= 3", "for_": "k", "ranges": {"k": (5, 2)}}, "LO <= HI"),
    ({"target": "rf >= 3", "for_": "k", "odd": ["k"], "even": ["k"]}, "both odd and even"),
    ({"target": "rf >= 3", "for_": "k", "ranges": {"j": (1, 2)}}, "add --for j"),
    ({"target": "rf >= 3", "for_": "k", "values": {"k": 3}}, "both given a value and solved"),
    ({"target": "rf >= n_in", "for_": "k"}, "give --input SIZE"),
    ({"target": "rf >= 3", "for_": "k", "minimize": "k*q"}, "q is not an unknown"),
    ({"target": "rf >= 3", "for_": "n_in", "input_size": 32}, "not both"),
    ({"target": "rf >= __import__", "for_": "k"}, "target"),
])
def test_bad_questions_say_what_and_how_to_fix(kwargs, message):
    with pytest.raises(symrf.SymrfError, match=message):
        solve(symrf.Conv(kernel=K), **kwargs)


def test_cli_solves_and_prints_json(capsys, tmp_path):
    spec = tmp_path / "tcn.toml"
    spec.write_text(
        'name = "tcn"\n[[layers]]\nop = "repeat"\ntimes = "L"\nindex = "i"\n'
        '[[layers.layers]]\nop = "parallel"\nbranches = [[\n'
        '  {op = "pad", left = "(k-1)*2**i"}, {op = "conv", kernel = "k", dilation = "2**i"},\n'
        '  {op = "pad", left = "(k-1)*2**i"}, {op = "conv", kernel = "k", dilation = "2**i"}],\n'
        '  [{op = "identity"}]]\n')
    status = main(["solve", str(spec), "--for", "L", "--target", "rf>=1000", "--set", "k=3",
                   "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert status == 0
    assert data["unknowns"] == ["L"] and data["target"] == "rf >= 1000"
    assert (data["solutions"][0]["L"], data["solutions"][0]["rf"]) == (8, 1021)
    assert sympy.sympify(data["exact"]["L"]).free_symbols == {sympy.Symbol("k")}
    assert data["searched"] == {"L": [1, 1024]} and data["neighbours"][0]["rf"] == 509


def test_cli_no_solution_is_one_line_and_exit_2(capsys):
    status = main(["solve", "dilated-stack", "--for", "n_in", "--target", "size>=5000",
                   "--range", "n_in=1..64"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and "nearest are size = 64 at n_in = 64" in err


@pytest.mark.parametrize("arguments", [
    ["--range", "k=1-9"], ["--target", "rf"], ["--minimize", "k**"],
])
def test_cli_bad_options_exit_2(capsys, arguments):
    base = {"--target": "rf>=9", "--range": "k=1..9"}
    options = dict(zip(arguments[::2], arguments[1::2], strict=True))
    argv = ["solve", "vgg16", "--for", "k"]
    for key, value in {**base, **options}.items():
        argv += [key, value]
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("symrf: error:") and err.count("\n") == 1


def test_table_and_latex_show_the_answer_and_the_root():
    net = symrf.Sequential(*[symrf.Conv(kernel=K, stride=2)] * 4)
    answer = solve(net, "rf >= 224", "k")
    table = symrf.render.FORMATS["table"](answer)
    assert "exact relaxed root: k = 238/15 ≈ 15.867" in table
    assert table.splitlines()[3].split()[:2] == ["16", "226"]
    latex = symrf.render.FORMATS["latex"](answer)
    assert "k &= \\frac{238}{15}" in latex and "$16$ & $226$" in latex


def test_chunked_fronts_equal_the_grid_front(monkeypatch):
    # Spaces too large for a boolean grid merge each chunk's hits into the front instead.
    net = symrf.Sequential(symrf.Conv(kernel=X, dilation=Y), symrf.Conv(kernel=Z, stride=2),
                           symrf.Conv(kernel=X))
    ranges = {"x": (1, 9), "y": (1, 6), "z": (1, 7)}
    grid = solve(net, "rf >= 40", ["x", "y", "z"], ranges=ranges)
    monkeypatch.setattr(search, "MASK_LIMIT", 0)
    monkeypatch.setattr(search, "CHUNK", 17)
    chunked = solve(net, "rf >= 40", ["x", "y", "z"], ranges=ranges)
    assert [s.values for s in chunked.solutions] == [s.values for s in grid.solutions]
    assert len(grid.solutions) > 3 and chunked.feasible == grid.feasible


def test_a_space_too_large_to_search_is_refused_at_once():
    net = symrf.Sequential(*(symrf.Conv(kernel=u) for u in (X, Y, Z)), symrf.Conv(kernel=K))
    with pytest.raises(symrf.TooLargeError, match="narrow the ranges with --range"):
        solve(net, "rf >= 10", ["x", "y", "z", "k"])  # 1024**4 assignments


def test_progress_bar_draws_on_stderr_for_large_spaces(capsys):
    from symrf import cli
    show = cli._progress_bar()
    show(10, 20)  # one chunk or less: nothing to show
    show(cli.CHUNK, 4 * cli.CHUNK)
    show(4 * cli.CHUNK, 4 * cli.CHUNK)
    err = capsys.readouterr().err
    assert f"[{'#' * 7}{'.' * 23}]  25% {cli.CHUNK}/{4 * cli.CHUNK}" in err
    assert err.endswith("\r")


def test_fractional_bounds_are_decided_exactly():
    c2 = symrf.Sequential(symrf.Conv(kernel=28), symrf.Conv(kernel=28))
    answer = solve(c2, "size == 7*n_in/10", "n_in", ranges={"n_in": (100, 400)})
    assert [s["n_in"] for s in answer.solutions] == [180]  # size 126 = 7*180/10
    seven = solve(symrf.Conv(kernel=7), "rf == 10*k/21 + 1/3", "k", ranges={"k": (1, 100)})
    assert [s["k"] for s in seven.solutions] == [14]  # 10*14/21 + 1/3 = 7


def test_costs_are_decided_exactly_beyond_float_precision():
    net = symrf.Sequential(symrf.Conv(kernel=X), symrf.Conv(kernel=Y))
    answer = solve(net, "rf >= 10", ["x", "y"], ranges={"x": (1, 10), "y": (1, 10)},
                   minimize="2**60 + x - y")
    assert [(s["x"], s["y"], s.cost) for s in answer.solutions] == [(1, 10, 2**60 - 9)]


def test_a_cost_has_no_failing_neighbour():
    net = symrf.Sequential(symrf.Conv(kernel=K), symrf.Conv(kernel=K))
    answer = solve(net, "rf >= 5", "k", minimize="(k - 10)**2")
    assert answer.value == 10 and answer.neighbours == ()


def test_bounds_of_resampling_networks_give_no_root():
    up = symrf.Sequential(symrf.Conv(kernel=3, stride=2), symrf.ConvTranspose(kernel=K, stride=2),
                          symrf.Conv(kernel=3))
    answer = solve(up, "rf >= 20", "k")
    assert (answer.value, answer.solutions[0].rf, answer.neighbours[0].rf) == (17, 21, 19)
    assert answer.exact == {} and answer.method == "exact"
    period = solve(up, "period == 2", "k", ranges={"k": (1, 8)})  # no formula at all
    assert [s["k"] for s in period.solutions] == [
        v for v in range(1, 9) if symrf.evaluate(up, k=v).period == 2]


def test_many_values_invalid_before_the_answer_are_skipped_not_a_crash():
    net = symrf.Sequential(symrf.Conv(kernel=3, padding=K - 100), symrf.Conv(kernel=3))
    assert solve(net, "left >= 0", "k", ranges={"k": (1, 20001)}).value == 100


def test_input_size_values_and_checks():
    stack = Repeat(symrf.Conv(kernel=3, stride=2, padding=1), times=N)
    m = symrf.symbols("m")[0]
    assert solve(stack, "rf >= n_in", "n", input_size=m, values={"m": 224}).value == 7
    with pytest.raises(symrf.NetworkError, match="no value for m"):
        solve(stack, "rf >= n_in", "n", input_size=m)
    with pytest.raises(symrf.NetworkError, match="at least 1"):
        solve(stack, "rf >= 9", "n", input_size=0)
    with pytest.raises(symrf.NetworkError, match="the target is on size"):
        solve(stack, "size >= 9", "n")
    square = symrf.Conv(kernel=[K, 3])
    with pytest.raises(symrf.NetworkError, match="one size per axis"):
        solve(square, "rf >= n_in", "k", input_size=(40, 30))


@pytest.mark.parametrize("target", ["rf >= 1/(k - 1)", "rf >= k**k"])
def test_bounds_that_are_no_number_or_huge_do_not_crash(target):
    net = symrf.Sequential(symrf.Conv(kernel=K, stride=2), symrf.Conv(kernel=K))
    answer = solve(net, target, "k", ranges={"k": (1, 300)})
    for solution in answer.solutions:
        bound = symrf.parse(target.split(">=")[1]).subs(K, solution["k"])
        assert bound.is_finite and solution.rf >= bound


def test_cli_solving_for_n_in_replaces_the_specs_input_size(tmp_path, capsys):
    spec = tmp_path / "sized.toml"
    spec.write_text('input = {size = 64}\n[[layers]]\nop = "conv"\nkernel = 3\nstride = 2\n')
    assert main(["solve", str(spec), "--for", "n_in", "--target", "size>=40"]) == 0
    assert capsys.readouterr().out.splitlines()[3].split()[:2] == ["81", "40"]  # (81-3)//2+1


def test_raw_strings_never_reach_sympy():
    # Spec text and Python strings go through the safe parser, never sympify.
    with pytest.raises(symrf.ScalarTypeError, match="is the string"):
        Target("rf", Relation.AT_LEAST, "__import__('os').system('true')")
    with pytest.raises(symrf.ScalarTypeError, match="input size is the string"):
        solve(symrf.Conv(kernel=K), "rf >= 3", "k", input_size="224")
    with pytest.raises(symrf.ExpressionError, match="function call"):
        solve(symrf.Conv(kernel=K), "rf >= 3", "k", minimize="__import__('os')")


# ------------------------------------------------------------------ issue 18: checked, bounded

CHAIN = symrf.Sequential(symrf.Conv(kernel=K, stride=2), Repeat(symrf.Conv(kernel=3), times=N))


@pytest.mark.parametrize(("call", "message"), [
    (lambda: solve(CHAIN, None, "n", values={"k": 3}),
     "solve: the target is None; give a relation such as 'rf >= 224', or a Target."),
    (lambda: solve(CHAIN, "rf >= 100", 5, values={"k": 3}),
     ("solve: the unknown 5 is not a symbol name; give a name such as 'k', a symbol, an "
     "Unknown, or a list of them.")),
    (lambda: solve(CHAIN, "rf >= 100", ["n", None], values={"k": 3}),
     "solve: the unknown None is not a symbol name"),
    (lambda: solve(CHAIN, "rf >= 100", "n", values={"k": 3}, ranges={"n": (float("nan"), 3)}),
     "range of n: LO is the float nan; give a whole number, e.g. n=1..31."),
    (lambda: solve(CHAIN, "rf >= 100", "n", values={"k": 3}, ranges={"n": (True, 3)}),
     "range of n: LO is the bool True; give a whole number, e.g. n=1..31."),
    (lambda: solve(CHAIN, "rf >= 100", "n", values={"k": 3}, ranges={"n": 5}),
     "solve: the range of n is 5; give a pair (lo, hi), e.g. ranges={'n': (1, 31)}."),
    (lambda: solve(CHAIN, "rf >= 100", "n", values={"k": 3}, ranges=[("n", 1, 3)]),
     "solve: ranges is the list [('n', 1, 3)]; give a mapping of names to (lo, hi)"),
    (lambda: solve(CHAIN, "rf >= 100", "n", values={"k": 3}, odd=5),
     "solve: the unknowns restricted to odd are 5; give a list of names, e.g. ['k']."),
    (lambda: solve(CHAIN, "rf >= 100", "n", values=[("k", 3)]),
     "solve: values is a list; give a mapping of symbol names to numbers"),
    (lambda: solve(CHAIN, "rf >= 100", "n", values={"k": 3}, progress=5),
     "solve: progress is 5; give a function progress(done, total), or None."),
    (lambda: solve(CHAIN, "rf >= 100", "n", values={"k": 3}, minimize=N**N**N),
     ("the cost (--minimize): 25**8881784197...3447265625 (a 35-digit number) is larger than "
     "symrf handles (2**8192)")),
    (lambda: solve(CHAIN, "rf >= 100", "n", values={"k": 3}, minimize="n**n**n"),
     "the cost (--minimize): 25**8881784197...3447265625"),
    (lambda: solve(CHAIN, "rf >= n**n**n", "n", values={"k": 3}),
     "the bound of rf: "),  # then the first power past the limit, n**(n**n) at some n
    (lambda: solve(CHAIN, "rf >= 100", "n", values={"k": 3}, input_size=sympy.sqrt(5) * 10),
     "input size 10*sqrt(5) is 10*sqrt(5), not a positive integer; give --input N"),
])
def test_bad_arguments_and_huge_numbers_are_one_symrf_error(call, message):
    with pytest.raises(symrf.SymrfError) as raised:
        call()
    assert message in str(raised.value)


def test_numpy_integers_are_ranges_and_values():
    np = pytest.importorskip("numpy")

    answer = solve(CHAIN, "rf >= 100", "n", values={"k": np.int64(3)},
                   ranges={N: (np.int64(1), np.int64(100))})
    assert answer.value == 25 and answer.searched == {"n": (1, 100)}
    assert type(answer.unknowns[0].lo) is int


def test_a_cost_within_the_limits_is_still_minimised():
    answer = solve(CHAIN, "rf >= 5", "n", values={"k": 3}, minimize=N**N**N)
    assert [s.values for s in answer.solutions] == [{"n": 1}]
    assert answer.solutions[0].cost == 1


def test_cli_minimize_past_the_limits_is_one_line(tmp_path, capsys):
    path = tmp_path / "k.toml"
    path.write_text('[[layers]]\nop="conv"\nkernel="k"\nstride=2\n'
                    '[[layers]]\nop="conv"\nkernel="2*k+1"\n')
    status = main(["solve", str(path), "--for", "k", "--target", "rf>=50", "--minimize",
                   "k**k**k"])
    _, err = capsys.readouterr()
    assert status == 2 and err.count("\n") == 1
    assert "the cost (--minimize): 10**10000000000 is larger than symrf handles" in err
