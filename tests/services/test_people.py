"""People on the in-memory store: staff accounts, sign-in and lock-out, sessions, activation by one-time code."""

from __future__ import annotations

import re

import pytest

from tests.builders import uscc
from tests.services.conftest import code
from wengang.domain.errors import NotFound, Refused
from wengang.services import notify, people, sessions

pytestmark = pytest.mark.services
GOOD = "Good-pass-2021"
WRONG = "Wrong-pass-2021"


def staff(store, username: str = "clerk-wang", role: str = "clerk") -> int:
    return people.create_staff(username, role, store=store, by="operator", password=GOOD).id


def events(store) -> list[str]:
    with store.reading() as uow:
        return [e[3] for e in uow.audit.entries()]


def newest_code(store, channel, who: str) -> str:
    """The code as the phone receives it: pending messages handed to the channel, the sealed text opened."""
    notify.deliver(store=store, channel=channel, kind="activation_code")
    texts = [m["text"] for m in channel.received if m["uscc"] == who or f"账户 {who} " in m["text"]]
    return re.search(r"激活码 ([A-Z0-9]{10})", texts[-1]).group(1)


def test_five_wrong_passwords_lock_out_that_address_only_until_the_security_officer_unlocks(store):
    user_id = staff(store)
    for _ in range(people.MAX_FAILURES):
        with pytest.raises(Refused, match="wrong user name"):
            people.sign_in("clerk-wang", WRONG, store=store, employer=False, client="10.6.6.6")
    with pytest.raises(Refused, match="wrong user name"):                       # the right one, refused alike
        people.sign_in("clerk-wang", GOOD, store=store, employer=False, client="10.6.6.6")
    people.sign_in("clerk-wang", GOOD, store=store, employer=False, client="10.1.1.1")    # another address: open
    assert events(store).count("login_locked") == 1
    assert [u.locked for u in people.list_users(store=store) if u.id == user_id] == [True]
    with pytest.raises(Refused, match="cannot unlock your own"):
        people.unlock(user_id, store=store, by="clerk-wang")
    staff(store, "security-zhou", "security")
    people.unlock(user_id, store=store, by="security-zhou")
    people.sign_in("clerk-wang", GOOD, store=store, employer=False, client="10.6.6.6")


def test_unknown_names_get_the_same_answer_and_leave_no_trace(store):
    staff(store)
    before = len(events(store))
    with pytest.raises(Refused, match="wrong user name"):
        people.sign_in("nobody-here", GOOD, store=store, employer=False)
    with pytest.raises(Refused, match="wrong user name"):                       # a staff name on the employer form
        people.sign_in("clerk-wang", GOOD, store=store, employer=True)
    assert len(events(store)) == before


def test_one_session_per_staff_account_ended_by_sign_out_and_by_disabling(store):
    user_id = staff(store, "reviewer-li", "reviewer")
    first, _ = people.sign_in("reviewer-li", GOOD, store=store, employer=False)
    second, who = people.sign_in("reviewer-li", GOOD, store=store, employer=False)
    assert people.resolve(first, store=store) is None                           # the newer sign-in ended it
    assert people.resolve(second, store=store) == who and who.role == "reviewer"
    people.sign_out(who, store=store)
    assert people.resolve(second, store=store) is None
    third, _ = people.sign_in("reviewer-li", GOOD, store=store, employer=False)
    people.set_active(user_id, False, store=store, by="admin")
    assert people.resolve(third, store=store) is None


def test_a_new_password_ends_every_session_and_must_differ(store):
    staff(store)
    token, _ = people.sign_in("clerk-wang", GOOD, store=store, employer=False)
    with pytest.raises(Refused, match="must differ"):
        sessions.change_password("clerk-wang", GOOD, GOOD, store=store)
    sessions.change_password("clerk-wang", GOOD, "Newer-pass-2022", store=store)
    assert people.resolve(token, store=store) is None
    with pytest.raises(Refused, match="wrong user name"):
        people.sign_in("clerk-wang", GOOD, store=store, employer=False)
    people.sign_in("clerk-wang", "Newer-pass-2022", store=store, employer=False)


def test_an_invited_role_is_in_force_only_once_another_person_grants_it(store, sealer, channel):
    staff(store, "admin-liu", "admin")
    invited = people.invite_staff("approver-li", "approver", store=store, by="admin-liu", phone="13911112222",
                                  sealer=sealer)
    people.activate_staff("approver-li", newest_code(store, channel, "approver-li"), GOOD, store=store)
    with pytest.raises(Refused, match="waits for the security officer"):
        people.sign_in("approver-li", GOOD, store=store, employer=False)
    with pytest.raises(Refused, match="another person must grant"):
        people.grant_role(invited.id, "approver", store=store, by="admin-liu")    # whoever created the account
    staff(store, "security-zhou", "security")
    people.grant_role(invited.id, "approver", store=store, by="security-zhou")
    _, who = people.sign_in("approver-li", GOOD, store=store, employer=False)
    assert who.role == "approver"


def test_a_unit_activates_once_with_its_code_and_wrong_codes_spend_it(store, opened, sealer, channel):
    unit = code("eligible")
    with pytest.raises(NotFound, match="no cycle has a case"):
        people.issue_activation(uscc(77), store=store, by="admin", sealer=sealer)
    made = people.issue_activation(unit, store=store, by="admin", phone="13911112222", sealer=sealer)
    assert made.phone == "139****2222"
    first = newest_code(store, channel, unit)
    with store.reading() as uow:
        stored = uow.activation_codes.unused_of(uow.users.named(unit).id)
        assert [len(c.code_hash) for c in stored] == [64] and first not in stored[0].code_hash
        assert first not in "".join(n.text for n in uow.notifications.of_kind("activation_code"))
    for _ in range(people.CODE_TRIES):
        with pytest.raises(Refused, match="wrong, used or expired"):
            people.activate(unit, "BBBBBBBBBB", GOOD, store=store)
    with pytest.raises(Refused, match="wrong, used or expired"):
        people.activate(unit, first, GOOD, store=store)                         # spent by the wrong tries
    people.issue_activation(unit, store=store, by="admin", sealer=sealer)
    fresh = newest_code(store, channel, unit)
    people.activate(unit, fresh.lower(), GOOD, store=store)                     # typed in lower case: still the code
    with pytest.raises(Refused, match="wrong, used or expired"):
        people.activate(unit, fresh, "Another-pass-1", store=store)             # one time only
    token, who = people.sign_in(unit.lower(), GOOD, store=store, employer=True)
    assert who.uscc == unit and people.resolve(token, store=store) == who
