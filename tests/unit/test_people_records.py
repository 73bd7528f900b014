"""The people and contact records' own rules, without a database: lock-outs, role changes by another person, a
request decided once by someone other than who asked, a callback answered once, a message sent once with its seal
wiped."""

from __future__ import annotations

import datetime as dt

import pytest

from wengang.domain.contact import Callback, Notice, Notification
from wengang.domain.errors import IllegalTransition, Refused
from wengang.domain.people import AccountRequest, ActivationCode, LoginFailure, Role, Session, User

NOW = dt.datetime(2026, 3, 1, 9, 0)
LOCK = dt.timedelta(minutes=15)


def user(**changes) -> User:
    fields = dict(id=1, username="clerk-wang", role=Role.CLERK, uscc=None, display_name="王", phone="13911112222",
                  password_hash="h", password_set_at=NOW, failed_logins=0, locked_until=None, active=True,
                  created_by="admin-qian", created_at=NOW, role_granted_by="security-zhou", role_granted_at=NOW)
    return User(**{**fields, **changes})


def test_an_account_locks_at_its_limit_and_counts_again_from_zero():
    counted = user(failed_logins=48).wrong_password(NOW, limit=50, lock=LOCK)
    assert counted.failed_logins == 49 and not counted.locked(NOW)
    locked = counted.wrong_password(NOW, limit=50, lock=LOCK)
    assert locked.failed_logins == 0 and locked.locked(NOW) and not locked.locked(NOW + LOCK)


def test_an_address_locks_at_its_limit_and_only_that_address():
    pair = LoginFailure(1, 1, "10.0.0.1", 3, None, NOW)
    pair = pair.wrong_password(NOW, limit=5, lock=LOCK)
    assert pair.failures == 4 and not pair.locked(NOW) and pair.counting
    pair = pair.wrong_password(NOW, limit=5, lock=LOCK)
    assert pair.failures == 0 and pair.locked(NOW) and pair.locked_until == NOW + LOCK


def test_staff_passwords_age_and_employers_do_not():
    old = NOW - dt.timedelta(days=91)
    assert user(password_set_at=old).password_too_old(NOW, 90)
    assert not user(password_set_at=NOW).password_too_old(NOW, 90)
    unit = user(role=Role.EMPLOYER, uscc="91110000000000000X", password_set_at=old)
    assert unit.is_employer and not unit.is_staff and not unit.password_too_old(NOW, 90)


@pytest.mark.parametrize("by", ["clerk-wang", "admin-qian"])
def test_a_role_is_changed_only_by_another_person(by):
    with pytest.raises(Refused, match="another person must"):
        user().check_role_change_by(by)
    user().check_role_change_by("security-zhou")
    with pytest.raises(Refused, match="no role to grant"):
        user(role=Role.EMPLOYER, uscc="91110000000000000X").check_role_change_by("security-zhou")


def test_a_request_is_decided_once_and_never_by_who_asked():
    asked = AccountRequest(7, 1, "contact", "13955556666", "换号", "pending", "clerk-wang", NOW, None, None)
    with pytest.raises(Refused, match="another member of staff must"):
        asked.decide(True, by="clerk-wang", at=NOW)
    approved = asked.decide(True, by="security-zhou", at=NOW)
    assert (approved.status, approved.decided_by, approved.decided_at) == ("approved", "security-zhou", NOW)
    assert asked.decide(False, by="security-zhou", at=NOW).status == "refused"
    with pytest.raises(Refused, match="already decided"):
        approved.decide(False, by="security-wu", at=NOW)


def test_a_callback_is_answered_once():
    asked = Callback(3, None, None, "13812345678", "何时到账?", "public", "open", NOW, None, None, None)
    assert asked.minutes(None) is None and asked.minutes(NOW + dt.timedelta(minutes=6)) == 6
    done = asked.answered("本周到账", by="clerk-wang", at=NOW + dt.timedelta(minutes=12))
    assert done.status == "answered" and done.answer == "本周到账" and done.minutes(None) == 12
    with pytest.raises(Refused, match="already answered"):
        done.answered("again", by="clerk-wang", at=NOW)


def test_a_message_is_sent_or_failed_once_and_its_seal_is_wiped():
    queued = Notification(5, None, None, "13911112222", "sms", "activation_code", "code **********", "pending", NOW,
                          None, "v1.sealed")
    sent = queued.sent(NOW)
    assert (sent.status, sent.sent_at, sent.sealed) == ("sent", NOW, None)
    assert (queued.failed().status, queued.failed().sealed) == ("failed", None)
    with pytest.raises(IllegalTransition):
        sent.sent(NOW)
    with pytest.raises(IllegalTransition):
        sent.failed()
    assert Notice(None, None, None, "portal", "k", "t", NOW).sealed is None


def test_a_code_is_usable_until_spent_tried_out_or_expired_and_compared_whole():
    code = ActivationCode(1, 1, "a" * 64, NOW + dt.timedelta(hours=1), 0, None, "admin", NOW)
    assert code.usable(NOW, 5) and code.matches("a" * 64) and not code.matches("b" * 64)
    assert not ActivationCode(1, 1, "a" * 64, NOW, 0, None, "admin", NOW).usable(NOW, 5)
    assert not ActivationCode(1, 1, "a" * 64, NOW + LOCK, 5, None, "admin", NOW).usable(NOW, 5)
    assert not ActivationCode(1, 1, "a" * 64, NOW + LOCK, 0, NOW, "admin", NOW).usable(NOW, 5)


def test_a_session_lives_until_ended_or_expired():
    session = Session(1, "h", 1, "c", NOW, NOW + dt.timedelta(hours=8), None, NOW)
    assert session.live(NOW) and not session.live(NOW + dt.timedelta(hours=8))
    assert not Session(1, "h", 1, "c", NOW, NOW + LOCK, NOW, NOW).live(NOW)
