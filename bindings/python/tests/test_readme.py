"""Every fenced ```python block of the binding's README and of the repository's README runs as
written: each in a fresh interpreter, in a folder holding the README's `policy.toml`
(tests/readme_policy.toml)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

HERE = Path(__file__).resolve().parent
READMES = [HERE.parent / "README.md", ROOT / "README.md"]
FENCE = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def snippets() -> list[tuple[str, str]]:
    found = []
    for readme in READMES:
        text = readme.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((f"{readme.relative_to(ROOT)}:{line}", match.group(1)))
    return found


SNIPPETS = snippets()


def test_the_binding_readme_has_snippets() -> None:
    assert len([s for s in SNIPPETS if s[0].startswith("bindings")]) >= 8


@pytest.mark.parametrize(("where", "code"), SNIPPETS, ids=[s[0] for s in SNIPPETS])
def test_snippet_runs(where: str, code: str, tmp_path: Path) -> None:
    shutil.copyfile(HERE / "readme_policy.toml", tmp_path / "policy.toml")
    script = tmp_path / "snippet.py"
    script.write_text(code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"{where}:\n{result.stderr}"
