"""The built site works offline: nothing loaded from elsewhere, every formula as MathML.

The site is built once per module (``mkdocs build --strict``, as CI builds it). A page must
not load a script, stylesheet or font from another host (a reader on a plane or on a
locked-down cluster would see raw TeX and fallback fonts), and no ``\\(``/``\\[`` math may
be left for a script to typeset. A ```symrf block that fails stops the build with one line.
Where Debian's ``chromium`` is installed, the tutorial is loaded headless and its MathML is
checked to be laid out as math (fractions stacked) and its figures present.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("mkdocs")  # the docs extra
ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
EXTERNAL = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
CSS_EXTERNAL = re.compile(r"""(@import\s+(url\()?|url\()\s*['"]?\s*(https?:)?//""", re.I)
RAW_MATH = re.compile(r"\\[(\[]")


def build(config_dir: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=config_dir, capture_output=True, text=True, timeout=900,  # a hang guard
        env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1", "HOME": str(site.parent)},
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    done = build(ROOT, out)
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stderr[-3000:]}"
    return out


class Page(HTMLParser):
    """What a page loads, and its visible text outside code."""

    SKIPPED = frozenset({"code", "pre", "script", "style", "textarea", "math", "svg"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.loads: list[tuple[str, str]] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self.open: list[str] = []
        self.maths = 0
        self.svgs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "link" and not {"canonical", "alternate"} & set(found.get("rel", "").split()):
            self.loads.append((f"<link rel={found.get('rel')}>", found.get("href", "")))
        if tag in ("script", "img", "iframe", "source", "audio", "video"):
            self.loads.append((f"<{tag}>", found.get("src", "")))
        self.maths += tag == "math"
        self.svgs += tag == "svg"
        if tag in self.SKIPPED:
            self.open.append(tag)

    def external(self) -> list[str]:
        """What the page loads from another host: tags and their CSS."""
        found = [f"{tag} {url}" for tag, url in self.loads if EXTERNAL.match(url)]
        return found + [f"<style> {m.group(0)}" for style in self.styles
                        for m in CSS_EXTERNAL.finditer(style)]

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED and tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag):]

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1] == "style":
            self.styles.append(data)
        elif not self.open:
            self.text.append(data)


def read(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def pages(site: Path) -> list[Path]:
    found = sorted(site.rglob("*.html"))
    assert len(found) > 20, f"only {len(found)} pages built"
    return found


def test_no_page_loads_anything_from_another_host(site: Path) -> None:
    offenders = []
    for path in pages(site):
        offenders += [f"{path.relative_to(site)}: {found}" for found in read(path).external()]
    for path in sorted(site.rglob("*.css")):
        text = path.read_text(encoding="utf-8", errors="replace")
        where = path.relative_to(site)
        offenders += [f"{where}: {match.group(0)}" for match in CSS_EXTERNAL.finditer(text)]
    assert not offenders, "external resources:\n" + "\n".join(offenders[:20])


def test_the_checker_sees_external_resources() -> None:
    page = Page()
    page.feed('<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">'
              '<script src="//unpkg.com/mathjax@3/es5/tex-mml-chtml.js"></script>'
              '<style>@import url("https://example.org/a.css");</style>')
    page.feed('<link rel="stylesheet" href="../assets/main.css"><script src="a.js"></script>'
              '<a href="https://example.org">a link is not a load</a>')
    assert page.external() == [
        "<link rel=stylesheet> https://fonts.googleapis.com/css?family=Roboto",
        "<script> //unpkg.com/mathjax@3/es5/tex-mml-chtml.js",
        '<style> @import url("https://',
    ]


def test_no_math_is_left_as_tex(site: Path) -> None:
    raw, pages_with_math = [], 0
    for path in pages(site):
        page = read(path)
        text = "".join(page.text)
        raw += [f"{path.relative_to(site)}: ...{text[m.start() - 30 : m.end() + 30]!r}"
                for m in RAW_MATH.finditer(text)]
        pages_with_math += page.maths > 0
    assert not raw, "math left as TeX:\n" + "\n".join(raw[:20])
    assert pages_with_math > 0


def test_math_written_in_a_page_is_math_in_the_site(site: Path) -> None:
    sources = sorted((ROOT / "docs").rglob("*.md"))
    for source in sources:
        markdown = source.read_text(encoding="utf-8")
        written = len(re.findall(r"^\\\[$", markdown, re.MULTILINE))
        if not written:
            continue
        name = source.relative_to(ROOT / "docs").with_suffix("")
        built = site / name / "index.html" if name.name != "index" else site / "index.html"
        blocks = built.read_text(encoding="utf-8").count('<math xmlns="http://www.w3.org/1998/'
                                                         'Math/MathML" display="block"')
        assert blocks >= written, f"{name}: {written} display formulas written, {blocks} built"


def test_a_failing_symrf_block_fails_the_build_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: t\nmarkdown_extensions:\n  - symrf.markdown\n")
    (tmp_path / "docs" / "index.md").write_text(textwrap.dedent("""\
        # A page

        ```symrf
        format: table
        ---
        [[layers]]
        op = "conv"
        kernel = 0
        ```
        """))
    done = build(tmp_path, tmp_path / "site")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if "symrf block" in line]
    assert len(lines) == 1, done.stderr
    assert lines[0].endswith("index.md:3: symrf block: the inline spec: layers[0] (conv_0), "
                             "key 'kernel': conv kernel must be >= 1, got 0; use a kernel of "
                             "at least 1.")


PROBE = """<script>
(() => {
  const text = document.querySelector("article").innerText;
  const fractions = [...document.querySelectorAll("article mfrac")];
  const flat = fractions.filter(f => f.children.length !== 2 ||
    f.children[0].getBoundingClientRect().bottom > f.children[1].getBoundingClientRect().top + 1);
  const figures = [...document.querySelectorAll("article .symrf-figure svg, article img")];
  const out = document.createElement("pre");
  out.id = "symrf-probe";
  out.textContent = JSON.stringify({
    maths: document.querySelectorAll("article math").length,
    fractions: fractions.length, flat: flat.length,
    raw: (text.match(/\\\\[(\\[]/g) || []).length,
    figures: figures.length,
    empty: figures.filter(f => f.getBoundingClientRect().height < 10).length,
  });
  document.body.appendChild(out);
})();
</script>"""
"""Runs in the page: counts math, fractions not laid out stacked, raw TeX, figures."""


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_the_tutorial_renders_in_a_browser(site: Path, tmp_path: Path) -> None:
    tutorial = site / "tutorial" / "receptive-fields" / "index.html"
    probe = tutorial.with_name("probe.html")
    probe.write_text(tutorial.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"))
    try:
        done = _dump_dom(probe, tmp_path / "profile")
    finally:
        probe.unlink()
    match = re.search(r'<pre id="symrf-probe">(.*?)</pre>', done.stdout)
    assert match, f"the probe did not run:\n{done.stderr[-2000:]}"
    seen = json.loads(match.group(1))
    print(seen)
    source = (ROOT / "docs" / "tutorial" / "receptive-fields.md").read_text(encoding="utf-8")
    figure_blocks = len(re.findall(r"^\s*format:\s*figure:", source, re.MULTILINE))
    assert seen["maths"] > 0 and seen["fractions"] > 0, seen
    assert seen["flat"] == 0, f"Chromium did not lay out MathML fractions: {seen}"
    assert seen["raw"] == 0, seen
    assert seen["figures"] >= figure_blocks and seen["empty"] == 0, seen


def _dump_dom(page: Path, profile: Path) -> subprocess.CompletedProcess[str]:
    """The DOM of ``page`` after its scripts ran, from headless Chromium with no network use."""
    return subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--dump-dom",
         page.as_uri()],
        capture_output=True, text=True, timeout=600,  # a hang guard: load never reaches it
    )

