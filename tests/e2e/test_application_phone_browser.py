"""Issue 15 part 3, done when: on a 390×844 phone a unit routed to review opens its case, types its staff count (and
revenue), attaches a small PDF, previews the amount, signs the commitment letter and files; a reviewer on a desktop
accepts with the supplied data (the form filled from the claim); the case goes through publicity, re-verification,
an approved batch and the bank's answer (services, as the payments tests drive them), and the unit's phone page
shows it paid."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from tests.clocks import on_day
from tests.e2e.test_browser import PHONE, browser, employer_signed_in, page_of, serving, shots, signed_in  # noqa: F401
from tests.reviewdata import SIZE_UNKNOWN, open_cycle
from tests.web.conftest import PASSWORD, STAFF, activate
from wengang import bootstrap
from wengang.adapters.banks.simulator import BankSimulator
from wengang.config import Settings
from wengang.domain.days import beijing_date
from wengang.services import cycles, payments, people, publicity, reconcile, reverify

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def world(review_city, tmp_path_factory):
    root = tmp_path_factory.mktemp("apply-phone")
    shutil.copytree(review_city["data_dir"], root / "var")
    settings = Settings(data_dir=root / "var", database_url=f"sqlite:///{root / 'w.sqlite'}")
    store = bootstrap.store(settings)
    cycle = open_cycle(store, review_city)
    for role, name in STAFF.items():
        people.create_staff(name, role, store=store, by="setup", password=PASSWORD)
    activate(store, settings, SIZE_UNKNOWN)
    with serving(settings) as url:
        yield {"url": url, "store": store, "settings": settings, "cycle": cycle, "root": root,
               "run": review_city["run"]}
    bootstrap.close_stores()


def width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def pay(world) -> None:
    """Publicity, re-verification, a batch prepared and approved by two people, the file and the bank's answer."""
    store, settings, cycle = world["store"], world["settings"], world["cycle"]
    today = beijing_date(store.clock.now())
    cycles.compare(cycle, store=store, analytics=bootstrap.analytics(settings), settings=settings,
                   snapshot=world["run"].summary.snapshot_id, by="clerk-wang")
    batch = publicity.start(cycle, store=store, starts_on=today, by="clerk-wang")
    after = batch.ends_on + dt.timedelta(days=1)
    with on_day(store, after):
        publicity.close(batch.number, store=store, closed_on=after, by="clerk-wang")
        reverify.reverify(cycle, store=store, analytics=bootstrap.analytics(settings), settings=settings,
                          snapshot=world["run"].summary.snapshot_id, by="checker")
        done = payments.prepare_batches(cycle, store=store, analytics=bootstrap.analytics(settings),
                                        settings=settings, by="clerk-wang")
        answers = []
        for b in done.batches:
            payments.approve_batch(b.number, store=store, settings=settings, by="approver-zhao")
            sent = payments.write_files(b.number, store=store, banks=bootstrap.banks(), settings=settings,
                                        out_dir=world["root"] / "out", by="clerk-wang")
            a = BankSimulator(seed=1, reject_share=0, return_share=0).answer(sent.path, world["root"] / "bank")
            answers += [f.path for f in (a.pain002, a.settlement, a.returns) if f]
        reconcile.ingest(answers, store=store, banks=bootstrap.banks(), settings=settings, by="clerk-wang")


def test_a_review_unit_claims_its_staff_count_with_a_pdf_signs_and_is_paid(browser, world, shots):  # noqa: F811
    folder = shots
    cycle = world["cycle"]
    phone = employer_signed_in(page_of(browser, world, PHONE), SIZE_UNKNOWN)
    assert "待审核" in phone.inner_text(f"#case-{cycle}") and "请于" in phone.inner_text(f"#case-{cycle}")
    phone.screenshot(path=folder / "apply-1-review-case-phone.png", full_page=True)
    phone.click(f"#apply-{cycle}")
    phone.wait_for_url(f"**/portal/cycles/{cycle}/apply")
    phone.fill("input[name=employees]", "300")
    phone.fill("input[name=revenue]", "99999999.99")
    phone.set_input_files("#attachments", files=[{"name": "2020年报.pdf", "mimeType": "application/pdf",
                                                  "buffer": PDF}])
    phone.click("#preview-button")
    phone.wait_for_selector("#preview-amount")
    assert phone.inner_text("#preview-amount") == "1,440.00" and "符合条件" in phone.inner_text("#preview-verdict")
    assert width(phone) <= PHONE["width"]
    phone.screenshot(path=folder / "apply-2-preview-phone.png", full_page=True)
    assert "统一社会信用代码" in phone.inner_text("#letter")
    phone.check("#accept")
    phone.click("#file-button")
    phone.wait_for_selector("#message")
    assert "审核预计于" in phone.inner_text("#message")
    phone.screenshot(path=folder / "apply-3-filed-phone.png", full_page=True)
    phone.goto("/portal")
    card = phone.inner_text(f"#case-{cycle}")
    assert "审核预计于" in card and "2020年报.pdf" in card and "从业人员数 300" in card
    assert width(phone) <= PHONE["width"]
    phone.screenshot(path=folder / "apply-4-following-phone.png", full_page=True)

    desk = signed_in(page_of(browser, world), STAFF["reviewer"])
    with world["store"].reading() as uow:
        case_id = uow.cases.find(cycle, SIZE_UNKNOWN).id
    desk.goto(f"/staff/cases/{case_id}")
    assert desk.input_value("#supply-form input[name=employees]") == "300"
    assert "2020年报.pdf" in desk.input_value("#supply-form input[name=evidence]")
    desk.screenshot(path=folder / "apply-5-staff-case.png", full_page=True)
    desk.click("#supply-form button")
    assert "1,440.00" in desk.inner_text("#preview-amount")
    desk.click("#supply-confirm button")
    desk.wait_for_selector("#case-state[data-state=identified]")

    pay(world)
    phone.goto("/portal")
    card = phone.locator(f"#case-{cycle}")
    assert card.get_attribute("data-state") == "paid", card.inner_text()
    assert "已到账" in card.inner_text() and "1,440.00" in card.inner_text()
    phone.screenshot(path=folder / "apply-6-paid-phone.png", full_page=True)
