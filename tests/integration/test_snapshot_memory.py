"""The import's share of memory grows with the folder (a nation's 20 M unit-years must fit in the summary's hash
table, a small city keeps to 1 GB), and running out of it is said in words with nothing stored, never a traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from wengang.cli.main import app
from wengang.snapshot import checking, store
from wengang.snapshot.generator import generate_city

GB = 1 << 30


def sparse(path, size: int):
    """A file of `size` bytes that takes no room on disk."""
    with path.open("wb") as fh:
        fh.truncate(size)
    return path


def test_the_share_is_the_folders_size_between_one_and_six_gigabytes(tmp_path):
    small = {"employers": sparse(tmp_path / "employers.parquet", 40 << 20)}
    assert checking.memory_share(small) == 1 * GB
    nation = {"employers": sparse(tmp_path / "e.parquet", 700 << 20),
              "contributions": sparse(tmp_path / "c.parquet", 3 * GB)}
    assert checking.memory_share(nation) == 3 * GB + (700 << 20)
    assert checking.memory_share({"contributions": sparse(tmp_path / "big.parquet", 9 * GB)}) == 6 * GB


@pytest.mark.parametrize("share_mb", [4])
def test_running_out_of_memory_is_said_in_words_and_stores_nothing(tmp_path, monkeypatch, share_mb):
    generate_city(tmp_path / "city", units=3000, seed=3, programme_files=False)
    monkeypatch.setattr(checking, "MEMORY_LIMIT", (share_mb << 20, share_mb << 20))
    monkeypatch.setenv("WENGANG_DATA_DIR", str(tmp_path / "var"))
    done = CliRunner().invoke(app, ["snapshot", "import", str(tmp_path / "city")])
    assert done.exit_code == 1
    assert "分析库内存不足 (4 MB), 未写入任何数据" in done.output and "nothing was stored" in done.output
    assert "Traceback" not in done.output and done.exception is None or isinstance(done.exception, SystemExit)
    con = store.connect(tmp_path / "var" / "analytics.duckdb")
    try:
        assert store.list_snapshots(con) == []
    finally:
        con.close()
    monkeypatch.setattr(checking, "MEMORY_LIMIT", (1 * GB, 6 * GB))
    again = CliRunner().invoke(app, ["snapshot", "import", str(tmp_path / "city")])
    assert again.exit_code == 0, again.output
    con = store.connect(tmp_path / "var" / "analytics.duckdb")
    try:
        assert len(store.list_snapshots(con)) == 1          # the store looked at above is the one the CLI writes
    finally:
        con.close()
