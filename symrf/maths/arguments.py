"""The checks of the public functions' arguments: counts, indices, value mappings, arrays.

A keyword of :func:`symrf.erf`, :func:`symrf.figure`, :func:`symrf.solve` or
:func:`symrf.sweep` is checked once, where the function starts, by one of these: a wrong
type, a float, a bool, ``nan``, an out-of-range count or index is one
:class:`~symrf.errors.SymrfError` line naming the keyword, what was given and what is
expected, never a traceback from deeper down. Numbers and expressions themselves pass
through :func:`symrf.maths.scalars.scalar`, the one boundary for parameters.

>>> whole(3, "figure: axis", least=0)
3
"""

from __future__ import annotations

import numbers
import reprlib
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import sympy

from symrf.errors import NetworkError, ScalarTypeError, TooLargeError
from symrf.limits import abbreviated
from symrf.maths.scalars import Scalar, fractional, scalar


def described(value: object) -> str:
    """``value`` named for an error message: its type where that is the mistake.

    >>> described(3.5), described(True), described("a"), described(object())
    ('the float 3.5', 'the bool True', "the string 'a'", 'an object of type object')
    """
    if isinstance(value, bool):
        return f"the bool {value}"
    if isinstance(value, float):
        return f"the float {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "..."
        return f"the string {shown!r}"
    if isinstance(value, int):
        return abbreviated(value)
    if isinstance(value, Fraction | sympy.Basic):
        return str(value) if len(str(value)) <= 60 else str(value)[:60] + "..."
    if value is None:
        return "None"
    if isinstance(value, list | tuple | dict | set | frozenset):
        try:
            text = reprlib.repr(value)
        except ValueError:  # an integer too long for Python to print
            text = "holding a number too long to print"
        return f"the {type(value).__name__} {text if len(text) <= 60 else text[:60] + '...'}"
    return f"an object of type {type(value).__name__}"


def whole(value: object, what: str, *, least: int | None = None, most: int | None = None,
          example: str = "") -> int:
    """``value`` as an ``int``, for a keyword that counts or indexes (a unit, an axis, dims).

    Accepts ints, numpy's integers and whole sympy or ``Fraction`` numbers; refuses bools,
    floats (``nan`` and ``inf`` too), strings, expressions and anything else, and values
    outside ``least .. most``, with one line that says what was given and what is expected.

    Args:
        value: The value given.
        what: How to name it: ``"erf: unit"``.
        least: The smallest value accepted, if any.
        most: The largest value accepted, if any.
        example: How to write a good value, e.g. ``"unit=3"``.

    Raises:
        ScalarTypeError: ``value`` is no whole number.
        NetworkError: ``value`` is outside ``least .. most``.

    >>> whole(sympy.Integer(3), "unit")
    3
    >>> whole(3.5, "erf: unit", least=0, example="unit=3")
    Traceback (most recent call last):
    symrf.errors.ScalarTypeError: erf: unit is the float 3.5; give a whole number >= 0, e.g. unit=3.
    """
    bounds = (f" from {least} to {most}" if least is not None and most is not None
              else f" >= {least}" if least is not None
              else f" <= {most}" if most is not None else "")
    hint = f"give a whole number{bounds}" + (f", e.g. {example}" if example else "") + "."
    number: object = value
    if isinstance(value, Fraction) and value.denominator == 1:
        number = value.numerator
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
        number = int(value)  # numpy's integers and sympy's Integer
    if not isinstance(number, int) or isinstance(number, bool):
        raise ScalarTypeError(f"{what} is {described(value)}; {hint}")
    if (least is not None and number < least) or (most is not None and number > most):
        raise NetworkError(f"{what} is {abbreviated(number)}; {hint}")
    return number


def length(value: object, what: str = "input size") -> Scalar:
    """An input length: a whole number of at least 1, or an expression that may be one.

    >>> length(224), length(sympy.Symbol("n", positive=True, integer=True) + 1)
    (224, n + 1)
    >>> length(-5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.NetworkError: input size -5 is not a positive integer; give the input ...
    """
    checked = scalar(value, what)
    below = checked < 1
    if below is True or below is sympy.true or fractional(checked):
        raise NetworkError(f"{what} {described(checked)} is not a positive integer; give the "
                           "input length in pixels (>= 1).")
    return checked


def named_values(values: object, what: str = "values") -> dict[str, object]:
    """``values`` as a dict by symbol name: a mapping (or None) whose keys are names or symbols.

    >>> named_values({sympy.Symbol("k"): 3, "n": 2}), named_values(None)
    ({'k': 3, 'n': 2}, {})
    >>> named_values([("k", 3)])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.ScalarTypeError: values is a list; give a mapping of symbol names to ...
    """
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise ScalarTypeError(f"{what} is a {type(values).__name__}; give a mapping of symbol "
                              "names to numbers, e.g. values={'k': 3}.")
    found: dict[str, object] = {}
    for name, value in values.items():
        key = name.name if isinstance(name, sympy.Symbol) else name
        if not isinstance(key, str):
            raise ScalarTypeError(f"{what} has the key {described(name)}; name each symbol by "
                                  "a string or a symbol, e.g. values={'k': 3}.")
        found[key] = value
    return found


def integer_array(value: object, what: str, most: int) -> Any:
    """``value`` (a number, a list or a numpy array) as a numpy integer array.

    The vectorised sweep computes with these: floats, booleans, strings and numbers past
    ``most`` are refused with one line, so every value swept is a whole number it computes
    exactly.

    >>> integer_array([3, 5], "sweep: k", 2**53).tolist()
    [3, 5]
    >>> integer_array([2**60], "sweep: k", 2**53)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.TooLargeError: sweep: k holds 1152921504606846976, past 2**53 ...
    """
    import numpy as np

    try:
        array = np.asarray(value)
    except (ValueError, TypeError, OverflowError, RecursionError) as error:
        raise ScalarTypeError(f"{what} is not an array of whole numbers ({error}); give an int "
                              "or an integer array, e.g. np.arange(1, 10).") from None
    if array.dtype.kind == "O":
        items = array.ravel().tolist()
        if all(isinstance(item, int | sympy.Integer | numbers.Integral)
               and not isinstance(item, bool) for item in items):
            numbers_found = [int(item) for item in items]
            largest = max(map(abs, numbers_found), default=0)
            if largest > most:
                raise TooLargeError(_past(what, largest, most))
            array = np.array(numbers_found, dtype=np.int64).reshape(array.shape)
    if array.dtype.kind not in "iu":
        first = next(iter(array.flat), None)
        shown = first.item() if isinstance(first, np.generic) else first
        found = f" ({described(shown)})" if array.size else ""
        raise ScalarTypeError(f"{what} holds {array.dtype} values{found}; give whole numbers "
                              "(an int, or an integer array such as np.arange(1, 10)).")
    if array.size:
        largest = max(abs(int(array.max())), abs(int(array.min())))
        if largest > most:
            raise TooLargeError(_past(what, largest, most))
    return array


def integer_arrays(values: Mapping[str, object], what: str, most: int) -> dict[str, Any]:
    """Each of ``values`` through :func:`integer_array`, checked to broadcast together.

    >>> integer_arrays({"k": [3, 5], "n": 2}, "sweep", 2**53)["n"].tolist()
    2
    >>> integer_arrays({"k": [3, 5], "n": [1, 2, 3]}, "sweep", 2**53)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.NetworkError: sweep: the arrays k (shape (2,)), n (shape (3,)) do not ...
    """
    import numpy as np

    arrays = {name: integer_array(value, f"{what}: {name}", most)
              for name, value in values.items()}
    try:
        np.broadcast_shapes(*(array.shape for array in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{name} (shape {array.shape})" for name, array in arrays.items())
        raise NetworkError(f"{what}: the arrays {shapes} do not broadcast together; give "
                           "arrays of one shape, or an open grid (np.meshgrid(..., "
                           "sparse=True)).") from None
    return arrays


def _past(what: str, largest: int, most: int) -> str:
    return (f"{what} holds {abbreviated(largest)}, past 2**{most.bit_length() - 1} where the "
            "vectorised float64 computation stops being exact; use symrf.evaluate() for "
            "such values.")
