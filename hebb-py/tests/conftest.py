import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"


def _find_cli():
    env = os.environ.get("HEBB_BIN")
    if env:
        return env
    for p in (ROOT / "target/release/hebb", ROOT / "target/debug/hebb"):
        if p.exists():
            return str(p)
    return shutil.which("hebb")


@pytest.fixture(scope="session")
def hebb_cli():
    """The `hebb` command-line tool (HEBB_BIN, or the workspace's target/). CI sets
    HEBB_REQUIRE_CLI=1, where a missing tool fails instead of skipping."""
    cli = _find_cli()
    if cli is None:
        if os.environ.get("HEBB_REQUIRE_CLI"):
            pytest.fail("the hebb CLI was not found (build it with `cargo build -p hebb-train`)")
        pytest.skip("the hebb CLI was not found; set HEBB_BIN")

    def run(*args, cwd=None):
        r = subprocess.run([cli, *map(str, args)], capture_output=True, text=True, cwd=cwd)
        if r.returncode != 0:
            raise AssertionError(f"hebb {' '.join(map(str, args))} failed:\n{r.stdout}\n{r.stderr}")
        return r.stdout

    return run
