"""Issue 14, item 1 in the web: the cycle list opens a cycle (refusing a snapshot that misses the pack's base year,
changing nothing), the cycle page offers exactly the stages legal in its phase, a cycle is cancelled (by the worker)
only before money moves, bank files are written by the worker and then downloaded as written, and bank returns are
previewed (nothing written) before the clerk applies them."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile

import pytest

from tests.conftest import AS_OF, PACK
from tests.web.conftest import STAFF, TODAY, sign_in
from wengang import bootstrap
from wengang.adapters.banks.simulator import BankSimulator
from wengang.domain.errors import Refused
from wengang.services import cyclepage, cycles, jobs, payments, publicity_plan, snapshots

BANK_FILES = bootstrap.banks()


def stages(html: str) -> list[str]:
    """The stages a page offers, in order (cancel has its own form at the foot)."""
    found = re.findall(r'data-stage="([a-z.]+)"', html)
    return found + (["cancel"] if 'id="stage-cancel"' in html else [])


def fresh_cycle(world_settings, case_city, program: str = "ui-return-3") -> int:
    """A cycle just opened on city v1: one comparison round of the two beijing-2021 asks for."""
    run = case_city["v1"]
    return cycles.open_from_decided(run.decided, store=bootstrap.store(world_settings), pack_id=PACK, as_of=AS_OF,
                                    program=program, snapshot_id=run.summary.snapshot_id, run_id=run.summary.id,
                                    by="clerk").cycle.id


def counts(store, cycle_id: int) -> dict:
    return cycles.status(cycle_id, store=store).counts


def test_the_list_shows_each_cycle_in_words_with_the_open_and_upload_forms(client, facts):
    sign_in(client, STAFF["clerk"], employer=False)
    page = client.get("/staff/cycles")
    assert page.status_code == 200 and 'href="/staff/cycles"' in page.text            # in the staff navigation
    table = page.text.split('id="cycles"')[1].split("</table>")[0]
    assert f'href="/staff/cycles/{facts["paid_cycle"]}"' in table and "失业保险稳岗返还" in table
    assert "复核通过, 待编制支付批次" in table and "公示中" in table and "北京市" in table
    assert "beijing-2021" not in table and "re-verified" not in table                 # titles and words, not codes
    assert 'id="open-form"' in page.text and 'id="upload-form"' in page.text and "基准年 2020" in page.text
    english = client.get(f"/staff/cycles/{facts['paid_cycle']}?lang=en").text
    assert "Prepare payment batches per bank" in english and "re-verified, payment batches to prepare" in english
    client.cookies.clear()
    sign_in(client, STAFF["approver"], employer=False)
    assert 'id="open-form"' not in client.get("/staff/cycles").text                  # an approver does not open


class Months:
    """The analytical store as the open check reads it: one snapshot holding the months given."""

    def __init__(self, first: str, last: str):
        self.months = (first, last)

    def find_snapshot(self, snapshot_id):
        return object()

    def contribution_months(self, snapshot_id):
        return self.months


@pytest.mark.parametrize(("first", "last", "covered"), [
    ("2020-01", "2020-12", True), ("2019-12", "2021-03", True),
    ("2020-02", "2020-12", False), ("2020-01", "2020-11", False), ("2021-01", "2021-12", False)])
def test_a_snapshot_must_hold_the_whole_base_year(world_settings, first, last, covered):
    check = lambda: cyclepage.check_open("s", "cn-2021", dt.date(2021, 9, 1), analytics=Months(first, last),  # noqa: E731
                                         store=bootstrap.store(world_settings), program="new-programme")
    if covered:
        check()
    else:
        with pytest.raises(Refused, match="未覆盖政策包 cn-2021 的基准年 2020"):
            check()


def test_opening_is_refused_in_words_and_changes_nothing_then_runs_as_a_job(client, world_settings, case_city):
    store = bootstrap.store(world_settings)
    csrf = sign_in(client, STAFF["clerk"], employer=False)
    before = [c.id for c in cycles.list_cycles(store=store)]
    snapshot = case_city["snapshots"][1]                    # contributions 2019-12 … 2020-12
    refused = client.post("/staff/cycles/open", data={"csrf": csrf, "snapshot": snapshot, "pack": "cn-2022",
                                                      "as_of": "2022-09-01"})
    assert refused.status_code == 400 and "未覆盖政策包 cn-2022 的基准年 2021" in refused.text
    assert "Traceback" not in refused.text and jobs.recent(store=store) == []
    twice = client.post("/staff/cycles/open", data={"csrf": csrf, "snapshot": snapshot, "pack": PACK,
                                                    "as_of": "2021-09-01"})
    assert twice.status_code == 400 and "已有周期" in twice.text                         # ui-return has beijing-2021
    assert [c.id for c in cycles.list_cycles(store=store)] == before and jobs.recent(store=store) == []
    sent = client.post("/staff/cycles/open", data={"csrf": csrf, "snapshot": snapshot, "pack": "cn-2021",
                                                   "as_of": "2021-09-01"}, follow_redirects=False)
    assert sent.status_code == 303 and re.fullmatch(r"/staff/jobs/\d+", sent.headers["location"])
    ran = jobs.run_next(store=store, handlers=bootstrap.job_handlers(world_settings), worker="w", every=0.05)
    assert ran.state == "done", ran.error
    opened = int(ran.result["cycle_id"])
    assert f'href="/staff/cycles/{opened}"' in client.get(f"/staff/jobs/{ran.id}").text
    assert stages(client.get(f"/staff/cycles/{opened}").text) == ["publicity.plan", "publicity.start", "cancel"]
    # cn-2021 asks for one comparison round: opening was it


def test_each_phase_offers_exactly_its_legal_stages(client, world_settings, facts, case_city):
    store = bootstrap.store(world_settings)
    fresh = fresh_cycle(world_settings, case_city)
    csrf = sign_in(client, STAFF["clerk"], employer=False)
    page = client.get(f"/staff/cycles/{fresh}")
    assert "数据比对中" in page.text and stages(page.text) == ["compare", "cancel"]
    assert "(第2 轮)" in page.text
    assert client.post(f"/staff/cycles/{fresh}/jobs/publicity.start", data={"csrf": csrf}).status_code == 400
    sent = client.post(f"/staff/cycles/{fresh}/jobs/compare", data={"csrf": csrf}, follow_redirects=False)
    assert sent.status_code == 303
    busy = client.get(f"/staff/cycles/{fresh}")
    assert 'id="active-job"' in busy.text and stages(busy.text) == []                  # one job at a time
    jobs.run_next(store=store, handlers=bootstrap.job_handlers(world_settings), worker="w", every=0.05)
    compared = client.get(f"/staff/cycles/{fresh}").text
    assert "比对完成, 待公示" in compared
    assert stages(compared) == ["publicity.plan", "publicity.start", "cancel"]
    assert f'href="/staff/cycles/{fresh}/publicity"' in compared and "公示计划 / publicity plan" in compared
    publicity_plan.plan(fresh, store=store, by="count", per=2, first_day=TODAY, every_days=7, by_user="clerk")
    planned = client.get(f"/staff/cycles/{fresh}").text       # a plan starts its batches on their days, not at once
    assert stages(planned) == ["publicity.plan", "cancel"] and 'id="stage-publicity-start"' not in planned
    listed = client.get(f"/staff/cycles/{facts['open_cycle']}").text                  # its list runs 7 days
    assert "公示中" in listed and stages(listed) == ["cancel"] and 'id="no-stage"' in listed
    paid = client.get(f"/staff/cycles/{facts['paid_cycle']}").text
    assert stages(paid) == ["batch.prepare", "cancel"] and "已复核" in paid
    client.cookies.clear()
    sign_in(client, STAFF["reviewer"], employer=False)
    seen = client.get(f"/staff/cycles/{fresh}").text                                  # a reviewer may not publish
    assert 'id="stage-publicity-start"' not in seen and "由有此权限的工作人员办理" in seen


def run_job(store, settings):
    """What the worker does next (one job, to its end)."""
    return jobs.run_next(store=store, handlers=bootstrap.job_handlers(settings), worker="w", every=0.05)


def test_a_cycle_is_cancelled_by_the_worker_before_money_moves_and_then_opened_again(client, world_settings,
                                                                                     case_city):
    store = bootstrap.store(world_settings)
    fresh = fresh_cycle(world_settings, case_city)
    csrf = sign_in(client, STAFF["clerk"], employer=False)
    blank = client.post(f"/staff/cycles/{fresh}/cancel", data={"csrf": csrf, "reason": " "})
    assert blank.status_code in (400, 409, 422) and cycles.status(fresh, store=store).cycle.cancelled_at is None
    assert jobs.recent(store=store, cycle_id=fresh) == []                                # refused at submission
    sent = client.post(f"/staff/cycles/{fresh}/cancel", data={"csrf": csrf, "reason": "快照选错 / wrong snapshot"},
                       follow_redirects=False)
    assert sent.status_code == 303 and re.fullmatch(r"/staff/jobs/\d+", sent.headers["location"])
    queued = client.get(f"/staff/cycles/{fresh}").text
    assert 'id="active-job"' in queued and "撤销周期" in queued and stages(queued) == []   # nothing else meanwhile
    assert cycles.status(fresh, store=store).cycle.cancelled_at is None                  # the request closed nothing
    ran = run_job(store, world_settings)
    assert ran.state == "done", ran.error
    total = sum(n for n, _ in counts(store, fresh).values())
    assert ran.result == {"reason": "快照选错 / wrong snapshot", "cases_rejected": str(total)}
    shown = client.get(sent.headers["location"]).text
    assert "已完成" in shown and "案件 不予返还" in shown and "cases_rejected" not in shown
    done = client.get(f"/staff/cycles/{fresh}").text
    assert "已撤销" in done and "快照选错" in done and stages(done) == []
    assert set(counts(store, fresh)) == {"rejected"}
    assert events(store, "cycle_cancelled") == 1 and events(store, "case_closed") == total - 1   # one was rejected
    with store.reading() as uow:
        closed = [e for e in uow.audit.entries() if e[3] in ("cycle_cancelled", "case_closed")]
    assert {e[2] for e in closed} == {STAFF["clerk"]}                                  # audited as whoever asked
    again = client.post(f"/staff/cycles/{fresh}/cancel", data={"csrf": csrf, "reason": "twice"})
    assert again.status_code == 400 and "已撤销" in again.text and len(jobs.recent(store=store, cycle_id=fresh)) == 1
    reopened = fresh_cycle(world_settings, case_city)                                 # same programme and pack
    assert reopened != fresh


def test_cancel_is_refused_at_submission_once_money_moved_and_changes_nothing(client, world_settings, facts):
    store = bootstrap.store(world_settings)
    cycle = facts["paid_cycle"]
    made = payments.prepare_batches(cycle, store=store, analytics=bootstrap.analytics(world_settings),
                                    settings=world_settings, by=STAFF["clerk"])
    csrf = sign_in(client, STAFF["clerk"], employer=False)
    waiting = client.post(f"/staff/cycles/{cycle}/cancel", data={"csrf": csrf, "reason": "x"})
    assert waiting.status_code == 400 and "请先在支付批次页作废" in waiting.text
    payments.approve_batch(made.batches[0].number, store=store, settings=world_settings, by=STAFF["approver"])
    before = counts(store, cycle)
    moved = client.post(f"/staff/cycles/{cycle}/cancel", data={"csrf": csrf, "reason": "x"})
    assert moved.status_code == 400 and "资金已动用" in moved.text and "Traceback" not in moved.text
    assert counts(store, cycle) == before and cycles.status(cycle, store=store).cycle.cancelled_at is None
    assert jobs.recent(store=store, cycle_id=cycle) == []                             # no job was queued
    assert 'id="stage-cancel"' not in client.get(f"/staff/cycles/{cycle}").text


def test_bank_files_are_written_by_the_worker_then_downloaded_and_returns_previewed_without_changes(client, world_settings, facts,
                                                                                  tmp_path):
    store = bootstrap.store(world_settings)
    cycle = facts["paid_cycle"]
    made = payments.prepare_batches(cycle, store=store, analytics=bootstrap.analytics(world_settings),
                                    settings=world_settings, by=STAFF["clerk"])
    for b in made.batches:
        payments.approve_batch(b.number, store=store, settings=world_settings, by=STAFF["approver"])
    csrf = sign_in(client, STAFF["clerk"], employer=False)
    assert "batch.files" in stages(client.get(f"/staff/cycles/{cycle}").text)
    sent = client.post(f"/staff/cycles/{cycle}/files", data={"csrf": csrf}, follow_redirects=False)
    assert sent.status_code == 303 and re.fullmatch(r"/staff/jobs/\d+", sent.headers["location"])
    job = int(sent.headers["location"].rsplit("/", 1)[1])
    early = client.get(f"/staff/cycles/{cycle}/files/{job}")
    assert early.status_code == 400 and "尚未完成" in early.text                      # nothing written in a request
    assert {b.status for b in payments.list_batches(store=store, cycle_id=cycle)} == {"approved"}
    ran = run_job(store, world_settings)
    assert ran.state == "done", ran.error
    assert ran.result["batches"] == ", ".join(b.number for b in made.batches)
    assert ran.result["files"] == str(len(made.batches))
    assert f'href="/staff/cycles/{cycle}/files/{job}"' in client.get(sent.headers["location"]).text
    listed = client.get(f"/staff/cycles/{cycle}").text
    assert f'id="download-bank-files-{job}"' in listed
    got = client.get(f"/staff/cycles/{cycle}/files/{job}")
    assert got.status_code == 200
    files = {}
    if got.headers["content-type"] == "application/zip":
        with zipfile.ZipFile(io.BytesIO(got.content)) as archive:
            files = {n: archive.read(n) for n in archive.namelist()}
    else:
        files = {re.search(r'filename="?([^";]+)', got.headers["content-disposition"]).group(1): got.content}
    assert len(files) == len(made.batches)
    with store.reading() as uow:
        recorded = {f.name: f.sha256 for f in uow.bank_files.of_direction("out")}
    assert recorded == {n: hashlib.sha256(body).hexdigest() for n, body in files.items()}   # what was recorded sent
    assert client.get(f"/staff/cycles/{cycle}/files/{job}").content == got.content     # downloaded again: the same
    assert events(store, "payment_file_written") == len(made.batches)                 # recorded once
    assert client.get(f"/staff/cycles/{facts['open_cycle']}/files/{job}").status_code == 404   # not that cycle's
    client.cookies.clear()
    sign_in(client, STAFF["reviewer"], employer=False)                                # may see, not take, the files
    assert client.get(f"/staff/cycles/{cycle}/files/{job}").status_code == 403
    assert f'id="download-bank-files-{job}"' not in client.get(f"/staff/cycles/{cycle}").text
    client.cookies.clear()
    csrf = sign_in(client, STAFF["clerk"], employer=False)
    after = client.get(f"/staff/cycles/{cycle}").text
    assert "batch.files" not in stages(after) and "bank.returns" in stages(after)
    bank, answers = BankSimulator(reject_share=0.5, return_share=0), []
    for name, body in files.items():
        (tmp_path / name).write_bytes(body)
        answers.append(bank.answer(tmp_path / name, tmp_path / "bank").pain002.path)
    before = counts(store, cycle)
    upload = [("files", (p.name, p.read_bytes(), "application/xml")) for p in answers]
    shown = client.post(f"/staff/cycles/{cycle}/returns", data={"csrf": csrf}, files=upload)
    assert shown.status_code == 200 and 'id="preview"' in shown.text and 'id="apply-returns"' in shown.text
    paid = sum(int(n.replace(",", "")) for n in re.findall(r'data-status="paid">[^<]*<strong>([\d,]+)', shown.text))
    rejected = sum(int(n.replace(",", "")) for n in re.findall(r'data-status="rejected">[^<]*<strong>([\d,]+)',
                                                                shown.text))
    assert paid + rejected == sum(b.entries for b in made.batches) and paid > 0 and rejected > 0
    assert counts(store, cycle) == before and events(store, "bank_file_read") == 0    # the preview wrote nothing
    bad = client.post(f"/staff/cycles/{cycle}/returns", data={"csrf": csrf},
                      files=[("files", ("notes.txt", b"hello", "text/plain"))])
    assert bad.status_code == 400 and "pain.002" in bad.text
    token = re.search(r'/returns/([0-9a-f-]+)"', shown.text).group(1)
    applied = client.post(f"/staff/cycles/{cycle}/returns/{token}", data={"csrf": csrf}, follow_redirects=False)
    assert applied.status_code == 303
    ran = run_job(store, world_settings)
    assert ran.state == "done", ran.error
    now = counts(store, cycle)
    assert now["paid"][0] == paid and now["failed"][0] == rejected
    assert "recover" in stages(client.get(f"/staff/cycles/{cycle}").text)
    early = client.post(f"/staff/cycles/{cycle}/recover", data={"csrf": csrf, "deadline": TODAY.isoformat()})
    assert early.status_code == 400 and "未到" in early.text
    late = client.post(f"/staff/cycles/{cycle}/recover",
                       data={"csrf": csrf, "deadline": (TODAY - dt.timedelta(days=1)).isoformat()})
    assert late.status_code == 200 and f"已收回 {rejected} 个案件" in late.text
    assert counts(store, cycle)["recovered"][0] == rejected and "failed" not in counts(store, cycle)


def events(store, event: str) -> int:
    """How many audit entries of this kind the chain holds."""
    with store.reading() as uow:
        return sum(e[3] == event for e in uow.audit.entries())


def test_a_refused_upload_says_on_its_job_page_what_is_wrong_with_which_file(client, world_settings, case_city):
    store = bootstrap.store(world_settings)
    csrf = sign_in(client, STAFF["clerk"], employer=False)
    folder = case_city["folders"][1]
    upload = [("files", (p.name, p.read_text(encoding="utf-8").encode("utf-16") if p.stem == "employers"
                         else p.read_bytes(), "text/csv")) for p in sorted(folder.glob("*.csv"))]
    assert client.post("/staff/cycles/snapshots", data={"csrf": csrf}, files=upload,
                       follow_redirects=False).status_code == 303
    ran = jobs.run_next(store=store, handlers=bootstrap.job_handlers(world_settings), worker="w", every=0.05)
    assert ran.state == "failed"
    page = client.get(f"/staff/jobs/{ran.id}")
    error = page.text[page.text.index('id="job-error"'):]
    assert "employers.csv:1: 文件是 UTF-16 文本" in error and "请另存为 UTF-8 或 GB18030 编码的 CSV" in error
    assert f'href="/staff/jobs/{ran.id}/report"' in page.text and "下载错误报告" in page.text
    report = client.get(f"/staff/jobs/{ran.id}/report")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[0] == ["file", "line", "column", "value", "reason"] and rows[1][:2] == ["employers.csv", "1"]
    for name in ("../../etc/passwd", "faults-0123456789ab.csv.tmp", "faults-0123456789ab.csv"):   # none written
        assert snapshots.report_of(name, world_settings) is None


def test_a_snapshot_is_uploaded_and_imported_by_the_worker_and_bad_names_change_nothing(client, world_settings,
                                                                                       case_city):
    store = bootstrap.store(world_settings)
    csrf = sign_in(client, STAFF["clerk"], employer=False)
    root = world_settings.data_dir / "uploads" / "snapshots"
    before = set(root.iterdir()) if root.exists() else set()
    bad = client.post("/staff/cycles/snapshots", data={"csrf": csrf},
                      files=[("files", ("employers.xlsx", b"x", "application/octet-stream"))])
    assert bad.status_code == 400 and "employers" in bad.text and jobs.recent(store=store) == []
    alone = client.post("/staff/cycles/snapshots", data={"csrf": csrf},
                        files=[("files", ("employers.csv", b"uscc\n", "text/csv"))])
    assert alone.status_code == 400 and "contributions" in alone.text
    assert (set(root.iterdir()) if root.exists() else set()) == before              # nothing saved
    folder = case_city["folders"][1]
    upload = [("files", (p.name, p.read_bytes(), "text/csv")) for p in sorted(folder.glob("*.csv"))]
    sent = client.post("/staff/cycles/snapshots", data={"csrf": csrf}, files=upload, follow_redirects=False)
    assert sent.status_code == 303
    ran = jobs.run_next(store=store, handlers=bootstrap.job_handlers(world_settings), worker="w", every=0.05)
    assert ran.state == "done" and ran.result["snapshot"] == case_city["snapshots"][1]    # the same content, once
