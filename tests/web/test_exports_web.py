"""Over HTTP: the anonymous list download is kept per list version, limited per client and not audited (issue 12,
low); staff correct a stuck name on the case page (issue 12, M4)."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import text

from tests.builders import uscc
from tests.conftest import CITY
from tests.web.conftest import FIRST, STAFF, sign_in
from wengang import bootstrap
from wengang.services import publicity, renames

pytestmark = pytest.mark.slow
BAD = "=HYPERLINK(\"http://evil.example\",\"点击\")"


def case_id(store, cycle_id: int, code: str = FIRST) -> int:
    with store.reading() as uow:
        return uow.cases.find(cycle_id, code).id


def set_name(store, case: int, name: str) -> None:
    with store.transaction() as uow:
        uow.connection.execute(text("UPDATE cases SET name = :n WHERE id = :i"), {"n": name, "i": case})
        uow.commit()


@pytest.fixture
def written(monkeypatch) -> list[str]:
    """How often a list's xlsx is written (the dear part of a download)."""
    calls, real = [], publicity.workbook

    def counted(batch, rows):
        calls.append(batch.number)
        return real(batch, rows)

    monkeypatch.setattr(publicity, "workbook", counted)
    return calls


def names_in(reply) -> set[str]:
    sheet = load_workbook(io.BytesIO(reply.content)).active
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    return {sheet.cell(r, 2).value for r in range(3, sheet.max_row + 1)}


def test_a_repeat_download_is_served_kept_and_never_audited(client, world_settings, facts, written):
    store, number = bootstrap.store(world_settings), facts["open_list"]
    mark = store.change_mark()
    first = client.get(f"/publicity/{number}/download.xlsx")
    again = client.get(f"/publicity/{number}/download.xlsx")
    assert first.status_code == again.status_code == 200 and first.content == again.content
    assert f'filename="publicity-{number}.xlsx"' in first.headers["content-disposition"]
    assert written == [number] and store.change_mark() == mark              # written once; no audit entry
    made = TestClient(client.app).post(f"/api/v1/publicity/batches/{number}/objections",
                                       json={"uscc": FIRST, "contact": "13700001111", "text": "不实"})
    assert made.status_code == 201 and store.change_mark() > mark           # the chain moved, the list did not
    assert client.get(f"/publicity/{number}/download.xlsx").content == first.content and written == [number]
    case = case_id(store, facts["open_cycle"])
    set_name(store, case, BAD)                                              # an old snapshot's name …
    renames.rename(case, store=store, name="更正有限公司", reason="据营业执照", by="clerk-wang")   # … corrected
    changed = client.get(f"/publicity/{number}/download.xlsx")
    assert written == [number, number] and "更正有限公司" in names_in(changed)


def test_the_download_is_limited_per_client(client, facts):
    url = f"/publicity/{facts['open_list']}/download.xlsx"
    assert [client.get(url).status_code for _ in range(10)] == [200] * 10
    over = client.get(url)
    assert over.status_code == 429 and "too many attempts" in over.text
    assert client.get("/publicity/C99-P9/download.xlsx").status_code == 429      # limited before it is looked up


def test_a_formula_name_downloads_as_text(client, world_settings, facts):
    store = bootstrap.store(world_settings)
    set_name(store, case_id(store, facts["open_cycle"]), BAD)
    assert BAD in names_in(client.get(f"/publicity/{facts['open_list']}/download.xlsx"))


def test_staff_correct_a_stuck_name_on_the_case_page(client, world_settings, facts):
    store = bootstrap.store(world_settings)
    stuck = case_id(store, facts["paid_cycle"])
    fine = case_id(store, facts["paid_cycle"], uscc(CITY["changes_amount"]))
    set_name(store, stuck, "响铃\x07有限公司")
    auditor = TestClient(client.app, raise_server_exceptions=False)
    acsrf = sign_in(auditor, STAFF["auditor"], employer=False)
    page = auditor.get(f"/staff/cases/{stuck}").text
    assert 'id="stuck-name"' in page and 'id="rename"' not in page          # shown, but not theirs to correct
    assert auditor.post(f"/staff/cases/{stuck}/rename", data={"name": "响铃有限公司", "reason": "x", "csrf": acsrf}
                        ).status_code == 403
    csrf = sign_in(client, STAFF["clerk"], employer=False)
    page = client.get(f"/staff/cases/{stuck}").text
    version = re.search(r'id="rename">.*?name="version" value="(\d+)"', page, re.S).group(1)
    assert client.post(f"/staff/cases/{stuck}/rename", data={"name": "响铃有限公司", "reason": "据营业执照",
                                                            "version": version}).status_code == 403   # no CSRF
    bad = client.post(f"/staff/cases/{stuck}/rename", data={"name": "=1+1", "reason": "据营业执照", "csrf": csrf,
                                                           "version": version})
    assert bad.status_code == 400 and "may not start with" in bad.text
    done = client.post(f"/staff/cases/{stuck}/rename", data={"name": "响铃有限公司", "reason": "据营业执照",
                                                            "csrf": csrf, "version": version})
    assert done.status_code == 200 and "响铃有限公司" in done.text
    after = client.get(f"/staff/cases/{stuck}").text
    assert 'id="stuck-name"' not in after and "单位名称更正" in after and "case_renamed" not in after and "据营业执照" in after
    assert 'id="stuck-name"' not in client.get(f"/staff/cases/{fine}").text      # a usable name: no form
