"""The people and contact repositories on SQLite and PostgreSQL: typed records in and out, bulk notices in one
statement, conditional changes that say when they did not apply, a NotFound that names the record."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from wengang.domain.contact import Notice, Notification
from wengang.domain.errors import NotFound
from wengang.domain.people import Role, User

T0 = dt.datetime(2026, 3, 1, 9, 0)


def add_user(uow, username: str, role: str = "clerk", uscc: str | None = None) -> User:
    return uow.users.add(username=username, role=role, uscc=uscc, display_name=username, phone="13911112222",
                         password_hash=None, password_set_at=None, active=True, created_by="operator",
                         created_at=T0, role_granted_by=None, role_granted_at=None)


def test_notices_go_in_bulk_and_are_sent_once_with_their_seals_wiped(db_store):
    notices = [Notice(f"9111000000000000{n:02d}", n, "13911112222", "sms", "payment_failed", f"第{n}条", T0)
               for n in range(3)]
    with db_store.transaction() as uow:
        assert uow.notifications.add_many([]) == 0 and uow.notifications.add_many(iter(())) == 0
        assert uow.notifications.add_many(notices) == 3
        one = uow.notifications.add(Notice(notices[0].uscc, None, None, "portal", "secret", "**", T0, "v1.x"))
        uow.commit()
    assert isinstance(one, Notification) and one.status == "pending" and one.sealed == "v1.x"
    with db_store.transaction() as uow:
        stored = uow.notifications.of_kind("payment_failed")
        assert [(m.case_id, m.text, m.status, m.created_at) for m in stored] == [
            (n, f"第{n}条", "pending", T0) for n in range(3)]
        assert [m.id for m in uow.notifications.of_unit(notices[0].uscc, limit=1)] == [one.id]   # newest first
        assert [m.id for m in uow.notifications.pending(limit=2)] == [m.id for m in stored[:2]]
        [waiting] = uow.notifications.pending(kind="secret", limit=10)
        sent = waiting.sent(T0 + dt.timedelta(minutes=1))
        assert uow.notifications.save_sent([sent]) == 1
        uow.commit()
    with db_store.transaction() as uow:
        [done] = uow.notifications.of_kind("secret")
        assert (done.status, done.sealed, done.sent_at) == ("sent", None, T0 + dt.timedelta(minutes=1))
        uow.notifications.save_sent([replace(sent, sent_at=T0 + dt.timedelta(hours=1))])   # no longer pending
        uow.commit()
    with db_store.reading() as uow:
        assert uow.notifications.of_kind("secret")[0].sent_at == T0 + dt.timedelta(minutes=1)


def test_accounts_read_back_typed_and_a_missing_one_is_named(db_store):
    with db_store.transaction() as uow:
        clerk = add_user(uow, "clerk-wang")
        unit = add_user(uow, "91110000000000001X", role="employer", uscc="91110000000000001X")
        uow.users.grant(clerk.id, "approver", by="security-zhou", at=T0)
        uow.users.save_lock(clerk.wrong_password(T0, limit=1, lock=dt.timedelta(minutes=15)))
        uow.commit()
    with db_store.reading() as uow:
        got = uow.users.named("clerk-wang")
        assert got.role is Role.APPROVER and got.role_in_force and got.locked(T0) and got.failed_logins == 0
        assert uow.users.get(unit.id).is_employer and uow.users.named("nobody") is None
        with pytest.raises(NotFound, match="no user 999"):
            uow.users.get(999)


def test_locks_per_address_are_found_and_cleared_together(db_store):
    with db_store.transaction() as uow:
        clerk = add_user(uow, "clerk-wang")
        for client in ("10.0.0.1", "10.0.0.2"):
            pair = uow.login_failures.add(user_id=clerk.id, client=client, failures=0, locked_until=None,
                                          last_failed_at=T0)
            uow.login_failures.save(pair.wrong_password(T0, limit=1, lock=dt.timedelta(minutes=15)))
        assert uow.login_failures.locked_users(T0) == {clerk.id}
        uow.login_failures.clear_all(clerk.id)
        assert uow.login_failures.locked_users(T0) == set()
        assert not uow.login_failures.of(clerk.id, "10.0.0.1").counting


def test_conditional_changes_say_when_they_did_not_apply(db_store):
    with db_store.transaction() as uow:
        clerk = add_user(uow, "clerk-wang")
        session = uow.sessions.add(token_hash="h" * 64, user_id=clerk.id, csrf="c", created_at=T0,
                                   expires_at=T0 + dt.timedelta(hours=8), last_seen_at=T0)
        assert uow.sessions.by_token("h" * 64) == session and uow.sessions.live_of(clerk.id) == [session]
        assert uow.sessions.end(session.id, T0) and not uow.sessions.end(session.id, T0)
        assert not uow.sessions.touch(session.id, T0) and uow.sessions.live_of(clerk.id) == []
        asked = uow.account_requests.add(user_id=clerk.id, kind="reactivate", phone=None, reason="忘记密码",
                                         status="pending", requested_by="admin-qian", requested_at=T0)
        decided = asked.decide(True, by="security-zhou", at=T0)
        assert uow.account_requests.decide(decided) and not uow.account_requests.decide(decided)
        assert uow.account_requests.pending_of(clerk.id) == [] and uow.account_requests.with_status("approved")
        cb = uow.callbacks.add(uscc=None, name=None, phone="13812345678", question="何时?", source="public",
                               status="open", asked_at=T0)
        answered = cb.answered("本周", by="clerk-wang", at=T0)
        assert uow.callbacks.answer(answered) and not uow.callbacks.answer(answered)
        assert uow.callbacks.get(cb.id) == answered and uow.callbacks.all(status="open") == []
        code = uow.activation_codes.add(user_id=clerk.id, code_hash="x" * 64, expires_at=T0, tries=0,
                                        issued_by="admin", issued_at=T0)
        assert uow.activation_codes.spend(code.id, T0) and not uow.activation_codes.spend(code.id, T0)
        assert uow.activation_codes.unused_of(clerk.id) == []


def test_lookup_codes_are_counted_per_unit_spent_once_for_a_view_and_closed(db_store):
    unit, other = "91110105000000001Y", "911101050000000027"
    with db_store.transaction() as uow:
        first = uow.lookup_codes.add(uscc=unit, code_hash="$argon2id$x", expires_at=T0 + dt.timedelta(minutes=10),
                                     tries=0, issued_at=T0)
        later = uow.lookup_codes.add(uscc=unit, code_hash="$argon2id$y", expires_at=T0 + dt.timedelta(minutes=20),
                                     tries=0, issued_at=T0 + dt.timedelta(minutes=10))
        uow.lookup_codes.add(uscc=other, code_hash="$argon2id$z", expires_at=T0, tries=0, issued_at=T0)
        uow.commit()
    assert first.used_at is None and first.view_hash is None and first.view_until is None
    with db_store.transaction() as uow:
        assert [c.id for c in uow.lookup_codes.issued_since(unit, T0 + dt.timedelta(minutes=5))] == [later.id]
        assert [c.id for c in uow.lookup_codes.issued_since(unit, T0)] == [first.id, later.id]
        uow.lookup_codes.expire(first.id, T0)
        uow.lookup_codes.tried(later.id, 2)
        until = T0 + dt.timedelta(minutes=40)
        assert uow.lookup_codes.open_view(later.id, T0 + dt.timedelta(minutes=11), "h" * 64, until)
        assert not uow.lookup_codes.open_view(later.id, T0, "g" * 64, until)          # spent once
        uow.commit()
    with db_store.transaction() as uow:
        seen = uow.lookup_codes.by_view("h" * 64)
        assert seen is not None and seen.id == later.id and seen.tries == 2 and seen.viewing(T0 + dt.timedelta(minutes=39))
        assert [c.id for c in uow.lookup_codes.unused_of(unit)] == [first.id] and uow.lookup_codes.by_view("x") is None
        uow.lookup_codes.close_view(later.id, T0 + dt.timedelta(minutes=12))
        uow.commit()
    with db_store.reading() as uow:
        assert not uow.lookup_codes.by_view("h" * 64).viewing(T0 + dt.timedelta(minutes=13))


def test_fanned_messages_and_their_copies_keep_every_character_of_their_words(db_store):
    """A message's words and values, and a copy's address, come back exactly as told, tabs, line breaks,
    backslashes and all (PostgreSQL takes them as COPY text spelled by the repository)."""
    words = "第一行\t制表\n第二行 \\N 反斜杠\\ \r 回车 / line one\tand two\n\\."
    values = '{"why": "账户\\t有误\\n", "pack": "\\\\N"}'
    notices = [Notice("91110000000000002X", None, None, "portal", "not_granted", words, T0, None, values, 7),
               Notice("91110000000000003X", 5, None, "portal", "identified", "同样的话", T0, None, None, 8)]
    with db_store.transaction() as uow:
        ids = uow.notifications.add_fanned(notices, T0 + dt.timedelta(minutes=1))
        assert uow.deliveries.add_many([(ids[0], "n-tab\t-0", "email", "a\\b\tc@例子.cn", T0, T0),
                                        (ids[1], "n-plain-0", "sms", "13911112222", T0, T0)]) == 2
        uow.commit()
    with db_store.reading() as uow:
        told = {m.id: m for m in uow.notifications.of_kind("not_granted") + uow.notifications.of_kind("identified")}
        assert [(told[i].uscc, told[i].case_id, told[i].text, told[i].params, told[i].status, told[i].sent_at,
                 told[i].created_at) for i in ids] == [
            ("91110000000000002X", None, words, values, "sent", T0 + dt.timedelta(minutes=1), T0),
            ("91110000000000003X", 5, "同样的话", None, "sent", T0 + dt.timedelta(minutes=1), T0)]
        [copy] = uow.deliveries.of_notification(ids[0])
        assert (copy.key, copy.recipient, copy.status, copy.attempts, copy.next_at) == (
            "n-tab\t-0", "a\\b\tc@例子.cn", "pending", 0, T0)
