"""The `.pyi` stub matches the built native module (mypy stubtest), and the package is typed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cookie_charter


def test_stubtest_passes(tmp_path: Path) -> None:
    # Run from an empty folder so that only the installed package is seen.
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "cookie_charter"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout


def test_the_package_is_marked_typed() -> None:
    package = Path(cookie_charter.__file__).parent
    assert (package / "py.typed").is_file()
    assert (package / "_native.pyi").is_file()
