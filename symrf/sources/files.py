r"""Reading untrusted files: the one reader every format goes through (specs, ONNX models).

A path given to symrf may name anything: a FIFO that never ends, ``/dev/zero``, a
directory, a file that grows while it is read. :func:`opened` looks before it opens: it
``stat``\\ s the path, refuses anything but a regular file at once (so nothing blocks), and
refuses a file larger than the format's limit (:mod:`symrf.limits`) before reading a byte.
It then opens the file without blocking and checks the open handle again (the path may have
been swapped in between). :func:`read_bytes` reads such a file in bounded chunks and stops
at the limit, whatever the file claims its size is. Every refusal is one
:class:`~symrf.errors.SpecError` line naming the path.

>>> read_bytes("/dev/zero", 100, kind="a spec file")
Traceback (most recent call last):
symrf.errors.SpecError: /dev/zero: not a regular file (a device); give the path of a spec file.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from typing import BinaryIO

from symrf.errors import SpecError

CHUNK = 1 << 20
"""Bytes read at a time."""


def shown(path: str) -> str:
    r"""A path or name shortened for a message (control characters escaped).

    >>> shown("a" * 200)[:8], len(shown("a" * 200))
    ('aaaaaaaa', 103)
    >>> shown("bad\nname")
    'bad\\nname'
    """
    text = path if path.isprintable() else repr(path)[1:-1]
    return text if len(text) <= 120 else text[:60] + "..." + text[-40:]


def _kind(mode: int) -> str:
    kinds = [(stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
             (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")]
    return next((label for test, label in kinds if test(mode)), "not a file")


def _checked(path: str, info: os.stat_result, limit: int, kind: str, hint: str) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise SpecError(f"{shown(path)}: not a regular file ({_kind(info.st_mode)}); give the "
                        f"path of {kind}.")
    if info.st_size > limit:
        raise SpecError(f"{shown(path)}: {info.st_size} bytes, more than the limit of "
                        f"{amount(limit)} for {kind}{hint}.")


def amount(limit: int) -> str:
    """A size limit for a message.

    >>> amount(16 * 2**20), amount(300)
    ('16777216 bytes (16 MiB)', '300 bytes')
    """
    if limit < 2**20:
        return f"{limit} bytes"
    unit = f"{limit / 2**30:g} GiB" if limit >= 2**30 else f"{limit / 2**20:g} MiB"
    return f"{limit} bytes ({unit})"


@contextlib.contextmanager
def opened(path: str, limit: int, *, kind: str, hint: str = "") -> Iterator[BinaryIO]:
    """The regular file ``path``, opened for reading, when it holds at most ``limit`` bytes.

    Args:
        path: The file.
        limit: The format's size limit in bytes.
        kind: The format, for messages (``"a spec file"``, ``"an ONNX model"``).
        hint: Text appended to the too-large message (``"; store the weights ..."``).

    Raises:
        SpecError: The path is missing, unreadable, not a regular file, or too large.

    >>> with opened("no/such/file", 10, kind="a spec file") as handle:  # doctest: +ELLIPSIS
    ...     pass
    Traceback (most recent call last):
    symrf.errors.SpecError: no/such/file: cannot read the file (No such file ...); check the path.
    """
    try:
        info = os.stat(path)
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        raise _unreadable(path, error) from None
    _checked(path, info, limit, kind, hint)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise _unreadable(path, error) from None
    with os.fdopen(descriptor, "rb") as handle:
        try:
            _checked(path, os.fstat(descriptor), limit, kind, hint)  # swapped since the stat?
        except OSError as error:
            raise _unreadable(path, error) from None
        yield handle


def _unreadable(path: str, error: Exception) -> SpecError:
    reason = getattr(error, "strerror", None) or type(error).__name__
    return SpecError(f"{shown(path)}: cannot read the file ({reason}); check the path.")


def read_bytes(path: str, limit: int, *, kind: str, hint: str = "") -> bytes:
    """The bytes of the regular file ``path``, read in chunks, at most ``limit`` of them.

    Raises:
        SpecError: As :func:`opened`, or the file grew past ``limit`` while it was read.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile() as file:
    ...     _ = file.write(b"12345"); file.flush()
    ...     read_bytes(file.name, 10, kind="a spec file")
    b'12345'
    """
    with opened(path, limit, kind=kind, hint=hint) as handle:
        return read_from(handle, path, limit, kind=kind, hint=hint)


def read_from(handle: BinaryIO, path: str, limit: int, *, kind: str, hint: str = "") -> bytes:
    """The rest of the file ``handle`` (from :func:`opened`), in chunks, at most ``limit`` bytes."""
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        try:
            chunk = handle.read(min(CHUNK, limit + 1 - total))
        except OSError as error:
            raise _unreadable(path, error) from None
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:
        raise SpecError(f"{shown(path)}: more than the limit of {amount(limit)} for "
                        f"{kind}{hint}.")
    return b"".join(chunks)
