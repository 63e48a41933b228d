"""Shared fixtures of the Python tests: generated pages with known skew and text.

The tests use the build's tools: pageprep-synth (generated pages) and the
pageprep CLI. Their paths come from PAGEPREP_SYNTH and PAGEPREP_CLI (set by
.ci/python-test.sh), else the default build folder; a test that needs a missing
tool fails when the variable names it, and is skipped otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tool(env: str, default: Path) -> Path:
    named = os.environ.get(env)
    if named:
        p = Path(named)
        if not p.exists():
            pytest.fail(f"{env}={named} does not exist")
        return p
    if not default.exists():
        pytest.skip(f"{default} not built (set {env})")
    return default


@pytest.fixture(scope="session")
def synth_tool() -> Path:
    return _tool("PAGEPREP_SYNTH", ROOT / "build/tests/support/pageprep-synth")


@pytest.fixture(scope="session")
def cli_tool() -> Path:
    return _tool("PAGEPREP_CLI", ROOT / "build/host/pageprep")


def read_gray(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("L")).copy()


def generate(synth: Path, out: Path, *args: str) -> list[dict]:
    """Runs pageprep-synth into `out`; returns its manifest lines."""
    subprocess.run([str(synth), "--out", str(out), *args], check=True, capture_output=True)
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines() if line]


@pytest.fixture(scope="session")
def skewed_pages(synth_tool: Path, tmp_path_factory) -> tuple[list[np.ndarray], list[dict], Path]:
    """Four noisy A4 pages at 150 dpi, skewed by known angles."""
    out = tmp_path_factory.mktemp("skewed")
    manifest = generate(synth_tool, out, "--count", "4", "--seed", "11", "--dpi", "150",
                        "--skew-max", "6", "--noise", "8", "--specks", "60")
    pages = [read_gray(out / f"page-{i + 1:04d}.png") for i in range(4)]
    return pages, manifest, out


def need(module: str):
    """Imports an optional package the test needs: skipped when it is missing,
    unless PAGEPREP_PYTEST_STRICT=1 (CI), where a missing package fails."""
    if os.environ.get("PAGEPREP_PYTEST_STRICT") == "1":
        import importlib

        return importlib.import_module(module)
    return pytest.importorskip(module)


def need_program(name: str) -> str:
    import shutil

    path = shutil.which(name)
    if path is None:
        if os.environ.get("PAGEPREP_PYTEST_STRICT") == "1":
            pytest.fail(f"{name} is not installed")
        pytest.skip(f"{name} is not installed")
    return path
