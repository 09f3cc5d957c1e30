r"""The page sandbox: what a ```` ```symrf ```` block may make a documentation build do.

A page is untrusted input: building someone else's docs must not run their Python, read
files beside the site, connect to other machines, write files or hang. A ``command:``
block is therefore parsed by the command line's own parser -- the sandbox sees the very
namespace ``symrf.cli.main`` will run, whatever the order or spelling of the words --
and that namespace is checked against an allow-list:

- the verb only prints: ``analyze``, ``coverage``, ``solve``, ``erf``, ``zoo``, ``schema``
  (``--help`` and ``--version`` print and stop before anything runs);
- every option given is on the verb's list in :data:`ALLOWED`; any other option must keep
  its default, so ``--dask`` (a connection) and ``-o`` (a file written) are refused however
  they are spelled;
- the target is a built-in model, ``example:NAME`` (a spec shipped with symrf), or a path
  under the site root (:func:`site_path`: symlinks resolved, nothing outside the root, a
  regular file checked with ``stat`` before anything opens it, so a FIFO or a device is
  refused at once); never ``module:attr``, which imports and runs Python code;
- every other value is data read by symrf's own parsers: text without control characters,
  or a number.

A ``spec:`` option follows the same path rules (:func:`site_file`). Anything else is
refused with one line saying what and why:

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="symrf", allow_abbrev=False)
>>> verbs = parser.add_subparsers(dest="verb")
>>> verbs.add_parser("analyze", allow_abbrev=False).add_argument("target")  # doctest: +ELLIPSIS
_StoreAction(...)
>>> check(parser, "symrf analyze os:getpid", Path("."))  # doctest: +ELLIPSIS
Traceback (most recent call last):
symrf.markdown.sandbox.Refused: command: 'symrf analyze os:getpid' is refused: its target ...
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shlex
import stat
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

from symrf.cli import PURE_TYPES
from symrf.errors import SymrfError
from symrf.sources import examples, zoo


class Refused(SymrfError, ValueError):
    """A page asked for something the sandbox does not allow; the message says what."""


class Value(Enum):
    """What an option's value is to the sandbox."""

    DATA = "data"
    """Read by symrf's own parsers as data: a size, an expression, a row name, a caption."""
    TARGET = "target"
    """The network read: a built-in model, ``example:NAME`` or a file under the site root."""


_SHARED = {"target": Value.TARGET, **dict.fromkeys(("upto", "set", "input", "format"),
                                                    Value.DATA)}
ALLOWED: dict[str, dict[str, Value]] = {
    "analyze": {**_SHARED, **dict.fromkeys(("assume", "columns", "layout", "caption", "label",
                                            "formulas"), Value.DATA)},
    "coverage": _SHARED,
    "solve": {**_SHARED, **dict.fromkeys(("unknowns", "goal", "range", "odd", "even", "pow2",
                                          "minimize"), Value.DATA)},
    "erf": {**_SHARED, **dict.fromkeys(("mass", "unit", "dims"), Value.DATA)},
    "zoo": {},
    "schema": {},
}
"""The verbs a page may run, each with the destinations of the options it may give.

An option not listed here (``--dask``, which reaches a cluster; ``-o``, which writes a file;
or one added to the command line later) must keep its default: the list is what is
allowed, not what is forbidden."""

_PLAIN_ACTIONS = (argparse._StoreAction, argparse._AppendAction, argparse._HelpAction,
                  argparse._VersionAction, argparse._SubParsersAction)
"""Parser actions that only store or print while the words are parsed."""


def check(parser: argparse.ArgumentParser, command: str, root: Path) -> list[str]:
    """The words of ``command`` after ``symrf``, once the sandbox allows what they run.

    ``parser`` is the command line's (``symrf.cli``); a command it cannot parse, or whose
    parse ends at ``--help`` or ``--version``, runs nothing, so it passes (and the
    transcript shows what the command line says).

    Raises:
        Refused: The command runs a verb, gives an option or names a target a page may not.
        SymrfError: ``command`` is not a ``symrf`` command.

    >>> check(argparse.ArgumentParser(allow_abbrev=False), "symrf --help", Path("."))
    ['--help']
    """
    try:
        words = shlex.split(command)
    except ValueError as error:  # an unbalanced quote
        raise SymrfError(f"command: {command!r} cannot be read ({error}).") from None
    if not words or words[0] != "symrf":
        raise SymrfError(f"command: {command!r} must start with 'symrf'.")
    refused = f"command: {command!r} is refused:"
    _check_parser(parser, refused)
    namespace = _parsed(parser, words[1:])
    if namespace is not None:
        _check_namespace(parser, namespace, root, refused)
    return words[1:]


def _check_namespace(parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                     root: Path, refused: str) -> None:
    """Refuse a parsed command whose verb, options or values are not on the allow-list."""
    verb = getattr(namespace, "verb", None)
    if verb not in ALLOWED:
        raise Refused(f"{refused} it runs {verb!r}; a page may run symrf "
                      f"{', '.join(ALLOWED)} (and --help, --version).")
    options = _options(parser)[verb]
    for dest, value in vars(namespace).items():
        if dest == "verb":
            continue
        action = options.get(dest)
        shown = "/".join(action.option_strings) if action and action.option_strings else dest
        kind = ALLOWED[verb].get(dest)
        if kind is None and (action is None or value != action.default):
            allowed = [opt for name in ALLOWED[verb] if name in options
                       for opt in options[name].option_strings[-1:]]
            raise Refused(f"{refused} it gives {shown}, which a page may not give (it may "
                          f"reach other machines or write files); symrf {verb} may take "
                          f"{', '.join(allowed) or 'no options'}.")
        for item in value if isinstance(value, list) else [value]:
            if kind is Value.TARGET:
                check_target(item, root, f"{refused} its target")
            elif isinstance(item, str):
                _check_data(item, f"{refused} {shown}")


def check_target(target: str, root: Path, where: str) -> None:
    """Refuse a target a page may not name: not a built-in model, example or site file.

    >>> check_target("alexnet", Path("."), "target")
    >>> check_target("example:seed", Path("."), "target")
    >>> check_target("sitepayload:net", Path("."), "target")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.markdown.sandbox.Refused: target 'sitepayload:net' names a Python module ...
    """
    if target.startswith(examples.PREFIX):
        if target.removeprefix(examples.PREFIX) not in examples.names():
            raise Refused(f"{where} {target!r} is no shipped example; examples: "
                          f"{', '.join(examples.names())}.")
        return
    if ":" in target:  # package.module:attr imports the package: its code runs
        raise Refused(f"{where} {target!r} names a Python module (importing it runs its "
                      "code); a page may name a built-in model, example:NAME or a spec or "
                      "ONNX file under the site.")
    _check_data(target, where)
    on_disk = _lexists(Path(root) / target)
    if target in zoo.MODELS and not on_disk:  # a file of that name would be read instead
        return
    site_path(root, target, where)


def site_path(root: Path, text: str, where: str) -> Path:
    """``text`` resolved under ``root``: no ``..`` or symlink out, a regular file if it exists.

    The file is examined with ``stat`` only, so a FIFO or a device is refused before
    anything opens it. A path that does not exist passes (reading it then fails).

    Raises:
        Refused: The path leaves ``root`` or names something other than a regular file.

    >>> site_path(Path("/site"), "docs/examples/seed.toml", "spec:").as_posix()
    '/site/docs/examples/seed.toml'
    >>> site_path(Path("/site"), "../etc/passwd", "spec:")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.markdown.sandbox.Refused: spec: '../etc/passwd' is outside /site; give a path under ...
    """
    _check_data(text, where)
    base = Path(root).resolve()
    try:
        path = (base / text).resolve()
    except (OSError, RuntimeError) as error:  # a symlink loop (RuntimeError before 3.13)
        raise Refused(f"{where} {text!r} cannot be resolved ({error}).") from None
    if path != base and base not in path.parents:
        raise Refused(f"{where} {text!r} is outside {base}; give a path under the directory "
                      "the site is built from.")
    try:
        mode = os.stat(path).st_mode
    except OSError:  # missing, or not reachable: opening it fails the same way, at once
        return path
    if not stat.S_ISREG(mode):
        raise Refused(f"{where} {text!r} is not a regular file ({_kind(mode)}); give a spec "
                      "or ONNX file.")
    return path


def site_file(root: Path, text: str, where: str) -> Path:
    """:func:`site_path`, and the file must exist (the ``spec:`` option of a block).

    >>> site_file(Path("."), "no/such.toml", "spec:")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.markdown.sandbox.Refused: spec: 'no/such.toml' is no file under ...
    """
    path = site_path(root, text, where)
    if not path.is_file():
        raise Refused(f"{where} {text!r} is no file under {Path(root).resolve()}; paths are "
                      "relative to the directory the site is built from.")
    return path


def _check_data(text: str, where: str) -> None:
    """Refuse control characters (a NUL above all) in a value read as data or a path."""
    bad = next((char for char in text if ord(char) < 32 or ord(char) == 127), None)
    if bad is not None:
        raise Refused(f"{where} {text[:80]!r} holds the control character {bad!r}; write "
                      "plain text.")


def _kind(mode: int) -> str:
    kinds: dict[str, str] = {"d": "a directory", "p": "a FIFO", "c": "a device",
                             "b": "a device", "s": "a socket"}
    return kinds.get(stat.filemode(mode)[0], "not a regular file")


def _lexists(path: Path) -> bool:
    try:
        return os.path.lexists(path)
    except (OSError, ValueError):
        return False


def _parsed(parser: argparse.ArgumentParser, words: list[str]) -> argparse.Namespace | None:
    """The namespace ``words`` parse to, or None when the parse runs nothing.

    A parse error or ``--help``/``--version`` ends the command before it reads any target;
    what the parser prints here is dropped (the transcript runs the command again).
    """
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            return parser.parse_args(words)
        except (SymrfError, SystemExit):
            return None


def _check_parser(parser: argparse.ArgumentParser, refused: str) -> None:
    """Refuse every command if the parser itself could act while parsing.

    Parsing must only store strings and integers: an action of another kind, a ``type``
    that opens files (``argparse.FileType``) or ``@file`` arguments would act before the
    namespace is checked.
    """
    for each in _parsers(parser):
        if each.fromfile_prefix_chars or each.allow_abbrev:
            raise Refused(f"{refused} the command line's parser reads @files or accepts "
                          "abbreviated options; the page sandbox cannot check its commands.")
        for action in each._actions:
            if not isinstance(action, _PLAIN_ACTIONS) or action.type not in (None, *PURE_TYPES):
                raise Refused(f"{refused} the command line's option {action.dest!r} acts "
                              "while it is parsed; the page sandbox cannot check it.")


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def _options(parser: argparse.ArgumentParser) -> dict[str, dict[str, argparse.Action]]:
    """Each verb's actions by destination."""
    verbs: dict[str, Any] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            verbs.update(action.choices)
    return {verb: {action.dest: action for action in sub._actions}
            for verb, sub in verbs.items()}

