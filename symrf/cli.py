"""The ``symrf`` command: argument parsing and printing only.

``symrf analyze TARGET [--set NAME=VALUE]... [--input SIZE] [--format FORMAT]``,
``symrf coverage TARGET --input SIZE``, ``symrf solve TARGET --for NAME --target
RELATION [--range NAME=LO..HI] [--odd NAME] [--minimize EXPR] ...`` and ``symrf zoo``.
Bad input exits with status 2 and one line ``symrf: error: ...`` on stderr; anything else
escaping is a bug (status 1).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from symrf import __version__, sources
from symrf.engine import analyze, with_values
from symrf.engine.coverage import coverage
from symrf.engine.symbolic import derive
from symrf.errors import ExactTooLargeError, SymrfError, located
from symrf.layers.base import Param, param
from symrf.maths.arguments import length
from symrf.maths.expressions import parse
from symrf.maths.scalars import Scalar
from symrf.paper import stated
from symrf.render import FORMATS, render
from symrf.render.erf import erf_text
from symrf.render.figures import Kind, read_units, write_figure
from symrf.render.spec import write
from symrf.solve import Target, solve
from symrf.solve.search import CHUNK
from symrf.sources import zoo
from symrf.sources.schema import json_schema


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit status 2.

    Options are never abbreviated (``--das`` is not ``--dask``): a prefix would be read as
    whichever option it happens to start, today or after an option is added.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{"allow_abbrev": False, **kwargs})

    def error(self, message: str) -> NoReturn:
        raise SymrfError(f"{message} (see 'symrf --help')")


_TARGET = ("a .toml/.json spec file, a built-in model name (symrf zoo), example:NAME (a spec "
           "shipped with symrf), an .onnx file, or package.module:attr naming a PyTorch "
           "module, module class or factory (importing it runs that package's code)")
_UPTO = "analyse the network up to and including this row (a layer, node or module name)"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="symrf", description="Symbolic and exact receptive fields.")
    parser.add_argument("--version", action="version", version=f"symrf {__version__}")
    verbs = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser)
    analyze = verbs.add_parser(
        "analyze", help="figures of a spec file, built-in model, ONNX file or PyTorch module"
    )
    analyze.add_argument("target", help=_TARGET)
    analyze.add_argument("--upto", metavar="ROW", help=_UPTO)
    _torch_options(analyze)
    analyze.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE",
        help="give a symbol a value (an integer or expression); repeatable",
    )
    analyze.add_argument("--input", metavar="SIZE", help="input size: 224, 224,160 or n")
    analyze.add_argument("--format", choices=sorted(FORMATS), default="table")
    analyze.add_argument("--assume", action="append", default=[], metavar="FACT",
                         help="an assumption that simplifies the formulas, e.g. 's>1', "
                         "'odd(k)', 'n_in %% 32 == 0'; repeatable")
    analyze.add_argument("--columns", metavar="LIST",
                         help="the figures to show, e.g. rf,jump,padding (table, markdown, latex)")
    analyze.add_argument("--layout", choices=("table", "formulas"),
                         help="latex: a booktabs table, or one equation per layer (default: "
                         "a table when every cell is a number)")
    analyze.add_argument("--caption", metavar="TEXT", help="latex: the table's caption")
    analyze.add_argument("--label", metavar="LABEL", help="latex: the \\label (tab:rf-NAME)")
    analyze.add_argument("--formulas", choices=("math", "code"),
                         help="markdown: formulas as $...$ math (default) or code spans")
    cover = verbs.add_parser(
        "coverage", help="what each feature map sees of an input: coverage, padding, holes"
    )
    cover.add_argument("target", help=_TARGET)
    cover.add_argument("--upto", metavar="ROW", help=_UPTO)
    _torch_options(cover)
    cover.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    cover.add_argument("--input", metavar="SIZE", help="input size (required unless the spec "
                       "gives one)")
    cover.add_argument("--format", choices=("json", "markdown", "table"), default="table")
    solve = verbs.add_parser(
        "solve", help="the kernel, depth, dilation, stride or input size that meets a target"
    )
    solve.add_argument("target", help=_TARGET)
    solve.add_argument("--upto", metavar="ROW", help=_UPTO)
    _torch_options(solve)
    solve.add_argument("--for", dest="unknowns", action="append", required=True,
                       metavar="NAME", help="an unknown (a symbol of the spec, or n_in); "
                       "repeatable")
    solve.add_argument("--target", dest="goal", required=True, metavar="RELATION",
                       help="e.g. 'rf>=224', 'jump<=16', 'rf==99', 'rf>=n_in'")
    solve.add_argument("--range", action="append", default=[], metavar="NAME=LO..HI",
                       help="the integers searched for an unknown (default 1..1024)")
    solve.add_argument("--odd", action="append", default=[], metavar="NAME")
    solve.add_argument("--even", action="append", default=[], metavar="NAME")
    solve.add_argument("--pow2", action="append", default=[], metavar="NAME",
                       help="only powers of two")
    solve.add_argument("--minimize", metavar="EXPR",
                       help="return the cheapest assignments under a cost, e.g. 'n*k**2'")
    solve.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                       help="a number, or a relation to the unknowns such as d2=2*d1")
    solve.add_argument("--input", metavar="SIZE", help="input size")
    solve.add_argument("--format", choices=sorted(FORMATS), default="table")
    solve.add_argument("--dask", metavar="ADDRESS",
                       help="search on a Dask cluster: a scheduler address (tcp://HOST:8786), "
                       "or 'local' for worker processes on this machine; needs symrf[dask]")
    convert = verbs.add_parser(
        "convert", help="write any target (zoo, ONNX, PyTorch, spec) as a spec file to edit"
    )
    convert.add_argument("target", help=_TARGET)
    convert.add_argument("-o", "--output", required=True, metavar="FILE",
                         help="the spec to write: *.toml or *.json")
    convert.add_argument("--upto", metavar="ROW", help=_UPTO)
    _torch_options(convert)
    convert.add_argument("--input", metavar="SIZE", help="input size to record in the spec")
    figure = verbs.add_parser(
        "figure", help="draw a figure (index, growth, field, coverage, period, erf) to a file")
    figure.add_argument("target", help=_TARGET)
    figure.add_argument("--kind", choices=[kind.value for kind in Kind], default="growth")
    figure.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="the figure to write: *.svg, *.png or *.pdf")
    figure.add_argument("--upto", metavar="ROW", help=_UPTO)
    _torch_options(figure)
    figure.add_argument("--input", metavar="SIZE", help="input size")
    figure.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    figure.add_argument("--unit", action="append", default=[], metavar="X|ROW,COLUMN",
                        help="an output unit to draw (field figures); repeatable")
    figure.add_argument("--axis", type=_whole, default=0, help="the axis drawn (default 0)")
    erf = verbs.add_parser(
        "erf", help="effective receptive field: exact path counts and closed-form width")
    erf.add_argument("target", help=_TARGET)
    erf.add_argument("--upto", metavar="ROW", help=_UPTO)
    _torch_options(erf)
    erf.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    erf.add_argument("--input", metavar="SIZE",
                     help="input size (the central unit; padding carries no paths)")
    erf.add_argument("--format", choices=sorted(FORMATS), default="table")
    erf.add_argument("--mass", default="0.95", metavar="SHARE",
                     help="share of the paths the radius holds (default 0.95)")
    erf.add_argument("--unit", metavar="X[,Y]",
                     help="output unit (default 0, or the central one with --input)")
    erf.add_argument("--dims", type=_whole, choices=(1, 2, 3),
                     help="spatial axes (default: the network's own, or 2 for images)")
    verbs.add_parser("zoo", help="list the built-in models")
    verbs.add_parser("schema", help="print the JSON Schema of spec files (for editors)")
    return parser


def _whole(text: str) -> int:
    """A whole number in ASCII digits (``int`` also takes other scripts' digits, or ``'1_0'``)."""
    if not re.fullmatch(r"[0-9]{1,30}", text.strip(), re.ASCII):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number such as 1")
    return int(text)


PURE_TYPES = frozenset({int, _whole})
"""Option types that only read their text (the page sandbox lets options of these types run)."""


def read_settings(settings: Sequence[str]) -> dict[str, Scalar]:
    """``NAME=VALUE`` pairs, values read by the safe expression parser.

    >>> read_settings(["k=3", "s=2*m"])
    {'k': 3, 's': 2*m}
    """
    values: dict[str, Scalar] = {}
    for setting in settings:
        name, sep, text = setting.partition("=")
        name = name.strip()
        if not sep or not name or not text.strip():
            raise SymrfError(f"--set {setting!r}: expected NAME=VALUE, e.g. --set k=3.")
        parse(name, f"--set {setting!r}")  # the name must be a valid symbol name
        if name == "n_in" or name.startswith("n_in_"):
            raise SymrfError(f"--set {setting!r}: {name} is the input size; give it with "
                             "--input instead.")
        values[name] = parse(text, f"--set {setting!r}")
    return values


def read_size(text: str | None) -> Param | None:
    """``--input``: one size, or comma-separated sizes per axis.

    >>> read_size("224"), read_size("224,160"), read_size(None)
    (224, (224, 160), None)
    """
    if text is None:
        return None
    where = f"--input {text!r}"
    parts = [length(parse(part, where), f"{where}: input size") for part in text.split(",")]
    return param(parts if len(parts) > 1 else parts[0], "--input")


def read_unit(text: str | None) -> tuple[int, ...] | None:
    """``erf --unit``: one output unit index, or one per axis.

    >>> read_unit("3"), read_unit("3,5"), read_unit(None)
    ((3,), (3, 5), None)
    """
    if text is None:
        return None
    parts = text.split(",")
    if not all(re.fullmatch(r"[0-9]{1,30}", part.strip(), re.ASCII) for part in parts):
        raise SymrfError(f"--unit {text!r}: expected X or X,Y with whole numbers >= 0 (one "
                         "per axis), e.g. --unit 3 or --unit 3,5.")
    return tuple(int(part) for part in parts)


def read_shape(text: str | None) -> tuple[int, ...] | None:
    """``--example-shape C,H,W``: a PyTorch model's input shape without the batch.

    >>> read_shape("3,224,224"), read_shape(None)
    ((3, 224, 224), None)
    """
    if text is None:
        return None
    parts = text.split(",")
    whole = all(re.fullmatch(r"[0-9]{1,30}", p.strip(), re.ASCII) for p in parts)
    if not 2 <= len(parts) <= 4 or not whole or 0 in (int(p) for p in parts):
        raise SymrfError(f"--example-shape {text!r}: expected channels and one to three "
                         "spatial sizes, positive whole numbers, e.g. --example-shape 3,224,224.")
    return tuple(int(p) for p in parts)


def _torch_options(parser: argparse.ArgumentParser) -> None:
    """The options of PyTorch targets (package.module:attr)."""
    parser.add_argument("--output-name", metavar="NAME",
                        help="PyTorch: the output to analyse when the model returns several "
                        "(its index, key or dotted path)")
    parser.add_argument("--example-shape", metavar="C,H,W",
                        help="PyTorch: the input's shape without the batch, where symrf cannot "
                        "tell it from the first convolution")


def read_ranges(texts: Sequence[str]) -> dict[str, tuple[int, int]]:
    """``--range NAME=LO..HI`` options.

    >>> read_ranges(["k=1..31", "n = 2..8"])
    {'k': (1, 31), 'n': (2, 8)}
    """
    ranges = {}
    for text in texts:
        match = re.fullmatch(r"\s*(\w+)\s*=\s*([0-9]+)\s*\.\.\s*([0-9]+)\s*", text, re.ASCII)
        if not match:
            raise SymrfError(f"--range {text!r}: expected NAME=LO..HI with whole numbers, "
                             "e.g. --range k=1..31.")
        name, lo, hi = match.groups()
        if name in ranges:
            raise SymrfError(f"--range {text!r}: {name} already has a range; give one.")
        ranges[name] = (int(lo), int(hi))
    return ranges


def _unit(unit: tuple[int, ...] | None) -> int | tuple[int, ...] | None:
    return unit[0] if unit is not None and len(unit) == 1 else unit


def run(argv: Sequence[str]) -> str:
    """Run one command and return what it prints."""
    args = _parser().parse_args(argv)
    if args.verb == "zoo":
        width = max(map(len, zoo.MODELS))
        return "\n".join(
            f"{name.ljust(width)}  {model.summary} [{model.source}]"
            for name, model in sorted(zoo.MODELS.items())
        )
    if args.verb == "schema":
        return json.dumps(json_schema(), indent=2)
    given = read_size(args.input)
    spec = sources.read(args.target, args.upto, given, output=args.output_name,
                        example_shape=read_shape(args.example_shape))
    size = given if given is not None else spec.input_size
    if args.verb == "solve" and "n_in" in args.unknowns and args.input is None:
        size = None  # solving for the input size replaces the spec's
    if args.verb == "convert":
        try:
            analyze(spec.network, input_size=size)  # write only what analyze reads back
            return write(spec, args.output, size)
        except SymrfError as error:
            raise located(error, args.target) from None
    values = read_settings(args.set)
    try:
        if args.verb == "figure":
            return write_figure(spec, args.kind, args.output, input_size=size, values=values,
                                units=read_units(args.unit) or None, axis=args.axis)
        if args.verb == "erf":
            return erf_text(spec.network, args.format, input_size=size, values=values,
                            share=args.mass, unit=_unit(read_unit(args.unit)),
                            dims=args.dims)
        if args.verb == "coverage":
            if not isinstance(size, int) or size < 1:
                raise SymrfError("coverage needs one positive integer input size: give "
                                 "--input N.")
            return FORMATS[args.format](coverage(spec.network, size, values))
        if args.verb == "solve":
            answer = solve(
                spec.network, Target.parse(args.goal), args.unknowns, values=values,
                input_size=size, ranges=read_ranges(args.range), odd=args.odd,
                even=args.even, powers_of_two=args.pow2, minimize=args.minimize,
                progress=_progress_bar() if sys.stderr.isatty() else None,
                scheduler=args.dask,
            )
            return FORMATS[args.format](answer)
        facts = stated(args.assume, values, size) if args.assume else None
        refused = None
        try:
            report = analyze(spec.network, input_size=size, values=values)
        except ExactTooLargeError as error:  # the formulas' proven bounds still apply
            report = derive(with_values(spec.network, values), input_size=size)
            refused = " ".join(error.reason().split())
        output = render(report, args.format, columns=args.columns, layout=args.layout,
                        caption=args.caption, label=args.label, formulas=args.formulas,
                        assume=facts)
        if refused and args.format == "table":  # the other formats flag bounds themselves
            output += f"\nnote: exact figures refused: {refused} These are the formulas' bounds."
        return output
    except SymrfError as error:
        raise located(error, args.target) from None


def _progress_bar() -> Callable[[int, int], None]:
    """Draw ``[#####.....] 52% 524288/1000000`` on stderr, for spaces of several chunks."""

    def show(done: int, total: int) -> None:
        if total <= CHUNK:
            return
        filled = 30 * done // total
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {100 * done // total:3d}% "
                         f"{done}/{total}")
        if done == total:
            sys.stderr.write("\r" + " " * 60 + "\r")
        sys.stderr.flush()

    return show


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``symrf`` console script; returns the exit status."""
    try:
        output = run(sys.argv[1:] if argv is None else argv)
    except SymrfError as error:
        message = " ".join(str(error).split())
        print(f"symrf: error: {message}", file=sys.stderr)
        return 2
    except SystemExit as done:  # --help and --version print, then stop: the status, not a raise
        return done.code if isinstance(done.code, int) else 0
    try:
        print(output)
    except BrokenPipeError:  # the reader stopped early (``symrf ... | head``): not an error
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
