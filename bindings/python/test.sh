#!/usr/bin/env bash
# Builds the Python package from source in its own virtual environment and runs its tests with
# pytest (mypy stubtest of the .pyi stub against the built module among them).
#
#   bash bindings/python/test.sh            # from anywhere in the repository
#   PYTHON=python3.12 bash bindings/python/test.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

python="${PYTHON:-python3}"
venv="$here/.venv"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
py="$venv/bin/python"
export VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH"

"$py" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$py" -m pip install --quiet --disable-pip-version-check -r requirements-test.txt

# Build and install the package as a user would (`pip install ./bindings/python`), release mode,
# with the test-only functions (the `test-hooks` feature, which a user's install leaves out).
MATURIN_PEP517_ARGS="--features test-hooks" \
    "$py" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps --no-build-isolation .

# pytest, which also runs mypy stubtest (the stub against the installed module, tests/test_stubs.py).
"$py" -m pytest -p no:cacheprovider --timeout=600 tests "$@"
