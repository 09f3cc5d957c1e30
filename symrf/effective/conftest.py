"""pytest: the empirical ERF's doctests need torch; skip them where it is missing.

``pip install ".[test]"`` runs the suite without torch (the torch tests skip); CI installs it
and runs everything.
"""

import importlib.util

collect_ignore_glob = ["empirical.py"] if importlib.util.find_spec("torch") is None else []
