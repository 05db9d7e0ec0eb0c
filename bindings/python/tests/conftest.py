"""Shared fixtures: where the repository's shared test data is."""

from __future__ import annotations

from pathlib import Path

import pytest


def repo_root() -> Path:
    """The repository root: the nearest parent holding `tests/vectors`."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "tests" / "vectors").is_dir() and (parent / "Cargo.toml").is_file():
            return parent
    raise RuntimeError("cannot find the repository root (a parent with tests/vectors)")


ROOT = repo_root()
EXAMPLE_POLICY = ROOT / "examples" / "epn-agglo" / "policy.toml"


@pytest.fixture(scope="session")
def example_policy_path() -> Path:
    return EXAMPLE_POLICY
