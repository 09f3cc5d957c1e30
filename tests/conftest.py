"""Test configuration: CI runs hypothesis derandomized, so a green run is reproducible.

Locally the examples stay random (each run explores new networks); set
``HYPOTHESIS_PROFILE=ci`` to replay exactly what CI checks.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") or os.environ.get("HYPOTHESIS_PROFILE") == "ci"
                      else "default")
