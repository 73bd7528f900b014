"""Issue 15 part 3 through the web, on SQLite and PostgreSQL: a unit in review claims its staff count with an
attachment (checked by content, kept once), previews the amount, signs the letter and files; the letter is a PDF
of its data, the unit's own only; staff who review see the claim, download its files and letter, and find the
review-with-data form filled from it."""

from __future__ import annotations

import io
import re
import shutil

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from tests.reviewdata import ELIGIBLE, SIZE_UNKNOWN, open_cycle
from tests.web.conftest import PASSWORD, STAFF, activate, sign_in
from wengang import bootstrap
from wengang.config import Settings
from wengang.services import people
from wengang.web.app import create_app
from wengang.web.settings import WebSettings

FACTS = {"employees": "300", "revenue": "99999999.99"}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def web(review_city, db_url, tmp_path):
    data = tmp_path / "var"
    shutil.copytree(review_city["data_dir"], data)          # its own attachments folder beside the analytics file
    settings = Settings(data_dir=data, database_url=db_url)
    store = bootstrap.open_store(settings)
    cycle = open_cycle(store, review_city)
    for role, name in STAFF.items():
        people.create_staff(name, role, store=store, by="setup", password=PASSWORD)
    activate(store, settings, SIZE_UNKNOWN)
    activate(store, settings, ELIGIBLE)
    store.close()
    with TestClient(create_app(settings, WebSettings(cookie_secure=False)), raise_server_exceptions=False) as c:
        yield c, cycle, settings
    bootstrap.close_stores()


def _applications(settings, cycle):
    with bootstrap.store(settings).reading() as uow:
        return uow.applications.of_case(uow.cases.find(cycle, SIZE_UNKNOWN).id)


def test_a_unit_claims_previews_signs_and_files_and_staff_see_it(web):
    client, cycle, settings = web
    csrf = sign_in(client, SIZE_UNKNOWN, employer=True)
    form = client.get(f"/portal/cycles/{cycle}/apply").text
    assert 'enctype="multipart/form-data"' in form and "★ 从业人员数" in form and SIZE_UNKNOWN in form
    assert form.index('name="employees"') < form.index('name="opening_insured"')     # what the case misses first
    preview = client.post(f"/portal/cycles/{cycle}/apply/preview", data={**FACTS, "csrf": csrf},
                          headers={"HX-Request": "true"})
    assert preview.status_code == 200 and "<html" not in preview.text
    assert 'data-decision="eligible"' in preview.text and 'id="preview-amount">1,440.00' in preview.text
    assert _applications(settings, cycle) == []                                              # a preview files nothing
    letter = re.search(r'name="commitment" value="([^"]*)"', form).group(1)
    base = {**FACTS, "commitment": letter, "accept": "true", "csrf": csrf}
    refused = client.post(f"/portal/cycles/{cycle}/apply", data=base,
                          files=[("attachments", ("报表.pdf", "只是文字".encode(), "application/pdf"))])
    assert refused.status_code == 400 and "报表.pdf: 内容为文本文件" in refused.text
    assert _applications(settings, cycle) == [] and not (settings.attachments_path).exists()   # nothing kept
    filed = client.post(f"/portal/cycles/{cycle}/apply", data=base,
                        files=[("attachments", ("scan.png", PDF, "image/png")),
                               ("attachments", ("scan again.png", PDF, "image/png"))])
    assert filed.status_code == 200 and "审核预计于" in filed.text, filed.text
    [app] = _applications(settings, cycle)
    assert app.claimed_facts == FACTS and app.is_pending
    with bootstrap.store(settings).reading() as uow:
        [row] = uow.application_attachments.of_applications([app.id])          # the same content once
        entry = [e for e in uow.audit.for_case(app.case_id) if e.event == "applied"][-1]
    assert row.content_type == "application/pdf" and row.file_name == "scan.png"
    assert row.sha256 in entry.data and '"employees":"300"' in entry.data and "scan.png" not in entry.data
    assert len([p for p in settings.attachments_path.rglob("*") if p.is_file()]) == 1
    home = client.get("/portal").text
    assert "审核预计于" in home and "从业人员数 300" in home and "scan.png" in home
    pdf = client.get(f"/portal/cycles/{cycle}/letter.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "测试单位" in text and SIZE_UNKNOWN in text and "300" in text and row.sha256[:12] in text
    assert "签署时间" in text and "承诺书" in text
    assert client.get(f"/portal/cycles/{cycle + 99}/letter.pdf").status_code == 404

    other = TestClient(client.app, raise_server_exceptions=False)
    sign_in(other, ELIGIBLE, employer=True)
    assert other.get(f"/portal/cycles/{cycle}/letter.pdf").status_code == 404            # it applied for nothing

    clerk = TestClient(client.app, raise_server_exceptions=False)
    sign_in(clerk, STAFF["clerk"], employer=False)
    assert clerk.get(f"/staff/applications/{app.id}/letter.pdf").status_code == 403
    assert clerk.get(f"/staff/applications/{app.id}/attachments/{row.sha256}").status_code == 403

    reviewer = TestClient(client.app, raise_server_exceptions=False)
    sign_in(reviewer, STAFF["reviewer"], employer=False)
    got = reviewer.get(f"/staff/applications/{app.id}/attachments/{row.sha256}")
    assert got.status_code == 200 and got.content == PDF and got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert reviewer.get(f"/staff/applications/{app.id}/attachments/{'0' * 64}").status_code == 404
    assert reviewer.get(f"/staff/applications/{app.id}/letter.pdf").status_code == 200
    queue = reviewer.get(f"/staff/review?cycle={cycle}").text
    assert "附申报数据" in queue and "附件 1" in queue
    page = reviewer.get(f"/staff/cases/{app.case_id}").text
    assert re.search(r'name="employees" value="300"', page) and re.search(r'name="revenue" value="99999999.99"', page)
    assert re.search(r'name="evidence" value="单位申报 \(申请 #\d+\) \+ 附件: scan.png"', page)
    assert f"/staff/applications/{app.id}/attachments/{row.sha256}" in page
