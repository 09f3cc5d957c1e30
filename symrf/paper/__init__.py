"""Paper forms: the formula an author would print, under the assumptions the paper states.

The paper floor (this package) imports only maths and errors; renderers call it.

:func:`paper_form` rewrites a figure into one canonical form, the same whatever the symbols
are called; :func:`assumptions` reads ``--assume`` texts; :func:`where` names long repeated
subformulas for a ``where`` clause. The raw expressions of :func:`symrf.derive` stay as
they are: renderers call these functions on them.

>>> import symrf
>>> k, n = symrf.symbols("k n")
>>> paper_form(n*k - n + 1)
n*(k - 1) + 1
"""

from symrf.paper.assume import Assumptions, assumptions, stated
from symrf.paper.forms import paper_form
from symrf.paper.names import where
from symrf.paper.signs import ordered_terms

__all__ = [
    "Assumptions", "assumptions", "ordered_terms", "paper_form", "stated", "where",
]
