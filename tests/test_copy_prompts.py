"""docs/javascripts/copy-prompts.js: the copy button copies commands without prompts or output.

The script's ``copyText`` runs under node (skipped where node is missing); the Python twin of
each case is what doctest itself reads as the block's source.
"""

import doctest
import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "docs" / "javascripts" / "copy-prompts.js"

PYCON = """\
>>> import symrf
>>> net = symrf.Sequential(
...     symrf.Conv(kernel=3, stride=2),
... )
>>> for row in symrf.evaluate(net).layers:
...     print(row.name)
conv_0
... an output line that starts with dots
>>> symrf.Conv()
Traceback (most recent call last):
symrf.errors.InvalidLayerError: Conv: missing a required argument
"""

CONSOLE = """\
$ symrf analyze alexnet --format json
{"name": "alexnet"}
$ symrf zoo
"""

node = shutil.which("node")
needs_node = pytest.mark.skipif(node is None, reason="needs node")


def copy_text(text):
    program = (f"const {{ copyText }} = require({json.dumps(str(SCRIPT))});"
               f"process.stdout.write(JSON.stringify(copyText({json.dumps(text)})));")
    result = subprocess.run([node, "-e", program], capture_output=True, text=True, check=True,
                            timeout=300)  # a hang guard: load never reaches it
    return json.loads(result.stdout)


@needs_node
def test_pycon_copies_what_doctest_reads_as_source():
    # doctest's own split; a statement of several lines is followed by a blank line
    sources = [example.source for example in doctest.DocTestParser().get_examples(PYCON)]
    expected = "".join(source + ("\n" if source.count("\n") > 1 else "") for source in sources)
    assert copy_text(PYCON) == expected.rstrip("\n")
    assert ">>>" not in copy_text(PYCON) and "conv_0" not in copy_text(PYCON)


@needs_node
def test_console_copies_the_commands():
    assert copy_text(CONSOLE) == "symrf analyze alexnet --format json\nsymrf zoo"


@needs_node
@pytest.mark.parametrize("text", ["x = 1\n", "layer  op  rf\n-----  --  --\n", ""])
def test_other_blocks_are_left_alone(text):
    assert copy_text(text) is None
