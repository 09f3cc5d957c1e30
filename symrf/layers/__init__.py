"""Layer kinds, one module per family: window, pointwise, resample, whole, compose, graph.

The layers floor: one module per family (window, pointwise, resample, whole, context) and
the structure (Sequential, Repeat, Parallel, Graph). A layer describes its geometry; it does
not print, display or export itself. Imports only maths, limits and errors.
"""
