"""Hypothesis strategies for hostile input: spec documents, expression strings, command lines.

A document is drawn as Python data (dicts, lists, ints, strings...) and written out as JSON
or TOML text by :func:`to_json` and :func:`to_toml` (the standard library cannot write TOML,
nor JSON integers over 4,300 digits: :class:`Raw` is text written as it is, and
:class:`TomlOnly` a TOML date or time, a string in JSON). Three families:

- :func:`valid_documents`: chains, ``repeat`` (with and without ``index``), ``parallel``,
  graphs of ``nodes``, per-axis lists and expression strings, small enough to analyse fast;
- :func:`almost_valid_documents`: a valid document with one mistake -- a key removed,
  misspelt or retyped, a value out of range, an expression mangled, junk put in one place;
- :func:`junk`: any JSON value at all, nested.

:func:`expressions` draws expression strings in the grammar and :func:`hostile_expressions`
strings built to hurt (deep parentheses, huge literals and exponents, towers, division by
zero, unicode and dunder names, calls). :func:`command_lines` draws ``symrf`` argument lists
whose target may be a :class:`SpecFile` placeholder the test writes to disk, and
:func:`python_values` what a Python caller might pass as a parameter (sympy's ``oo``, ``nan``,
``pi``, floats, huge ints, tuples...).

The op table below is written from docs/how-to/specs.md, not read from symrf, so that the
fuzzer checks the documented schema rather than whatever the reader happens to accept.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

# ------------------------------------------------------------------ the documented schema

WINDOW_KEYS = ("kernel", "stride", "dilation", "padding")
OP_KEYS: dict[str, tuple[str, ...]] = {
    "conv": WINDOW_KEYS,
    "maxpool": WINDOW_KEYS,
    "avgpool": WINDOW_KEYS,
    "convtranspose": (*WINDOW_KEYS, "output_padding"),
    "upsample": ("factor", "mode"),
    "pixelshuffle": ("factor",),
    "pixelunshuffle": ("factor",),
    "globalpool": (),
    "linear": (),
    "adaptivepool": ("output",),
    "pad": ("left", "right"),
    "crop": ("left", "right"),
    "repeat": ("times", "layers", "index"),
    "parallel": ("branches", "merge"),
}
POINTWISE_OPS = (
    "relu", "gelu", "sigmoid", "tanh", "batchnorm", "layernorm", "dropout", "shuffle", "identity"
)
for _op in POINTWISE_OPS:
    OP_KEYS[_op] = ()
REQUIRED: dict[str, tuple[str, ...]] = {
    "conv": ("kernel",), "maxpool": ("kernel",), "avgpool": ("kernel",),
    "convtranspose": ("kernel",), "repeat": ("times", "layers"), "parallel": ("branches",),
}
"""Keys without a default, per op (docs/how-to/specs.md, "Ops and their keys")."""
TOP_KEYS = ("name", "input", "layers", "nodes", "output")
MERGES = ("add", "concat")
NAMES = ("k", "s", "d", "n", "m")
"""Symbol names the valid documents use (none is a sympy name)."""
ZOO = ("alexnet", "vgg16", "resnet18", "dilated-stack", "aspp", "mobilenet_v1")


@dataclass(frozen=True)
class Raw:
    """Text written into a document as it is: a number literal too long for ``str(int)``."""

    text: str


@dataclass(frozen=True)
class TomlOnly:
    """A TOML value JSON cannot say (a date, a time): written as it is in TOML, as a string
    in JSON."""

    text: str


# ------------------------------------------------------------------ writing documents


def to_json(value: Any) -> str:
    """``value`` as JSON text (``Raw`` verbatim, so integer literals may be any length)."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, TomlOnly):
        return json.dumps(value.text)
    if isinstance(value, dict):
        items = (f"{json.dumps(str(key))}: {to_json(item)}" for key, item in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(to_json(v) for v in value) + "]"
    return json.dumps(value)


def _toml_string(text: str) -> str:
    escapes = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
    out = []
    for char in text:
        if char in escapes:
            out.append(escapes[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_value(value: Any) -> str | None:
    """One inline TOML value, or None for what TOML cannot say (``null``: left out)."""
    if value is None:
        return None
    if isinstance(value, Raw | TomlOnly):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, dict):
        items = [(k, _toml_value(v)) for k, v in value.items()]
        return "{" + ", ".join(f"{_toml_string(str(k))} = {v}" for k, v in items if v) + "}"
    items = [_toml_value(v) for v in value]
    return "[" + ", ".join(v for v in items if v is not None) + "]"


def to_toml(document: Any) -> str:
    """``document`` as TOML: top-level keys, then ``[[layers]]``/``[[nodes]]`` tables.

    A document that is not a table (TOML has no other top level) is written as ``x = ...``.
    """
    if not isinstance(document, dict):
        return f"x = {_toml_value(document) or '0'}\n"
    lines, tables = [], []
    for key, value in document.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            tables.append((key, value))
            continue
        text = _toml_value(value)
        if text is not None:
            lines.append(f"{_toml_string(str(key))} = {text}")
    for key, entries in tables:
        for entry in entries:
            lines.append(f"\n[[{_toml_string(str(key))}]]")
            for item, value in entry.items():
                text = _toml_value(value)
                if text is not None:
                    lines.append(f"{_toml_string(str(item))} = {text}")
    return "\n".join(lines) + "\n"


def write(document: Any, format: str) -> str:
    """``document`` as text in ``format`` (``"json"`` or ``"toml"``)."""
    return to_json(document) if format == "json" else to_toml(document)


# ------------------------------------------------------------------ expression strings

_SMALL = st.integers(0, 9).map(str)
_ATOMS = st.one_of(_SMALL, st.sampled_from(NAMES))
_OPERATORS = st.sampled_from(["+", "-", "*", "/", "//", "**"])


def expressions() -> st.SearchStrategy[str]:
    """Strings in the grammar: integers, names, ``+ - * / ** //`` and parentheses."""
    return st.recursive(
        _ATOMS,
        lambda inner: st.one_of(
            st.tuples(inner, _OPERATORS, inner).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
            inner.map(lambda e: f"({e})"),
            inner.map(lambda e: f"-{e}"),
        ),
        max_leaves=6,
    )


POSITIVE_EXPRESSIONS = ("k", "k + 1", "2*k + 1", "2*k - 1", "k**2", "s", "s*k", "(k + 1)//2",
                        "n + 2", "d", "m + k")
"""Expressions that are at least 1 for every positive-integer value of their symbols."""

HOSTILE_EXPRESSIONS = (
    "0**-1", "1/0", "k/(k - k)", "1//0", "k//(s - s)", "(k - k)**-1", "0**0", "2**-1",
    "10**5000", "10**10000", "10**10001", "2**8193", "9**9999", "(9**9999)**9999",
    "((9**9999)**9999)**9999", "2**2**2**2**2", "k**k**k", "2**k", "k**(10**100)",
    "(2**8000)**8000", "10**100", "-10**100", "1" + "0" * 999, "1" * 1001,
    "(" * 200 + "1" + ")" * 200, "(" * 49 + "k" + ")" * 49, "-" * 999 + "1", "+" * 500 + "k",
    "k" + "+k" * 499, "k" + "*k" * 300, "k" + "**k" * 200,
    "__import__('os')", "__class__", "k.__class__", "().__class__.__bases__[0]", "open('x')",
    "eval('1')", "lambda: 1", "[1, 2]", "{1: 2}", "k if k else 1", "k < 3", "k and s",
    "not k", "~k", "k @ s", "k % 2", "k << 2", "k | s", "f'{k}'", "'k'", "b'k'", "1.5", "1e3",
    "1j", "...", "None", "True", "k[0]", "k()", "(yield)", "(k := 3)", "*k", "k, s", "",
    " ", "\n", "\t1", "k\n+1", "# comment", "1_000", "0x10", "0b11", "0o7", "00", "١٢",
    "\uff4b", "\u03b1 + 1", "k\u0301", "\u212a", "K", "N", "S", "E", "I", "pi", "oo", "zoo", "nan",
    "gamma", "beta", "rf", "Symbol", "Integer", "sin", "exp", "x" * 1000, "x" * 1001,
    "_k", "__k__", "k_", "if", "lambda", "None + 1", "\x00", "k\x00", "\ufeffk", "k\u200b",
)
"""Strings that must each end in an error or a sane value, never anything else."""


def hostile_expressions() -> st.SearchStrategy[str]:
    """Strings built to hurt the parser: listed attacks, random text and made-to-measure sizes."""
    sizes = st.integers(1, 12_000)
    return st.one_of(
        st.sampled_from(HOSTILE_EXPRESSIONS),
        sizes.map(lambda n: "(" * n + "1" + ")" * n),
        sizes.map(lambda n: "1" + "0" * n),
        sizes.map(lambda n: f"2**{n}"),
        st.tuples(st.integers(2, 10**6), st.integers(1, 10**6)).map(lambda t: f"{t[0]}**{t[1]}"),
        st.tuples(st.integers(2, 99), st.integers(2, 99), st.integers(2, 99)).map(
            lambda t: f"{t[0]}**{t[1]}**{t[2]}"),
        st.integers(1, 400).map(lambda n: "k" + "**k" * n),
        st.integers(1, 400).map(lambda n: "-(" * n + "k" + ")" * n),
        st.text(max_size=30),
        st.text(alphabet="()+-*/k0123456789 .", max_size=40),
        expressions(),
    )


def any_expressions() -> st.SearchStrategy[str]:
    """Valid, positive, random and hostile expression strings, mixed."""
    return st.one_of(st.sampled_from(POSITIVE_EXPRESSIONS), expressions(), hostile_expressions())


# ------------------------------------------------------------------ junk JSON values

_SCALAR_JUNK = st.one_of(
    st.none(), st.booleans(),
    st.integers(-3, 3), st.integers(), st.sampled_from([0, -1, 2**63, -(2**63), 10**30]),
    st.integers(4301, 6000).map(lambda n: Raw("9" * n)),
    st.floats(), st.sampled_from([0.5, 1.0, -0.0, 3.0, 1e308]),
    st.text(max_size=12), st.sampled_from(["", "conv", "same", "k", "1", "add", "input"]),
    st.sampled_from(["1979-05-27", "07:32:00", "1979-05-27T07:32:00Z", "1979-05-27 07:32:00",
                     "0x10", "0o7", "0b11", "1_000", "+inf", "-nan", "1e400"]).map(TomlOnly),
)


def junk() -> st.SearchStrategy[Any]:
    """Any JSON value: null, booleans, ints (also huge), floats (also nan), text, nested."""
    return st.recursive(
        _SCALAR_JUNK,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.one_of(st.text(max_size=8), st.sampled_from(
                [*TOP_KEYS, "op", "kernel", "times", "branches", "inputs"])), inner, max_size=4),
        ),
        max_leaves=8,
    )


# ------------------------------------------------------------------ valid documents

_MODES = st.sampled_from(["same", "valid", "SAME", "Valid"])


def _number(draw: Any, low: int, high: int, symbolic: bool, axes: int) -> Any:
    """An int in ``low..high``, sometimes a positive expression, sometimes one per axis."""
    def one() -> Any:
        if symbolic and low >= 1 and draw(st.integers(0, 4)) == 0:
            return draw(st.sampled_from(POSITIVE_EXPRESSIONS))
        value = draw(st.integers(low, high))
        return str(value) if draw(st.integers(0, 9)) == 0 else value

    if axes > 1 and draw(st.booleans()):
        return [one() for _ in range(axes)]
    return one()


@st.composite
def _leaf(draw: Any, symbolic: bool, axes: int, resample: bool) -> dict[str, Any]:
    choices = ["conv", "conv", "maxpool", "avgpool", "pad", "crop", *POINTWISE_OPS[:3]]
    if resample:
        choices += ["convtranspose", "upsample", "pixelshuffle", "pixelunshuffle"]
    if axes == 1:
        choices += ["globalpool", "linear", "adaptivepool"]
    op = draw(st.sampled_from(choices))
    layer: dict[str, Any] = {"op": op}
    if op in ("conv", "maxpool", "avgpool", "convtranspose"):
        layer["kernel"] = _number(draw, 1, 5, symbolic, axes)
        for key, high in (("stride", 3), ("dilation", 3)):
            if draw(st.booleans()):
                layer[key] = _number(draw, 1, high, symbolic, axes)
        if draw(st.booleans()):
            layer["padding"] = (draw(_MODES) if op != "convtranspose" and draw(st.booleans())
                                else _number(draw, 0, 2, False, axes))
        if op == "convtranspose" and draw(st.booleans()):
            layer["output_padding"] = 0
    elif op in ("upsample", "pixelshuffle", "pixelunshuffle"):
        if draw(st.booleans()):
            layer["factor"] = _number(draw, 1, 3, False, axes)
        if op == "upsample" and draw(st.booleans()):
            layer["mode"] = draw(st.sampled_from(["nearest", "linear"]))
    elif op == "adaptivepool":
        if draw(st.booleans()):
            layer["output"] = draw(st.integers(1, 3))
    elif op in ("pad", "crop"):
        for key in ("left", "right"):
            if draw(st.booleans()):
                layer[key] = _number(draw, 0, 2, False, axes)
    if draw(st.integers(0, 3)) == 0:
        layer["name"] = draw(st.sampled_from(["a", "b", "stem", "head", "conv1", "é", ""]))
    return layer


@st.composite
def _layers(draw: Any, symbolic: bool, axes: int, depth: int, resample: bool) -> list[Any]:
    count = draw(st.integers(1, 4))
    out: list[Any] = []
    for _ in range(count):
        kind = draw(st.integers(0, 9)) if depth > 0 else 0
        if kind == 8:
            block = draw(_layers(symbolic, axes, depth - 1, False))
            times: Any = draw(st.integers(0, 3))
            if symbolic and draw(st.booleans()):
                times = draw(st.sampled_from(["n", "m", "n + 1"]))
            layer: dict[str, Any] = {"op": "repeat", "times": times, "layers": block}
            if draw(st.integers(0, 2)) == 0:
                layer["index"] = "i"
                block[0] = {"op": "conv", "kernel": 3, "dilation": "2**i"}
            out.append(layer)
        elif kind == 9:
            branches = [
                draw(_layers(symbolic, axes, depth - 1, False)) for _ in range(draw(
                    st.integers(1, 3)))
            ]
            if draw(st.booleans()):
                branches.append([{"op": "identity"}])
            layer = {"op": "parallel", "branches": branches}
            if draw(st.booleans()):
                layer["merge"] = draw(st.sampled_from(MERGES))
            out.append(layer)
        else:
            out.append(draw(_leaf(symbolic, axes, resample and depth > 0)))
    return out


@st.composite
def _graph(draw: Any, symbolic: bool, axes: int) -> dict[str, Any]:
    count = draw(st.integers(1, 6))
    nodes: list[dict[str, Any]] = []
    names = ["input"]
    for index in range(count):
        name = f"n{index}"
        if index > 0 and draw(st.integers(0, 3)) == 0:
            inputs = draw(st.lists(st.sampled_from(names), min_size=2, max_size=3))
            nodes.append({"name": name, "op": draw(st.sampled_from(MERGES)), "inputs": inputs})
        else:
            node = draw(_leaf(symbolic, axes, False))
            node["name"] = name
            if draw(st.booleans()):
                node["inputs"] = [draw(st.sampled_from(names))]
            nodes.append(node)
        names.append(name)
    graph: dict[str, Any] = {"nodes": nodes}
    if draw(st.integers(0, 3)) == 0:
        graph["output"] = draw(st.sampled_from(names[1:]))
    return graph


@st.composite
def valid_documents(draw: Any, symbolic: bool | None = None) -> dict[str, Any]:
    """A spec document in the documented schema, small enough to analyse in milliseconds.

    It may still be refused for reasons only analysis sees (branches whose jumps differ, a
    feature map that vanishes for the drawn input size); that is an error, not a crash.
    """
    if symbolic is None:
        symbolic = draw(st.booleans())
    axes = draw(st.sampled_from([1, 1, 1, 2]))
    document: dict[str, Any] = {}
    if draw(st.integers(0, 3)) == 0:
        document["name"] = draw(st.sampled_from(["net", "tiny", "ünï", ""]))
    if draw(st.booleans()):
        size: Any = draw(st.integers(1, 96))
        if axes > 1 and draw(st.booleans()):
            size = [draw(st.integers(1, 96)) for _ in range(axes)]
        elif symbolic and draw(st.integers(0, 3)) == 0:
            size = "n"
        document["input"] = {"size": size}
    if draw(st.integers(0, 4)) == 0:
        document.update(draw(_graph(symbolic, axes)))
    else:
        document["layers"] = draw(_layers(symbolic, axes, 2, True))
    return document


# ------------------------------------------------------------------ one mistake


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every dict entry and list item inside ``value``."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*path, key))
            found.extend(_places(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((*path, index))
            found.extend(_places(item, (*path, index)))
    return found


def _misspell(draw: Any, key: str) -> str:
    if not key:
        return "x"
    position = draw(st.integers(0, len(key) - 1))
    edit = draw(st.sampled_from(["drop", "double", "swap", "case", "space"]))
    if edit == "drop":
        return key[:position] + key[position + 1:] or "x"
    if edit == "double":
        return key[:position] + key[position] * 2 + key[position + 1:]
    if edit == "swap" and len(key) > 1:
        position = min(position, len(key) - 2)
        return key[:position] + key[position + 1] + key[position] + key[position + 2:]
    if edit == "case":
        return key.upper()
    return key + " "


_OUT_OF_RANGE = st.sampled_from([
    0, -1, -5, 10**6, 10**9, 2**63, 10**30, "0", "-1", "k - k", "-k", "1/2", "10**100",
    "10**2000", "k**k**k", "2**k", "0**-1",
])


@st.composite
def almost_valid_documents(draw: Any) -> Any:
    """A valid document with exactly one mistake somewhere in it."""
    document = copy.deepcopy(draw(valid_documents()))
    places = _places(document)
    path = draw(st.sampled_from(places))
    *parents, last = path
    parent: Any = document
    for step in parents:
        parent = parent[step]
    mistake = draw(st.sampled_from(
        ["remove", "misspell", "retype", "range", "mangle", "extra", "wrap", "junk"]))
    if mistake == "remove":
        del parent[last]
    elif mistake == "misspell" and isinstance(parent, dict):
        parent[_misspell(draw, str(last))] = parent.pop(last)
    elif mistake == "retype":
        parent[last] = draw(_SCALAR_JUNK | st.just([]) | st.just({}) | st.just([[1]]))
    elif mistake == "range":
        parent[last] = draw(_OUT_OF_RANGE)
    elif mistake == "mangle":
        parent[last] = draw(hostile_expressions())
    elif mistake == "extra" and isinstance(parent, dict):
        parent[draw(st.sampled_from(["strid", "kernal", "op", "Op", "size", "x", ""]))] = 1
    elif mistake == "wrap":
        parent[last] = [parent[last]] if draw(st.booleans()) else {"value": parent[last]}
    else:
        parent[last] = draw(junk())
    return document


def documents() -> st.SearchStrategy[Any]:
    """Valid, almost valid and junk documents, mixed."""
    return st.one_of(valid_documents(), almost_valid_documents(), almost_valid_documents(),
                     junk())


def texts() -> st.SearchStrategy[tuple[str, str]]:
    """``(text, format)`` pairs: documents written as JSON or TOML, sometimes cut short."""
    @st.composite
    def draw_text(draw: Any) -> tuple[str, str]:
        format = draw(st.sampled_from(["json", "toml"]))
        text = write(draw(documents()), format)
        if draw(st.integers(0, 9)) == 0:
            text = text[: draw(st.integers(0, len(text)))]
        return text, format

    return draw_text()


# ------------------------------------------------------------------ Python values


def python_values() -> st.SearchStrategy[Any]:
    """What a Python caller might pass as a layer parameter or a value: ints (also huge),
    Fractions, floats, bools, None, text, sympy numbers and constants, symbols with and
    without symrf's assumptions, formulas, tuples and lists."""
    import fractions

    import sympy

    k = sympy.Symbol("k", integer=True, positive=True)
    special = [sympy.oo, -sympy.oo, sympy.zoo, sympy.nan, sympy.I, sympy.pi, sympy.E,
               sympy.Float(1.5), sympy.Rational(7, 2), sympy.Integer(2)**9000, sympy.Symbol("x"),
               sympy.Symbol("y", negative=True), k, k**k**k, 2**k, k - k,
               sympy.Integer(0), sympy.Integer(-3), sympy.floor(k / 2), sympy.Max(k, 3)]
    scalars = st.one_of(
        st.integers(-3, 8), st.integers(), st.sampled_from([10**5000, 2**8192, -(10**30)]),
        st.fractions(), st.sampled_from([fractions.Fraction(1, 2), fractions.Fraction(6, 3)]),
        st.floats(), st.booleans(), st.none(), st.text(max_size=4), st.sampled_from(special),
    )
    return st.one_of(scalars, st.lists(scalars, max_size=3), st.lists(scalars, max_size=3).map(
        tuple))


# ------------------------------------------------------------------ command lines


@dataclass(frozen=True)
class SpecFile:
    """A placeholder for a spec file the test writes before running the command line."""

    text: str
    format: str


_JUNK_TOKENS = st.one_of(
    st.sampled_from(["", "-", "--", "---", "--set", "--input", "--for", "--target", "--range",
                     "--format", "--minimize", "=", "k=", "=3", "--bogus", "-x", "-k", "\x00",
                     "ünï", "../../etc/passwd", "/dev/null", "/", ".", "nothing.toml",
                     "nothing.json", "nothing"]),
    st.text(max_size=10),
)
_SIZES = st.one_of(
    st.integers(1, 300).map(str), st.sampled_from(
        ["0", "-5", "-1", "n", "224,160", "32,32,32", "1,", ",", "", "10**4000", "10**100",
         "2**62", "1/2", "k", "16, 16", " 8 ", "8,0"]),
    hostile_expressions(),
)
_FIGURES = st.sampled_from(["rf", "jump", "size", "rf_min", "padding", "left", "center",
                            "period", "bogus", ""])
_RELATIONS = st.sampled_from([">=", "<=", "==", ">", "<", "=", "!=", "=>", ""])
_BOUNDS = st.one_of(st.integers(0, 500).map(str), st.sampled_from(
    ["n_in", "10**400", "10**5000", "-1", "k", "1/2", "", "T"]), hostile_expressions())


@st.composite
def _settings(draw: Any) -> str:
    name = draw(st.sampled_from(NAMES) | st.sampled_from(["i", "n_in", "_k", "N", "", " k"]))
    value = draw(st.integers(-2, 12).map(str) | any_expressions())
    return f"{name}={value}" if draw(st.integers(0, 9)) else draw(st.text(max_size=6))


@st.composite
def _range(draw: Any) -> str:
    name = draw(st.sampled_from(NAMES) | st.just("n_in"))
    low = draw(st.integers(0, 20) | st.sampled_from([10**22, 2**63]))
    high = draw(st.integers(0, 64) | st.sampled_from([1024, 10**6, 10**22]))
    return f"{name}={low}..{high}" if draw(st.integers(0, 9)) else draw(st.text(max_size=8))


@st.composite
def command_lines(draw: Any) -> list[Any]:
    """A ``symrf`` argument list; the target may be a :class:`SpecFile` to write first."""
    verb = draw(st.sampled_from(["analyze", "analyze", "coverage", "solve", "solve", "zoo"]))
    if verb == "zoo":
        return ["zoo", *draw(st.lists(_JUNK_TOKENS, max_size=1))]
    format = draw(st.sampled_from(["json", "toml"]))
    target = draw(st.one_of(
        valid_documents(symbolic=True).map(lambda d: SpecFile(write(d, format), format)),
        valid_documents(symbolic=False).map(lambda d: SpecFile(write(d, format), format)),
        texts().map(lambda pair: SpecFile(*pair)),
        st.sampled_from(ZOO),
        _JUNK_TOKENS,
    ))
    flags: list[list[str]] = []
    for _ in range(draw(st.integers(0, 4))):
        flags.append(["--set", draw(_settings())])
    if draw(st.booleans()):
        flags.append(["--input", draw(_SIZES)])
    if draw(st.integers(0, 2)) > 0:
        flags.append(["--format", draw(st.sampled_from(
            ["json", "json", "table", "markdown", "latex", "xml", ""]))])
    if verb == "solve":
        unknowns = draw(st.lists(st.sampled_from([*NAMES, "n_in", "i", "zz"]), min_size=1,
                                 max_size=2, unique=True))
        for name in unknowns:
            flags.append(["--for", name])
            if draw(st.integers(0, 3)) > 0:
                high = draw(st.integers(1, 64) | st.sampled_from([1024, 10**22]))
                flags.append(["--range", f"{name}={draw(st.integers(0, 3))}..{high}"])
        flags.append(["--target", f"{draw(_FIGURES)}{draw(_RELATIONS)}{draw(_BOUNDS)}"])
        for flag in ("--odd", "--even", "--pow2"):
            if draw(st.integers(0, 4)) == 0:
                flags.append([flag, draw(st.sampled_from(unknowns))])
        if draw(st.integers(0, 3)) == 0:
            flags.append(["--minimize", draw(st.sampled_from(
                ["1", "k", "n*k**2", "k + s", "0", "-k", "k**k**k"]) | any_expressions())])
        if draw(st.integers(0, 5)) == 0:
            flags.append(["--range", draw(_range())])
    if draw(st.integers(0, 5)) == 0:
        flags.append([draw(_JUNK_TOKENS)])
    order = draw(st.permutations(range(len(flags)))) if flags else []
    return [verb, target, *[token for index in order for token in flags[index]]]
