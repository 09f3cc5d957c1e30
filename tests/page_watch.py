"""What a command did while it ran: files opened, connections made, processes started.

The page sandbox's tests (tests/test_markdown_ext.py, tests/test_fuzz_markdown.py) watch a
build through Python's audit hooks (PEP 578): every ``open`` (``open()``, ``os.open``,
reading a module's code) and every ``socket.connect`` or process start raises an event,
whoever asks for it, so a test sees what a command did, not what it says it did. A hook
cannot be removed: one is added when this module is first imported, and it records only
inside :func:`watching`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import symrf

_ACTS = ("socket.connect", "socket.sendto", "subprocess.Popen", "os.system", "os.exec",
         "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty")
"""Events a page may never cause: reaching another machine or starting a process."""
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


@dataclass
class Seen:
    """What happened inside one :func:`watching` block."""

    opened: list[Path] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    acts: list[tuple[str, str]] = field(default_factory=list)
    modules: set[str] = field(default_factory=set)
    """Modules imported during the block (new in ``sys.modules``)."""

    def opened_outside(self, root: Path) -> list[Path]:
        """Files opened that are neither under ``root`` nor part of Python or symrf."""
        return [path for path in self.opened if not _under(path, [root, *_INSTALLED])]

    def written_anywhere(self) -> list[Path]:
        """Files opened for writing, except Python's own bytecode caches."""
        return [path for path in self.written
                if not (path.suffix == ".pyc" and _under(path, _INSTALLED))]

    def imported_from(self, *folders: Path) -> list[str]:
        """Modules imported during the block whose code lies under one of ``folders``."""
        found = []
        for name in sorted(self.modules):
            file = getattr(sys.modules.get(name), "__file__", None)
            if file and _under(Path(os.path.realpath(file)), list(folders)):
                found.append(name)
        return found


_INSTALLED = sorted({Path(os.path.realpath(place)) for place in (
    sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
    Path(symrf.__file__).parent)})
"""Where reading is no leak: Python, its installed packages, symrf's own package."""
_RECORDING: list[Seen] = []


def _under(path: Path, folders: list[Path]) -> bool:
    return any(path == folder or folder in path.parents for folder in folders)


def _hook(event: str, args: tuple[object, ...]) -> None:
    if not _RECORDING:
        return
    seen = _RECORDING[-1]
    if event == "open":
        target, mode, flags = args
        if isinstance(target, int):  # an already open descriptor
            return
        try:  # resolved later: resolving here would raise audit events inside the hook
            text = os.fsdecode(target)  # type: ignore[arg-type]  # str, bytes or a PathLike
        except TypeError:
            return
        path = Path(os.getcwd(), text)
        seen.opened.append(path)
        writing = any(char in str(mode or "") for char in "wax+")
        if writing or (isinstance(flags, int) and flags & _WRITE_FLAGS):
            seen.written.append(path)
    elif event in _ACTS or event.startswith("os.exec"):
        seen.acts.append((event, repr(args)[:200]))


sys.addaudithook(_hook)


@contextlib.contextmanager
def watching() -> Iterator[Seen]:
    """Record what the block opens, writes, connects to, starts and imports."""
    seen = Seen()
    before = set(sys.modules)
    _RECORDING.append(seen)
    try:
        yield seen
    finally:
        _RECORDING.remove(seen)
        seen.opened = [Path(os.path.realpath(path)) for path in seen.opened]
        seen.written = [Path(os.path.realpath(path)) for path in seen.written]
        seen.modules = set(sys.modules) - before
