"""People on SQLite and PostgreSQL: activation by one-time code, argon2 passwords, lock-out, sessions, callbacks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.builders import uscc
from tests.conftest import CITY
from tests.web.conftest import code_of
from wengang import bootstrap
from wengang.adapters.db.people_tables import activation_codes, users
from wengang.domain.errors import NotFound, Refused
from wengang.services import audit, callbacks, people

pytestmark = pytest.mark.slow
UNIT = uscc(CITY["eligible"])
GOOD = "Good-pass-2021"


def test_a_unit_activates_with_its_code_and_only_hashes_are_stored(db_store, db_settings, opened):
    made = people.issue_activation(UNIT, store=db_store, by="admin", phone="13911112222",
                                   sealer=bootstrap.sealer(db_settings))
    assert made.phone == "139****2222"
    code = code_of(db_store, db_settings, UNIT)
    with db_store.engine.connect() as conn:
        stored = conn.execute(select(activation_codes.c.code_hash)).scalar_one()
        assert code not in stored and len(stored) == 64
    with pytest.raises(Refused, match="wrong, used or expired"):
        people.activate(UNIT, "AAAAAAAAAA", GOOD, store=db_store)
    with pytest.raises(Refused, match="letters and digits"):
        people.activate(UNIT, code, "onlyletterslong", store=db_store)
    people.activate(UNIT, code.lower(), GOOD, store=db_store)                 # typed in lower case: still the code
    with pytest.raises(Refused, match="wrong, used or expired"):
        people.activate(UNIT, code, "Another-pass-1", store=db_store)         # one time only
    with db_store.engine.connect() as conn:
        hashed = conn.execute(select(users.c.password_hash).where(users.c.username == UNIT)).scalar_one()
    assert hashed.startswith("$argon2id$") and GOOD not in hashed
    token, who = people.sign_in(UNIT.lower(), GOOD, store=db_store, employer=True)
    assert who.uscc == UNIT and people.resolve(token, store=db_store) == who
    assert audit.verify_log(store=db_store).ok


def test_five_wrong_codes_spend_the_code_and_a_new_code_revokes_the_old(db_store, db_settings, opened):
    sealer = bootstrap.sealer(db_settings)
    people.issue_activation(UNIT, store=db_store, by="admin", sealer=sealer)
    first = code_of(db_store, db_settings, UNIT)
    for _ in range(people.CODE_TRIES):
        with pytest.raises(Refused):
            people.activate(UNIT, "BBBBBBBBBB", GOOD, store=db_store)
    with pytest.raises(Refused):
        people.activate(UNIT, first, GOOD, store=db_store)                    # spent by the wrong tries
    people.issue_activation(UNIT, store=db_store, by="admin", sealer=sealer)
    people.issue_activation(UNIT, store=db_store, by="admin", sealer=sealer)
    newest = code_of(db_store, db_settings, UNIT)
    people.activate(UNIT, newest, GOOD, store=db_store)


def test_units_without_a_case_and_bad_codes_get_no_account(db_store, db_settings, opened):
    sealer = bootstrap.sealer(db_settings)
    with pytest.raises(NotFound, match="no cycle has a case"):
        people.issue_activation(uscc(77), store=db_store, by="admin", sealer=sealer)
    with pytest.raises(Refused, match="check digit"):
        people.issue_activation(UNIT[:17] + ("0" if UNIT[17] != "0" else "1"), store=db_store, by="admin",
                                sealer=sealer)
    with pytest.raises(Refused, match="phone"):
        people.issue_activation(UNIT, store=db_store, by="admin", phone="12345", sealer=sealer)


def test_five_wrong_passwords_lock_the_account_and_the_lock_is_audited(db_store, opened):
    people.create_staff("clerk-wang", "clerk", store=db_store, by="admin", password=GOOD)
    for _ in range(people.MAX_FAILURES):
        with pytest.raises(Refused, match="wrong user name"):
            people.sign_in("clerk-wang", "wrong-pass-1", store=db_store, employer=False)
    with pytest.raises(Refused, match="wrong user name"):                      # locked: the same words as a wrong
        people.sign_in("clerk-wang", GOOD, store=db_store, employer=False)    # password, even for the right one
    with db_store.reading() as uow:
        events = [e[3] for e in uow.audit.entries()]
    assert "login_locked" in events
    with pytest.raises(Refused, match="wrong user name"):
        people.sign_in("nobody", GOOD, store=db_store, employer=False)
    with pytest.raises(Refused, match="wrong user name"):                      # staff name on the employer form
        people.sign_in("clerk-wang", GOOD, store=db_store, employer=True)


def test_sessions_end_on_sign_out_and_when_the_user_is_disabled(db_store, opened):
    made = people.create_staff("reviewer-li", "reviewer", store=db_store, by="admin", password=GOOD)
    token, who = people.sign_in("reviewer-li", GOOD, store=db_store, employer=False)
    assert people.resolve(token, store=db_store).role == "reviewer"
    people.sign_out(who, store=db_store)
    assert people.resolve(token, store=db_store) is None
    token, _ = people.sign_in("reviewer-li", GOOD, store=db_store, employer=False)
    people.set_active(made.id, False, store=db_store, by="admin")
    assert people.resolve(token, store=db_store) is None
    assert people.resolve("", store=db_store) is None and people.resolve("x" * 500, store=db_store) is None


@pytest.mark.parametrize(("name", "role", "password", "match"), [
    ("Clerk Wang", "clerk", GOOD, "user name"), ("clerk-2", "cashier", GOOD, "unknown role"),
    ("clerk-2", "clerk", "short1", "10 to 128"), ("clerk-2", "employer", GOOD, "unknown role")])
def test_staff_accounts_are_checked(db_store, opened, name, role, password, match):
    with pytest.raises(Refused, match=match):
        people.create_staff(name, role, store=db_store, by="admin", password=password)


def test_a_callback_is_queued_answered_by_sms_and_timed(db_store, opened):
    asked = callbacks.request("138 1234 5678", "何时到账?", store=db_store, uscc=UNIT)
    assert asked.phone == "138****5678"
    [queued] = callbacks.listing(store=db_store, status="open")
    assert queued.phone == "138****5678" and queued.minutes is not None
    with pytest.raises(Refused):
        callbacks.answer(asked.id, store=db_store, text=" ", by="clerk")
    done = callbacks.answer(asked.id, store=db_store, text="本周到账", by="clerk")
    assert done.minutes_to_answer >= 0
    with pytest.raises(Refused, match="already answered"):
        callbacks.answer(asked.id, store=db_store, text="again", by="clerk")
    with db_store.reading() as uow:
        sms = uow.notifications.of_kind("callback_answered")
        alert = uow.notifications.of_kind("callback_alert")
    assert sms[0].recipient == "13812345678" and sms[0].channel == "sms" and "本周到账" in sms[0].text
    assert "138****5678" in alert[0].text and "13812345678" not in alert[0].text
    assert callbacks.for_unit(UNIT, store=db_store)[0].answer == "本周到账"
    stats = callbacks.stats(store=db_store)
    assert stats.answered == 1 and stats.open == 0 and stats.median_minutes is not None
    with db_store.reading() as uow:
        logged = " ".join(e[9] + e[8] for e in uow.audit.entries())
    assert "13812345678" not in logged


@pytest.mark.parametrize(("phone", "question"), [("12345", "何时?"), ("13812345678", "?"), ("13812345678", "问" * 1001)])
def test_a_bad_callback_request_is_refused_and_stores_nothing(db_store, opened, phone, question):
    with pytest.raises(Refused):
        callbacks.request(phone, question, store=db_store)
    assert callbacks.listing(store=db_store) == []
