"""A command-line transcript: a ``symrf`` command run in-process, shown with what it prints.

Documentation pages show commands with their output; :func:`transcript` produces both from
the command itself, so the output shown is what this symrf prints. The command runs
through ``symrf.cli.main`` (no subprocess) from a given directory, with an 80-column
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
from collections.abc import Iterator
from pathlib import Path

from symrf.cli import _parser, main
from symrf.errors import SymrfError
from symrf.markdown.sandbox import check


def transcript(command: str, directory: str | Path, status: int = 0) -> str:
    """``$ command`` and what it prints, run from ``directory``; it must exit with ``status``.

    A command meant to fail (``status`` 1 or 2) is shown as ``command; echo "exit status
    $?"``, with what it printed on stderr and the status at the end.

    The command is checked first by the page sandbox (:mod:`symrf.markdown.sandbox`): a page
    is untrusted input, so it may only run printing verbs on built-in models, shipped
    examples and files under ``directory``.

    Raises:
        SymrfError: ``command`` is not a ``symrf`` command, the sandbox refuses it, or it
            exits with another status.

    >>> print(transcript("symrf analyze no-such-model", ".", status=2).splitlines()[-1])
    exit status 2
    """
    arguments = check(_parser(), command, Path(directory))
    if status not in (0, 1, 2):
        raise SymrfError(f"status: {status} is not an exit status of symrf (0, 1 or 2).")
    out, err = io.StringIO(), io.StringIO()
    with _terminal(Path(directory)), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        ended = main(arguments)
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


