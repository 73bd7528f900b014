"""`wengang simulate` as a director runs it, in process: the figures in yuan, the xlsx with numbers and totals, and
bad input refused in one line without a traceback."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pypdf
import pytest
from typer.testing import CliRunner

from tests.simcity import make_sim_city, query
from wengang.cli.main import app


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    return make_sim_city(tmp_path_factory.mktemp("simcli"))


def cli(city, *args: str):
    """`wengang simulate RUN …` in process, on the city's stores."""
    env = {"WENGANG_DATA_DIR": str(city.settings.data_dir), "COLUMNS": "200"}
    return CliRunner().invoke(app, ["simulate", city.run_id, *args], env=env)


def test_simulate_prints_the_cost_and_writes_a_real_spreadsheet(city, tmp_path):
    out = tmp_path / "sim.xlsx"
    done = cli(city, "--set", "ratio_sme=90%", "--set", "layoff_limit=5.5%", "--cap", "500000", "--xlsx", str(out))
    assert done.exit_code == 0, done.output
    before, after = query(city.settings, "SELECT fen_before, fen_after FROM simulations")[0]
    assert after == 50_000_000 < before * 3 // 2
    text = done.output
    assert "修改 changes: ratio_sme=90%, layoff_limit=5.5%; 预算上限 cap 500,000.00 元 (按比例压减 / proportional)" in text
    total = next(line for line in text.splitlines() if "合计 total" in line and "│" in line)
    assert f"{before // 100:,}.{before % 100:02d}" in total and "500,000.00" in total
    assert "区县 district" in text and "规模 size" in text and "行业 industry" in text and "单位类型 unit type" in text
    assert "退出 dropped" in text and "增加 gaining" in text and "中小微覆盖 / SME coverage" in text
    assert "aggregates only, never a run" in text
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["摘要 summary", "区县 district", "规模 size", "行业 industry", "单位类型 unit type",
                               "变动单位 units moved"]
    first = [c.value for c in book["摘要 summary"][3]]                # openpyxl reads a number back as a float
    assert first[0] == "符合条件 eligible, 合计 total" and isinstance(first[1], int)
    assert [Decimal(str(first[i])) for i in (3, 5, 6)] == [Decimal(before) / 100, 500000, Decimal(after - before) / 100]
    assert book["摘要 summary"]["D3"].number_format == "#,##0.00"
    district = book["区县 district"]
    named = [district.cell(r, 1).value for r in range(2, district.max_row)]
    assert named and all(n.startswith("北京市") and not n[-6:].isdigit() for n in named)     # names, not codes
    last = [c.value for c in district[district.max_row]]
    assert last[0].startswith("合计 / total") and last[5] == 500000
    assert sum(Decimal(str(district.cell(r, 6).value)) for r in range(2, district.max_row)) == 500000


def test_simulate_writes_the_pdf_brief_with_the_kept_figures(city, tmp_path):
    out = tmp_path / "brief" / "sim.pdf"
    done = cli(city, "--set", "ratio_sme=90%", "--cap", "400000", "--cap-mode", "ceiling", "--pdf", str(out))
    assert done.exit_code == 0, done.output
    assert f"PDF 已写入 / written to {out}" in done.output.replace("\n", "")
    sim_id, before, after = query(city.settings, "SELECT id, fen_before, fen_after FROM simulations ORDER BY created_at "
                                                 "DESC LIMIT 1")[0]
    reader = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert 1 <= len(reader.pages) <= 3 and f"模拟编号 simulation {sim_id}" in text
    assert f"{before // 100:,}.{before % 100:02d} 元变为 {after // 100:,}.{after % 100:02d} 元" in text
    assert ("预算上限 / budget cap: 每单位最多 400,000.00 元 / at most 400,000.00 yuan per unit (单位封顶 / ceiling "
            "per unit)") in text
    assert "不具法律效力" in text and not list(out.parent.glob(".*.tmp"))


@pytest.mark.parametrize(("args", "says"), [
    (["--set", "ratio_sme=abc"], "参数 ratio_sme 的值 'abc' 不是0%到100%之间的百分比"),
    (["--set", "ratio_sme=90%", "--region", "1101x"], "地区 '1101x' 不是行政区划代码前缀"),
    (["--set", "nope=1"], "没有参数 'nope' / pack beijing-2021 has no parameter 'nope'"),
    (["--cap", "lots"], "预算上限 'lots' 应为大于0、最多两位小数的元"),
    (["--region", "110105", "--cap", "100"], "--region 110105 需要至少一个 --set"),
])
def test_bad_input_exits_1_in_words_without_a_traceback(city, args, says, tmp_path):
    has = "SELECT count(*) FROM information_schema.tables WHERE table_name = 'simulations'"
    before = query(city.settings, has)[0][0] and query(city.settings, "SELECT count(*) FROM simulations")[0][0]
    done = cli(city, *args, "--pdf", str(tmp_path / "no.pdf"))
    assert not (tmp_path / "no.pdf").exists()
    assert done.exit_code == 1 and "错误 / error" in done.output and says in done.output.replace("\n", "")
    assert "Traceback" not in done.output
    assert (query(city.settings, has)[0][0] and query(city.settings, "SELECT count(*) FROM simulations")[0][0]) == before
