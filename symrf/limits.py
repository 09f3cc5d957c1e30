"""The limits that keep symrf's work bounded on untrusted input, in one place, each with its reason.

Spec files, model files, expression strings and command-line flags are untrusted: a few bytes
can ask for a number with a billion digits, a loop of ``10**100`` iterations or a structure
nested past Python's recursion limit. Each limit below stops one such request early with a
:class:`~symrf.errors.TooLargeError` (or a :class:`~symrf.errors.SpecError` for files) whose
message says what was too large and what to do instead. No legitimate network comes near
them; docs/reference/errors.md lists them for users.

>>> abbreviated(12345)
'12345'
>>> abbreviated(10**5000 + 7)
'1000000000...0000000007 (a 5001-digit number)'
"""

from __future__ import annotations

import math
from fractions import Fraction

from symrf.errors import TooLargeError

MAX_FILE_BYTES = 16 * 2**20
"""Largest spec file read (16 MiB), and largest ONNX graph once its weight data is left out
(:data:`MAX_ONNX_BYTES`): the largest real spec is a few hundred KB, the graph of a model of
100,000 nodes a few MB, and what is read is held in memory. Checked on the file's size
before reading (:mod:`symrf.sources.files`)."""

MAX_NESTING = 64
"""Deepest nesting of ``repeat``/``parallel`` blocks (and of graphs within them). Real
networks nest a few levels; the engine and Python's parsers recurse, so deeper documents are
refused before anything is built."""

MAX_BITS = 8192
"""Largest exact number (in bits, about 2,466 decimal digits) taken as a parameter, a value
for ``--set``, a repeat count with a stride, or produced by substituting one into a formula.
Python refuses to print integers over 4,300 digits, and powers of larger numbers take
unbounded time: 8,192 bits leaves room for a 1,024-level TCN (rf about 2**1025)."""

MAX_EXPRESSION_LENGTH = 1000
"""Longest expression string, in characters."""

MAX_EXPRESSION_DEPTH = 100
"""Deepest nesting of operators in one expression string (Python's parser and symrf's reader
recurse on it)."""

MAX_EXPONENT = 10_000
"""Largest numeric exponent written in an expression string (``s**10000``)."""

MAX_UNROLL = 100_000
"""Most repetitions unrolled one by one (blocks whose geometry depends on the input length or
on the repeat index); closed forms need no unrolling."""

MAX_PHASES = 1 << 14
"""Most phases the exact engine enumerates for a position-dependent field (the product of
the upsampling factors)."""

MAX_READS = 10_000_000
"""Most units visited while propagating the sets of a few units backwards through a network
(:func:`~symrf.engine.dependencies.dependencies`, which the figures draw): the units each layer
reads, summed over layers and over the units drawn. A few seconds of work."""

MAX_TABLE_READS = 10_000_000
"""Most units the exact engine reads to build the tables of a network whose fields depend
on position (``rf``, ``rf_min``, ``jump``, ``left``, ``right``, ``period``, ``offset``):
for each layer, its phases (one period of its units) times the units each reads. Counted
before the work: a few seconds. An upsampling followed by 1,000 3-tap convolutions needs
6,000; a U-Net whose decoder repeats every 32 units, about 32 times its taps."""

MAX_PATHS = 256
"""Most input-to-output paths followed for ``rf_min_path`` (the narrowest path's field);
with more, the figure is unknown (``None``): residual networks double their paths with each
block."""

MAX_PATH_READS = 10_000_000
"""Most units read for the tables of every path (``rf_min_path``), counted as
:data:`MAX_TABLE_READS` is, once per path. Beyond it ``rf_min_path`` is unknown (``None``)
and every other figure is still computed."""

MAX_SET_WORDS = 100_000_000
"""Most machine words (64 bits of a dependency set) the exact engine combines to keep every
row's dependency sets, not only their hulls (the holes :func:`~symrf.engine.coverage.coverage`
lists): for each layer, its phases times its taps times the words of the sets it reads.
Counted before the work, from the hulls: a few seconds."""

MAX_ASSIGNMENTS = 10**8
"""Most assignments the solver searches (a few seconds at the vectorised rate; a range wider
than this is refused before any candidate is built)."""

MAX_DISTRIBUTED_ASSIGNMENTS = 10**12
"""Most assignments searched on a Dask cluster (``scheduler=``, ``--dask``): at 1 to 2*10**7
assignments per second per worker, about a day of one core's work, or minutes on a few
hundred. The client then tracks about 240,000 blocks of 4*10**6 assignments, one task each,
which a Dask scheduler handles; flat indices stay far inside int64."""

MAX_CANDIDATE = 2**53
"""Largest value searched for an unknown: the vectorised search compares in float64, exact
for integers up to 2**53."""

MAX_TIES = 1000
"""Most tied answers (equally cheap, or equal under an ``==`` target) re-checked exactly and
listed; the answer says how many there were in all."""

MAX_COVERAGE = 1_000_000
"""Longest input (in pixels) whose per-pixel coverage is computed, and most holes listed."""

MAX_FIGURE_READS = 5_000_000
"""Most unit visits a figure's own walks back to the input may take (the units the coverage
and index pictures follow, over the rows they draw): two or three seconds. The exact
engine's evaluation of the rows is bounded by its own budgets.
Estimated from one phase per row before any figure is drawn
(:func:`symrf.render.figures.budget.visits`), so a larger request is refused at once."""

MAX_ERF_CELLS = 1 << 24
"""Most entries of one array of exact path counts (the field's volume, over every axis):
about 16 million pixels, 128 MiB of ``int64``."""

MAX_ERF_WORK = 1 << 27
"""Most 64-bit words written by one pass of the exact path counts (entries times their size in
words, summed over layers and axes; a separable network takes one pass per distinct axis): a
second or two. The backward pass is planned box by
box before it runs (:func:`symrf.effective.paths.plan`), so a larger request is refused at
once: a 1,900-layer chain of 3-tap convolutions (counts of 3,000 bits) is within it, a
10,000-layer one is not."""


def abbreviated(number: int | Fraction) -> str:
    """``number`` as text, shortened to its first and last digits when it is very long.

    Python cannot print an integer of more than 4,300 digits, so every message that shows a
    user's number goes through here.

    >>> abbreviated(Fraction(1, 3))
    '1/3'
    """
    if isinstance(number, Fraction):
        return f"{abbreviated(number.numerator)}/{abbreviated(number.denominator)}"
    magnitude = abs(number)
    if magnitude.bit_length() <= 100:
        return str(number)
    digits = int(magnitude.bit_length() * math.log10(2))  # within one of the true count
    if magnitude >= 10**digits:
        digits += 1
    head = magnitude // 10 ** (digits - 10)
    tail = magnitude % 10**10
    sign = "-" if number < 0 else ""
    return f"{sign}{head}...{tail:010d} (a {digits}-digit number)"


def bits(number: int | Fraction) -> int:
    """Size of an exact number in bits (the larger of numerator and denominator).

    >>> bits(255), bits(Fraction(1, 1024))
    (8, 11)
    """
    if isinstance(number, Fraction):
        return max(number.numerator.bit_length(), number.denominator.bit_length())
    return abs(number).bit_length()


def check_bits(number: int | Fraction, what: str) -> int | Fraction:
    """Return ``number``, or raise :class:`TooLargeError` when it exceeds :data:`MAX_BITS`.

    >>> check_bits(2**9000, "kernel")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.TooLargeError: kernel is 1..., more than symrf handles (2**8192); ...
    """
    if bits(number) > MAX_BITS:
        raise TooLargeError(
            f"{what} is {abbreviated(number)}, more than symrf handles (2**{MAX_BITS}); "
            "use a symbol for it and derive the formula instead."
        )
    return number


PRINTABLE_BITS = 14_000
"""Python prints integers of at most 4,300 digits (about 14,284 bits)."""


def printable(number: int | Fraction) -> int | Fraction:
    """Return ``number``, or raise :class:`TooLargeError` when Python could not print it.

    >>> printable(2**100) == 2**100
    True
    """
    if bits(number) > PRINTABLE_BITS:
        raise TooLargeError(
            f"a result is {abbreviated(number)}, too long to print; use symrf.derive() for its "
            "formula."
        )
    return number


MAX_ONNX_BYTES = 2**31 - 1
"""Largest ONNX file read (2 GiB, protobuf's own limit for one message; larger models keep
their weights as external data, which symrf never reads). A file above
:data:`MAX_FILE_BYTES` is read field by field: the data of its weight tensors is skipped
with a seek, never read, and what is kept (graph, attributes, small constants) may be at
most :data:`MAX_FILE_BYTES`, so memory stays bounded whatever the file holds."""

MAX_ONNX_FIELDS = 1_000_000
"""Most protobuf fields read from a large ONNX file outside its skipped weight data: a model
of 100,000 nodes has a few hundred thousand; a file of millions of tiny fields would take
minutes to walk and is refused instead."""

MAX_ONNX_NODES = 200_000
"""Most nodes in an ONNX graph: importing and analysing takes about 30 microseconds per node
(100,000 nodes in a few seconds), and 16 MiB of graph can hold 700,000 nameless nodes,
minutes of work. The largest exported networks have tens of thousands."""
