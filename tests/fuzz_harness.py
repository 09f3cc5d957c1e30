"""The fuzz suite's harness: watchdogs, capped children and the sanity laws (issue 8).

The law, for the command line (``symrf.cli.main``) and the Python API (``loads``, ``load``,
``evaluate``, ``derive``, ``solve``, ``coverage``): an input ends either with a
:class:`~symrf.errors.SymrfError` -- on the command line exit status 2 and exactly one
stderr line ``symrf: error: ...`` -- or with a sane answer (exit 0; ``rf`` a whole number of
at least 1, or 0 when no unit reads any input; ``jump`` positive; no size below 1), never
with another exception, and within a few seconds.

Every call runs under a watchdog (:func:`within`) that counts *CPU time*, not wall time: a
budget of seconds the process may compute (``ITIMER_PROF``), so a loaded machine, which
stretches the wall time of legitimate work, never fails it, while a runaway computation still
does. ``Overtime`` is raised in the main thread and fails the example instead of stalling the
suite. A hang that computes nothing (waiting on a FIFO, a lock, a sleep) is caught by a
separate wall-clock limit of minutes (:data:`WALL_LIMIT`), far beyond any load. Work that
Python cannot interrupt (one huge integer power, reading ``/dev/zero``) runs in a forked child
capped by ``RLIMIT_AS`` and ``RLIMIT_CPU`` (:func:`isolated`), killed when it outlives the
wall-clock limit. As a last resort for the in-process examples, ``faulthandler`` ends the run
after :data:`HARD_LIMIT` seconds and writes the stack and the example to
``$TMPDIR/symrf-fuzz-hang.log``. Used by tests/test_fuzz.py (generated inputs) and
tests/test_fuzz_regressions.py (one case per class of hostile input).
"""

from __future__ import annotations

import contextlib
import faulthandler
import io
import json
import math
import os
import re
import resource
import select
import signal
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import sympy
from hypothesis import HealthCheck, settings

import symrf
from symrf.cli import main
from symrf.engine import analyze
from symrf.errors import SymrfError

BUDGET = 10.0
"""Seconds of CPU time one input may take: the contract's "a few seconds", with room for sympy's
first calls (its lazy imports and cold caches) and for a CPU shared with other processes (cache
misses make the same work cost more CPU)."""
WALL_LIMIT = 300.0
"""Seconds of wall time after which an input fails even within its CPU budget: it is waiting on
something, not computing. Minutes, so no load stretches legitimate work this far."""
HARD_LIMIT = 600
"""Seconds of wall time after which faulthandler ends the whole run (a hang Python cannot
interrupt in the main process)."""
HANG_LOG = Path(tempfile.gettempdir()) / "symrf-fuzz-hang.log"

SCALE = max(1, settings.default.max_examples // 1000)
"""1 normally; 50 under the ``long`` profile (50,000 examples)."""


def examples(count: int) -> int:
    """``count`` examples, scaled up for the long profile."""
    return count * SCALE


FUZZ = settings(
    deadline=None,
    report_multiple_bugs=SCALE > 1,  # CI shrinks one failure per test; long runs list them all
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much, HealthCheck.large_base_example],
)


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    """Pay sympy's one-time costs (lazy imports, first simplifications) before any timing.

    Failures here are ignored: the tests below check the law; this only warms up.
    """
    k, s, n = symrf.symbols("k s n")
    with contextlib.suppress(Exception), contextlib.redirect_stdout(io.StringIO()):
        net = symrf.Sequential(symrf.Conv(kernel=k, stride=s, padding="same"),
                               symrf.Repeat(symrf.Conv(kernel=k, stride=s), times=n),
                               symrf.Upsample(factor=2), symrf.Conv(kernel=3))
        analyze(net, input_size=n)
        analyze(net, values={"k": 3, "s": 2, "n": 2}, input_size=64)
        symrf.solve(symrf.Repeat(symrf.Conv(kernel=k), times=3), "rf >= 9", "k")
        main(["analyze", "resnet18"])


# ------------------------------------------------------------------ the watchdog


class Overtime(BaseException):
    """Raised by a watchdog's signal in the main thread: a BaseException, so no
    ``except Exception`` inside symrf can swallow it."""


def _overtime(signum: int, frame: Any) -> None:
    raise Overtime(signum)


def _cpu() -> float:
    """CPU seconds this process has used (all its threads), the clock ``ITIMER_PROF`` counts."""
    return time.process_time()


@contextlib.contextmanager
def within(seconds: float, what: object, wall: float = WALL_LIMIT) -> Iterator[None]:
    """Run the block under a watchdog; a late block fails with an AssertionError naming it.

    ``seconds`` is a budget of CPU time, so load cannot fail legitimate work; ``wall`` (minutes
    by default) catches a block that waits instead of computing. A watchdog already running
    (an outer ``within``) is suspended for the block and resumes afterwards, less the time spent.
    """
    handlers = {sig: signal.signal(sig, _overtime) for sig in (signal.SIGPROF, signal.SIGALRM)}
    outer_cpu = signal.setitimer(signal.ITIMER_PROF, seconds)[0]
    outer_wall = signal.setitimer(signal.ITIMER_REAL, wall)[0]
    cpu, started = _cpu(), time.monotonic()
    try:
        with _last_resort(what):
            yield
    except Overtime as late:
        used, waited = _cpu() - cpu, time.monotonic() - started
        if late.args == (signal.SIGPROF,):
            why = (f"{seconds} s of CPU time (gave up after {used:.1f} s of CPU, {waited:.1f} s "
                   "of wall time)")
        else:
            why = (f"{wall} s of wall time, having used {used:.1f} s of its {seconds} s of CPU "
                   "time: it waits on something")
        raise AssertionError(f"no answer within {why}: {short(what)}") from None
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        _resume(signal.ITIMER_PROF, outer_cpu, _cpu() - cpu)
        _resume(signal.ITIMER_REAL, outer_wall, time.monotonic() - started)


_ARMED: list[object] = []
"""The example faulthandler is armed for (the outermost ``within``), if any."""


@contextlib.contextmanager
def _last_resort(what: object) -> Iterator[None]:
    """End the run after HARD_LIMIT seconds, with the stack and ``what`` in HANG_LOG."""
    if _ARMED:  # an outer watchdog holds it
        yield
        return
    with HANG_LOG.open("w") as log:
        log.write(f"example still running after {HARD_LIMIT} s:\n{short(what, 10**6)}\n\n")
        log.flush()
        faulthandler.dump_traceback_later(HARD_LIMIT, exit=True, file=log)
        _ARMED.append(what)
        try:
            yield
        finally:
            _ARMED.pop()
            faulthandler.cancel_dump_traceback_later()


def _resume(timer: int, left: float, spent: float) -> None:
    """Restart an outer watchdog's timer with what it had left (at once when nothing is)."""
    if left > 0:
        signal.setitimer(timer, max(left - spent, 1e-3))


def short(what: object, limit: int = 600) -> str:
    try:
        text = repr(what)
    except ValueError:  # an integer past Python's 4,300-digit printing limit
        text = f"<{type(what).__name__} too long to print>"
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"


def outcome(call: Callable[[], Any], what: object, seconds: float = BUDGET) -> Any:
    """``call()``'s answer, or the SymrfError it raised; anything else propagates."""
    with within(seconds, what):
        try:
            return call()
        except SymrfError as error:
            return error


# ------------------------------------------------------------------ what a sane answer is


def _sane_field(field: Any, where: str) -> None:
    rf, jump, size, period = field.rf, field.jump, field.size, field.period
    if isinstance(rf, int | Fraction):  # rf 0: no unit reads any input (DESIGN section 1)
        assert isinstance(rf, int) and (rf >= 1 or (rf == 0 and field.left is None)), (
            f"{where}: rf {rf}")
    if isinstance(jump, int | Fraction):
        assert jump > 0, f"{where}: jump {jump}"
    if isinstance(size, int | Fraction):
        assert isinstance(size, int) and size >= 1, f"{where}: size {size}"
    if isinstance(period, int | Fraction):
        assert isinstance(period, int) and period >= 1, f"{where}: period {period}"
    for name in ("rf", "jump", "size", "left", "right"):
        value = getattr(field, name)
        assert not isinstance(value, float | bool), f"{where}: {name} is {value!r}"
        if isinstance(value, sympy.Basic):
            assert not value.has(sympy.zoo, sympy.nan, sympy.oo, sympy.Float), (
                f"{where}: {name} = {value}")


def check_report(report: Any) -> None:
    """Every figure a number should be is a sane one, for the network and every row."""
    for field in report.axes:
        _sane_field(field, "network")
    for row in report.layers:
        for field in row.axes:
            _sane_field(field, f"row {row.name}")


def check_coverage(result: Any, size: int) -> None:
    """Coverage rows: sizes and fields at least 1, holes inside the hull."""
    for row in result.rows:
        assert row.size >= 1 and row.rf >= 1, row
        assert row.in_padding >= 0 and 0 <= row.padding_fraction <= 1, row
        assert all(0 < hole < row.rf for hole in row.holes) or not row.holes, row


def json_number(value: Any) -> Fraction | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+(/\d+)?", value):
        return Fraction(value)
    return None


def _check_json_figures(data: Any, where: str) -> None:
    empty = isinstance(data, dict) and data.get("left", 0) is None  # no unit reads any input
    for key, low in (("rf", 0 if empty else 1), ("jump", 0), ("size", 1)):
        values = data.get(key) if isinstance(data, dict) else None
        for value in values if isinstance(values, list) else [values]:
            number = json_number(value)
            if number is not None:
                assert number >= low and (key != "jump" or number > 0), f"{where}: {key} = {value}"
                assert key == "jump" or number.denominator == 1, f"{where}: {key} = {value}"


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` with stdout and stderr captured (no pytest fixture: hypothesis-safe)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exit_:  # argparse's --help
            assert "-h" in argv or "--help" in argv, f"SystemExit({exit_.code}) from {argv}"
            status = 0 if exit_.code in (0, None) else 2
    return status, out.getvalue(), err.getvalue()


def check_cli(status: Any, out: str, err: str, argv: list[str]) -> None:
    """The command-line law: exit 0 with an answer, or exit 2 with one error line."""
    assert status in (0, 2), f"exit {status} for {short(argv)}:\n{err[-3000:]}"
    if status == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("symrf: error: "), (
            f"stderr for {short(argv)} is not one error line:\n{err[-3000:]}")
        assert "Traceback" not in err and out == ""
        return
    assert err == "" and out.strip(), f"exit 0 for {short(argv)} but stderr {err[-2000:]!r}"
    if "--format" in argv and argv[argv.index("--format") + 1:][:1] == ["json"]:
        data = json.loads(out)
        if argv[0] == "analyze":
            _check_json_figures(data, "network")
            for row in data.get("layers", []):
                _check_json_figures(row, f"row {row.get('name')}")


# ------------------------------------------------------------------ running in a child


def _virtual_memory() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def isolated(call: Callable[[], Any], seconds: float = BUDGET, memory: int = 2 << 30) -> Any:
    """Run ``call`` in a forked child with ``memory`` more bytes of address space at most.

    Returns what ``call`` returned (JSON-able), or ``{"exception": traceback}``. The child has
    ``seconds`` of CPU time: past them the watchdog fails the test, and a few seconds later
    ``RLIMIT_CPU`` kills work Python cannot interrupt. A child that outlives
    :data:`WALL_LIMIT` without using them (waiting on something) is killed too.
    """
    if not hasattr(os, "fork") or not Path("/proc/self/status").exists():
        pytest.skip("needs fork and /proc (Linux)")
    reader, writer = os.pipe()
    limit = _virtual_memory() + memory
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(reader)
            try:
                _cap_child(limit, seconds)
                with within(seconds, "the call in the child"):
                    result = call()
            except AssertionError as late:
                result = {"overtime": str(late)}
            except BaseException:
                result = {"exception": traceback.format_exc()[-4000:]}
            os.write(writer, json.dumps(result, default=repr).encode())
        finally:
            os._exit(0)
    os.close(writer)
    chunks = []
    deadline = time.monotonic() + WALL_LIMIT + 60  # the child's own watchdog speaks first
    try:
        while True:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([reader], [], [], max(left, 0))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                raise AssertionError(f"child still running after {WALL_LIMIT + 60:.0f} s of "
                                     f"wall time (its CPU budget is {seconds} s): it waits on "
                                     "something")
            chunk = os.read(reader, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(reader)
        _, status = os.waitpid(pid, 0)
    if not chunks:
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXCPU:
            raise AssertionError(f"no answer within {seconds} s of CPU time: the child was "
                                 "killed by RLIMIT_CPU in work Python cannot interrupt")
        raise AssertionError("the child died without an answer (killed, or out of memory)")
    result = json.loads(b"".join(chunks))
    if isinstance(result, dict) and "overtime" in result:
        raise AssertionError(result["overtime"])
    return result


CPU_MARGIN = 5
"""Seconds of CPU time past its budget after which the kernel kills a child (``RLIMIT_CPU``):
the margin lets the watchdog's own, clearer, failure come first when Python can raise it."""


def _cap_child(address_space: int, seconds: float) -> None:
    """Cap this (forked) process: address space, CPU time, and no core file when killed."""
    for which, soft in ((resource.RLIMIT_AS, address_space),
                        (resource.RLIMIT_CPU, math.ceil(seconds) + CPU_MARGIN),
                        (resource.RLIMIT_CORE, 0)):
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(which, (soft, hard))


def _cli_in_child(argv: list[str]) -> dict[str, Any]:
    status, out, err = run_cli(argv)
    return {"status": status, "out": out[: 64 << 20], "err": err[-20000:]}


def cli_isolated(argv: list[str], seconds: float = BUDGET) -> tuple[Any, str, str]:
    """``main(argv)`` in a capped child: ``(status, stdout, stderr)``."""
    result = isolated(lambda: _cli_in_child(argv), seconds)
    if "exception" in result:
        return 1, "", result["exception"]
    return result["status"], result["out"], result["err"]
