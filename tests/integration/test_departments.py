"""Hongkou's joint review (issue 17.3, POLICIES.md §8) on SQLite and PostgreSQL: a qualifying unit waits for the
department of its industry; only a member of that department confirms (the case goes on) or declines with a reason
(the case is out, the unit reads why); nothing of it is listed before; every word is audited."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.builders import imported_world, steady_contributions, uscc, write_snapshot
from tests.clocks import on_day
from tests.conftest import ACCOUNT
from wengang.domain.departments import WrongDepartment
from wengang.domain.errors import Refused
from wengang.services import cycles, departments, people, portal, publicity, review, tell

PACKS = Path(__file__).resolve().parents[1] / "packs"
PACK, AS_OF = "hongkou-test-2022", dt.date(2022, 6, 15)
CATERING, RETAIL, HOTEL, SOFTWARE, NO_MONTH = (uscc(n, "91310109") for n in range(1, 6))
INDUSTRY = {CATERING: "catering", RETAIL: "retail", HOTEL: "accommodation", SOFTWARE: "software_it",
            NO_MONTH: "catering"}
NAMES = {CATERING: "上海北外滩餐饮有限公司", RETAIL: "虹口四川北路百货有限公司", HOTEL: "虹口滨江酒店有限公司",
         SOFTWARE: "虹口云码软件有限公司", NO_MONTH: "虹口鲁迅公园小吃店"}
PASSWORD = "Correct-Horse-9-Battery"


def city(folder: Path) -> Path:
    employers = [{"uscc": u, "name": NAMES[u], "industry": industry, "employees": "30", "region": "310109",
                  **ACCOUNT} for u, industry in INDUSTRY.items()]
    contributions = [row for u in INDUSTRY for row in steady_contributions(u, insured=30, first="2020-12",
                                                                            last="2022-05")
                     if not (u == NO_MONTH and row["month"] == "2022-03")]
    return write_snapshot(folder, employers=employers, contributions=contributions)


@pytest.fixture
def joint(tmp_path, db_url, monkeypatch):
    """A Hongkou cycle opened on the city, and three reviewers: commerce's, culture and tourism's, and one of none."""
    monkeypatch.setenv("WENGANG_POLICY_PATH", str(PACKS))
    with imported_world(tmp_path, city(tmp_path / "city"), db_url) as (store, analytics, settings, snapshot):
        cycle = cycles.open_cycle(PACK, AS_OF, store=store, analytics=analytics, settings=settings,
                                  snapshot=snapshot, by="clerk").cycle
        for name, dept in (("commerce1", "commerce"), ("tourism1", "culture_tourism"), ("plain1", None)):
            people.create_staff(name, "reviewer", store=store, by="server:test", password=PASSWORD, department=dept)
        yield store, analytics, cycle.id, settings


def case_of(store, cycle_id, code):
    with store.reading() as uow:
        return uow.cases.find(cycle_id, code)


def test_each_department_sees_only_the_units_of_its_industries(joint):
    store, analytics, cycle_id, settings = joint
    commerce = departments.queue(cycle_id, "commerce", store=store, analytics=analytics)
    tourism = departments.queue(cycle_id, "culture_tourism", store=store, analytics=analytics)
    assert {r.case.uscc for r in commerce.waiting} == {CATERING, RETAIL, NO_MONTH}
    assert {r.case.uscc for r in tourism.waiting} == {HOTEL}
    assert commerce.department.name == "区商务委员会" and commerce.decided == []
    held = case_of(store, cycle_id, CATERING)
    assert (held.state.value, held.decision, held.amount) == ("review", "review", Decimal("18000.00"))
    assert held.reasons == "department_confirmation_needed"
    assert case_of(store, cycle_id, SOFTWARE).state.value == "rejected"          # not listed: no department asked


def test_a_department_confirms_its_unit_and_the_case_goes_on_audited(joint):
    store, analytics, cycle_id, settings = joint
    case = departments.confirm(cycle_id, CATERING, department_id="commerce", store=store, analytics=analytics,
                               by="commerce1")
    assert case.state.value == "identified" and case.review_accepted
    with store.reading() as uow:
        said = uow.department_reviews.of_case(case.id)
        entry = [e for e in uow.audit.for_case(case.id) if e.event == "department_confirmed"]
    assert (said.department, said.outcome, said.decided_by) == ("commerce", "confirmed", "commerce1")
    assert len(entry) == 1 and entry[0].actor == "commerce1" and entry[0].to_state == "identified"
    assert json.loads(entry[0].data)["department"] == "commerce"
    again = departments.queue(cycle_id, "commerce", store=store, analytics=analytics)
    assert CATERING not in {r.case.uscc for r in again.waiting}
    assert [r.case.uscc for r in again.decided] == [CATERING]
    with pytest.raises(Refused, match="不在等待"):                                     # a department decides once
        departments.confirm(cycle_id, CATERING, department_id="commerce", store=store, analytics=analytics,
                            by="commerce1")


def test_a_decline_needs_a_reason_rejects_the_case_and_the_unit_reads_it(joint):
    store, analytics, cycle_id, settings = joint
    with pytest.raises(Refused, match="写明理由"):
        departments.decline(cycle_id, RETAIL, department_id="commerce", reason="  ", store=store,
                            analytics=analytics, by="commerce1")
    case = departments.decline(cycle_id, RETAIL, department_id="commerce", reason="该单位已于2022年2月停业",
                               store=store, analytics=analytics, by="commerce1")
    assert case.state.value == "rejected" and "该单位已于2022年2月停业" in case.reason
    with store.reading() as uow:
        entry = [e for e in uow.audit.for_case(case.id) if e.event == "department_declined"]
    assert len(entry) == 1 and entry[0].actor == "commerce1" and entry[0].to_state == "rejected"
    shown = portal.case_progress(RETAIL, cycle_id, store=store)
    assert shown.declined == ("区商务委员会不予确认: 该单位已于2022年2月停业",
                              "District Commission of Commerce declined: 该单位已于2022年2月停业")
    waiting = portal.case_progress(HOTEL, cycle_id, store=store)
    assert waiting.declined is None and not waiting.can_apply and waiting.apply_by is None
    tell.tell(store=store, settings=settings)                       # told why, and by which department
    with store.reading() as uow:
        told = uow.notifications.of_kind("not_granted")
    assert [m.uscc for m in told] == [RETAIL]
    assert "经区商务委员会审核, 您单位本次不能享受" in told[0].text and "理由: 该单位已于2022年2月停业" in told[0].text
    assert "After review by the District Commission of Commerce, your unit will not receive" in told[0].text


def test_only_a_member_of_the_unit_s_department_may_speak_for_it(joint):
    store, analytics, cycle_id, settings = joint
    for who in ("tourism1", "plain1", "nobody"):
        with pytest.raises(WrongDepartment, match="区商务委员会"):
            departments.confirm(cycle_id, CATERING, department_id="commerce", store=store, analytics=analytics,
                                by=who)
    with pytest.raises(Refused, match="不由区商务委员会确认"):                          # not commerce's industry
        departments.confirm(cycle_id, HOTEL, department_id="commerce", store=store, analytics=analytics,
                            by="commerce1")
    with pytest.raises(Refused, match="没有部门"):
        departments.confirm(cycle_id, HOTEL, department_id="sports_bureau", store=store, analytics=analytics,
                            by="commerce1")
    assert case_of(store, cycle_id, CATERING).state.value == "review"
    with store.reading() as uow:
        assert uow.department_reviews.of_case(case_of(store, cycle_id, CATERING).id) is None


def test_nothing_is_listed_or_accepted_before_its_department_confirmed_it(joint):
    store, analytics, cycle_id, settings = joint
    hotel = case_of(store, cycle_id, HOTEL)
    review.apply(cycle_id, HOTEL, store=store, analytics=analytics, settings=settings, commitment="承诺",
                 accepted=True, by="clerk")
    with pytest.raises(Refused, match="须先由行业主管部门确认"):
        review.decide(hotel.id, store=store, accept=True, reason="材料齐全", by="plain1")
    departments.confirm(cycle_id, CATERING, department_id="commerce", store=store, analytics=analytics,
                        by="commerce1")
    with on_day(store, dt.date(2022, 7, 1)):                 # opening was the pack's one comparison round
        batch = publicity.start(cycle_id, store=store, starts_on=dt.date(2022, 7, 1), by="clerk")
    with store.reading() as uow:
        listed = {c.uscc for c in uow.cases.of_cycle(cycle_id) if c.batch_id == batch.id}
    assert listed == {CATERING}
    assert case_of(store, cycle_id, HOTEL).state.value == "review"


def test_a_unit_held_for_another_reason_too_stays_in_review_once_confirmed(joint):
    store, analytics, cycle_id, settings = joint
    case = departments.confirm(cycle_id, NO_MONTH, department_id="commerce", store=store, analytics=analytics,
                               by="commerce1")
    assert case.state.value == "review" and case.reasons == "month_headcount_unknown;department_confirmation_needed"
    with store.reading() as uow:
        assert uow.department_reviews.of_case(case.id).confirmed
        assert [e.event for e in uow.audit.for_case(case.id)][-1] == "department_confirmed"


def test_a_unit_held_for_its_department_is_not_asked_to_apply_and_is_told_once_confirmed(joint):
    store, analytics, cycle_id, settings = joint
    tell.tell(store=store, settings=settings)
    with store.reading() as uow:
        asked = {m.uscc for m in uow.notifications.of_kind("application_needed")}
        assert asked == {NO_MONTH}                          # held for its headcount month too: it may apply
    departments.confirm(cycle_id, CATERING, department_id="commerce", store=store, analytics=analytics,
                        by="commerce1")
    tell.tell(store=store, settings=settings)
    with store.reading() as uow:
        assert [m.uscc for m in uow.notifications.of_kind("identified")] == [CATERING]


def test_a_department_member_is_staff_of_a_business_role_in_a_department_some_pack_names(joint):
    store, analytics, cycle_id, settings = joint
    with pytest.raises(Refused, match="没有这个行业主管部门"):
        people.create_staff("harbour1", "reviewer", store=store, by="server:test", password=PASSWORD,
                            department="harbour")
    with pytest.raises(Refused, match="业务角色"):
        people.create_staff("audit1", "auditor", store=store, by="server:test", password=PASSWORD,
                            department="commerce")
    with store.reading() as uow:
        assert uow.users.named("commerce1").department == "commerce"
        assert uow.users.named("plain1").department is None
        assert uow.users.named("harbour1") is None and uow.users.named("audit1") is None
