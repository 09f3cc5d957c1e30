"""pytest: the importers' doctests need their frameworks; skip them where those are missing.

``pip install ".[test]"`` runs the suite without torch or onnx (the importers' tests skip);
CI installs both and runs everything.
"""

import importlib.util

_NEEDS = {"torch": ("torch.py", "torch_*.py"), "onnx": ("onnx.py", "onnx_*.py", "__init__.py")}

collect_ignore_glob = [
    pattern
    for package, patterns in _NEEDS.items()
    if importlib.util.find_spec(package) is None
    for pattern in patterns
]
