"""The test-only functions (`_raise_panic_for_tests`, `_set_clock_for_tests`) are in the module
`test.sh` builds (the `test-hooks` cargo feature) and in no build made without that feature, as
`pip install ./bindings/python` makes it. The build here is maturin's default (debug) profile,
which compiles the same items as a release build and takes a fraction of its time."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from cookie_charter import _native

HERE = Path(__file__).resolve().parents[1]
HOOKS = (b"_raise_panic_for_tests", b"_set_clock_for_tests")


def native_library(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [
            n for n in archive.namelist()
            if Path(n).name.startswith("_native.") and Path(n).suffix in (".so", ".pyd")
        ]
        return archive.read(name)


def test_the_test_build_has_the_hooks() -> None:
    library = Path(_native.__file__).read_bytes()
    for hook in HOOKS:
        assert hook in library
        assert hasattr(_native, hook.decode())


def test_a_build_without_the_feature_has_no_test_hooks(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "MATURIN_PEP517_ARGS"}
    result = subprocess.run(
        [sys.executable, "-m", "maturin", "build", "--quiet", "--interpreter", sys.executable,
         "--out", str(tmp_path)],
        cwd=HERE,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = tmp_path.glob("*.whl")
    library = native_library(wheel)
    assert b"PyInit__native" in library  # the module itself is there
    for hook in HOOKS:
        assert hook not in library, hook
