"""The import contracts bite: a copy of the code with a forbidden import fails lint-imports, naming the contract."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")
DRIVERS = "Services never import a driver: no duckdb, lxml or sqlalchemy"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """src/ and pyproject.toml in a folder of their own, so a test can break them without touching ours."""
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__", "*.xsd", "*.yaml"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def lint(folder: Path) -> tuple[int, dict[str, str], dict[str, str]]:
    """Run lint-imports on a copy: exit code, each contract's verdict by name, each broken contract's report."""
    assert LINT.is_file(), f"lint-imports (a dev dependency) is missing at {LINT}: run `uv sync`"
    env = {**os.environ, "PYTHONPATH": str(folder / "src"), "COLUMNS": "250"}
    done = subprocess.run([str(LINT), "--no-cache", "--no-logo"], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=60)
    out = done.stdout
    verdicts = dict((name, verdict) for name, verdict in re.findall(r"^(.+) (KEPT|BROKEN)$", out, re.M))
    assert verdicts, out + done.stderr
    broken: dict[str, str] = {}
    for name in (n for n, v in verdicts.items() if v == "BROKEN"):
        start = out.index(f"\n{name}\n{'-' * len(name)}\n")
        following = [out.find(f"\n{other}\n{'-' * len(other)}\n", start + 1) for other in verdicts]
        broken[name] = out[start:min([i for i in following if i > start] or [len(out)])]
    return done.returncode, verdicts, broken


def modules_named(report: str) -> set[str]:
    """The modules a broken contract's report names as importing what they may not."""
    return set(re.findall(r"^-   (\S+) ->", report, re.M))


def test_the_code_as_it_is_keeps_its_contracts(copy):
    code, verdicts, broken = lint(copy)
    assert len(verdicts) >= 8
    assert (code, broken) == (0, {})


def test_a_service_importing_an_adapter_or_a_driver_and_a_domain_module_importing_ours_break_the_contracts(copy):
    def add(module: str, text: str) -> None:
        (copy / "src" / Path(*module.split("."))).with_suffix(".py").write_text(f'"""A violation."""\n{text}\n')

    add("wengang.services.zz_bank_shortcut", "from wengang.adapters.banks import pain001")
    add("wengang.services.zz_xml", "import lxml.etree")
    add("wengang.domain.zz_calls_up", "import wengang.services")
    add("wengang.domain.zz_reads_settings", "from wengang.config import Settings")
    add("wengang.cli.zz_own_clock", "from wengang.adapters.clock import clock_for")
    add("wengang.services.zz_own_run", "from wengang.rules.runs import store_run")
    code, verdicts, broken = lint(copy)
    assert code != 0
    expected = {
        "Services never import an adapter, not even through another module": {"wengang.services.zz_bank_shortcut"},
        DRIVERS: {"wengang.services.zz_xml"},
        "Services reach the analytical store only through its port": {"wengang.services.zz_own_run"},
        "The domain imports nothing of ours but itself": {"wengang.domain.zz_calls_up",
                                                          "wengang.domain.zz_reads_settings"},
        "The web and the CLI go through services and bootstrap, never the adapters or the database library": {
            "wengang.cli.zz_own_clock"},
    }
    for name, modules in expected.items():
        assert verdicts.get(name) == "BROKEN", (name, verdicts)
        assert modules <= modules_named(broken[name]), broken[name]
    assert verdicts[next(n for n in verdicts if n.startswith("Layers"))] == "BROKEN"   # the domain called up
