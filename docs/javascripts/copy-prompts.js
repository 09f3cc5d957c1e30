// Copy buttons copy code you can paste: no ">>> " / "... " or "$ " prompts, no output.
//
// mkdocs-material's copy button copies the `data-copy` attribute of the code element when
// there is one (its innerText otherwise). For every code block that starts with a Python
// prompt (">>>", a doctest or pycon transcript) or a shell prompt ("$ ", a console
// transcript), this sets `data-copy` to the commands alone. The lines are split as doctest
// splits them: a ">>>" line starts a statement, the "..." lines right after it continue it,
// and every other line is output. A statement that spans several lines is followed by a
// blank line, so that a pasted `for` loop ends before the next statement in Python's
// interactive prompt too. Any other code block is left as it is.

function copyText(text) {
  const lines = text.replace(/\n+$/, "").split("\n");
  const first = lines.find((line) => line.trim() !== "") || "";
  const kept = [];
  if (/^\s*>>>( |$)/.test(first)) {
    let inStatement = false;
    let multiline = false;
    for (const line of lines) {
      const prompt = /^(\s*)(>>>|\.\.\.)( |$)/.exec(line);
      if (prompt && prompt[2] === ">>>") {
        if (multiline) kept.push("");
        multiline = false;
      } else if (prompt && inStatement) {
        multiline = true;
      }
      if (prompt && (prompt[2] === ">>>" || inStatement)) {
        inStatement = true;
        kept.push(line.slice(prompt[0].length));
      } else {
        inStatement = false;
      }
    }
    return kept.join("\n");
  }
  if (/^\$ /.test(first)) {
    for (const line of lines) {
      if (line.startsWith("$ ")) kept.push(line.slice(2));
    }
    return kept.join("\n");
  }
  return null;
}

function markCopyText(root) {
  for (const code of root.querySelectorAll(".highlight pre > code")) {
    const text = copyText(code.textContent);
    if (text !== null) code.setAttribute("data-copy", text);
  }
}

if (typeof module !== "undefined") {
  module.exports = { copyText }; // for tests/test_copy_prompts.py (node)
} else if (typeof document$ !== "undefined") {
  document$.subscribe(() => markCopyText(document)); // material's instant navigation
} else {
  document.addEventListener("DOMContentLoaded", () => markCopyText(document));
}
