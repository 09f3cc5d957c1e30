"""Maths: interval and size maps, scalars, the safe parser, bounded substitution, roots.

The maths floor: the interval and size maps every figure is folded with, the one boundary
for scalars, the safe expression parser, bounded substitution and exact roots. It knows no
layer names and imports only :mod:`symrf.limits` and :mod:`symrf.errors`.
"""
