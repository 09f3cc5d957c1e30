"""A command-line transcript: a ``symrf`` command run in-process, shown with what it prints.

Documentation pages show commands with their output; :func:`transcript` produces both from
the command itself, so the output shown is what this symrf prints. The command runs
through :func:`symrf.cli.main` (no subprocess) from a given directory, with an 80-column
terminal so that help text wraps the same way on every machine.

>>> print(transcript("symrf analyze dilated-stack --upto dilated2", "."))
$ symrf analyze dilated-stack --upto dilated2
dilated-stack: rf 7, jump 1, padding 3
layer     op    rf  jump  left  right  center  padding
--------  ----  --  ----  ----  -----  ------  -------
dilated1  conv  3   1     -1    1      0       1
dilated2  conv  7   1     -3    3      0       3
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
from collections.abc import Iterator
from pathlib import Path

from symrf.errors import SymrfError


def transcript(command: str, directory: str | Path, status: int = 0) -> str:
    """``$ command`` and what it prints, run from ``directory``; it must exit with ``status``.

    A command meant to fail (``status`` 1 or 2) is shown as ``command; echo "exit status
    $?"``, with what it printed on stderr and the status at the end.

    Raises:
        SymrfError: ``command`` is not a ``symrf`` command, or it exits with another status.

    >>> print(transcript("symrf analyze no-such-model", ".", status=2).splitlines()[-1])
    exit status 2
    """
    from symrf.cli import main

    try:
        words = shlex.split(command)
    except ValueError as error:  # an unbalanced quote
        raise SymrfError(f"command: {command!r} cannot be read ({error}).") from None
    if not words or words[0] != "symrf":
        raise SymrfError(f"command: {command!r} must start with 'symrf'.")
    _check_safe(words[1:], directory, command)
    if status not in (0, 1, 2):
        raise SymrfError(f"status: {status} is not an exit status of symrf (0, 1 or 2).")
    out, err = io.StringIO(), io.StringIO()
    with _terminal(Path(directory)), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        ended = main(words[1:])
    if ended != status:
        said = " ".join((err.getvalue() or out.getvalue()).split())[:300]
        raise SymrfError(f"command {command!r} exited with status {ended}, expected "
                         f"{status}: {said}")
    if status == 0:
        return f"$ {command}\n{out.getvalue()}".rstrip("\n")
    shown = f'$ {command}; echo "exit status $?"\n{out.getvalue()}{err.getvalue()}'
    return f"{shown}exit status {status}"


@contextlib.contextmanager
def _terminal(directory: Path) -> Iterator[None]:
    """Run from ``directory`` with an 80-column terminal; restore both afterwards."""
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "80"
    try:
        with contextlib.chdir(directory):
            yield
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


_VERBS = ("analyze", "coverage", "solve", "erf", "zoo", "schema", "--help", "--version")
"""What a page's command may run: verbs that only read and print."""
_REFUSED = ("-o", "--output", "--dask")
"""Options that write files or reach other machines."""


def _check_safe(arguments: list[str], directory: str | Path, command: str) -> None:
    """Refuse what a page (untrusted input) must not make a build do.

    Only printing verbs; no output files or clusters; targets are built-in models,
    ``example:NAME`` or files under ``directory`` (never ``module:attr``, which imports and
    runs Python code).

    >>> _check_safe(["convert", "alexnet", "-o", "x.toml"], ".", "symrf convert")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.SymrfError: command: 'symrf convert' runs 'convert'; a page may run ...
    """
    if not arguments or arguments[0] not in _VERBS:
        verb = arguments[0] if arguments else ""
        raise SymrfError(f"command: {command!r} runs {verb!r}; a page may run symrf "
                         f"{', '.join(_VERBS)}.")
    for word in arguments[1:]:
        if word.split("=", 1)[0] in _REFUSED:
            raise SymrfError(f"command: {command!r} uses {word.split('=', 1)[0]}, which "
                             "writes files or reaches other machines; a page may not.")
    if len(arguments) > 1 and not arguments[1].startswith("-"):
        target = arguments[1]
        if ":" in target and not target.startswith("example:"):
            raise SymrfError(f"command: {command!r} names {target!r}; a page may name "
                             "built-in models, example:NAME or spec files, not Python modules.")
        if "/" in target or target.endswith((".toml", ".json", ".onnx")):
            inside(Path(directory), target, "command")


def inside(base: Path, text: str, option: str) -> Path:
    """``text`` as a path under ``base``; a page may not read files outside its site.

    >>> inside(Path("/site"), "docs/examples/seed.toml", "spec").as_posix()
    '/site/docs/examples/seed.toml'
    >>> inside(Path("/site"), "../etc/passwd", "spec")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.SymrfError: spec: '../etc/passwd' is outside /site; give a path under ...
    """
    root = base.resolve()
    path = (root / text).resolve()
    if path != root and root not in path.parents:
        raise SymrfError(f"{option}: {text!r} is outside {root}; give a path under the "
                         "directory the site is built from.")
    return path
