"""The exceptions symrf raises.

Every error derives from :class:`SymrfError` and from the matching builtin, so callers can
catch either ``SymrfError`` or ``ValueError``/``TypeError``. Messages say what was wrong,
where, what was expected and how to fix it; the command line prints them as one line.

>>> issubclass(InvalidLayerError, ValueError)
True
"""

from __future__ import annotations


class SymrfError(Exception):
    """Base class of every error symrf raises on bad input.

    ``key`` names the parameter the error is about, when there is one, so that a spec reader
    can say where in the file it stands.
    """

    key: str | None = None

    def with_key(self, key: str) -> SymrfError:
        """Record the parameter ``key`` this error is about and return the error."""
        self.key = key
        return self


def located(error: SymrfError, where: str) -> SymrfError:
    """A copy of ``error`` whose message starts with ``where`` (and the key, if recorded).

    >>> print(located(InvalidLayerError("stride must be >= 1").with_key("stride"), "layers[2]"))
    layers[2], key 'stride': stride must be >= 1
    """
    if error.key:
        where = f"{where}, key {error.key!r}"
    return type(error)(f"{where}: {error}")


class InvalidLayerError(SymrfError, ValueError):
    """A layer parameter is provably invalid (``stride=0``, ``kernel=0``, negative dilation)."""


class ScalarTypeError(SymrfError, TypeError):
    """A parameter has a type symrf does not accept (a float, a raw string, a bool)."""


class ExpressionError(SymrfError, ValueError):
    """An expression string is not in the safe grammar or names an invalid symbol."""


class SpecError(SymrfError, ValueError):
    """A network spec file is missing, unreadable or malformed."""


class NetworkError(SymrfError, ValueError):
    """A network cannot be analysed as given (empty, or a figure needs a missing value)."""


class TooLargeError(SymrfError, ValueError):
    """A numeric evaluation would need numbers or loops too large to compute."""


class ExactTooLargeError(TooLargeError):
    """The exact figures need more work than symrf's limits allow; proven bounds still apply.

    The formulas (``symrf.derive``) bound every figure; the command line shows them instead.
    """

    ADVICE = "Use symrf.derive() for labelled bounds."

    def reason(self) -> str:
        """The message without :data:`ADVICE` (for callers that act on the advice)."""
        return str(self).replace(self.ADVICE, "").strip()


class NoSolutionError(SymrfError, ValueError):
    """No assignment in the searched ranges meets a design target (:func:`symrf.solve.solve`)."""


class ClusterError(SymrfError, RuntimeError):
    """Dask is missing, the scheduler cannot be reached, or a worker failed (``--dask``)."""
