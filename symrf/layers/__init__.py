"""Layer kinds, one module per family: window, pointwise, resample, whole, compose, graph."""
