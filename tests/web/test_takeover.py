"""Finding M2 of issue 12: an activated unit cannot be taken over by a new code to a phone of a clerk's choosing;
re-activation goes to the contact on record, takes a second person, and every password change, re-activation and
disable ends all of the account's sessions, for good. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.builders import uscc
from tests.conftest import CITY
from tests.web.conftest import code_of
from wengang import bootstrap
from wengang.domain.contact import Notification
from wengang.domain.errors import Refused
from wengang.services import people

pytestmark = pytest.mark.slow
UNIT = uscc(CITY["eligible"])
GOOD, OWN, CLERKS = "Good-pass-2021", "13911112222", "13700000000"


@pytest.fixture
def activated(db_store, db_settings, opened) -> str:
    """The unit activated with its own phone (now the contact on record); its live session token."""
    for name, role in (("clerk-wang", "clerk"), ("security-zhou", "security"), ("security-wu", "security")):
        people.create_staff(name, role, store=db_store, by="operator", password=GOOD, phone="13800000001")
    people.issue_activation(UNIT, store=db_store, by="clerk-wang", phone=OWN, sealer=bootstrap.sealer(db_settings))
    people.activate(UNIT, code_of(db_store, db_settings, UNIT), GOOD, store=db_store)
    return people.sign_in(UNIT, GOOD, store=db_store, employer=True)[0]


def codes_sent(store) -> list[Notification]:
    """Every activation message queued, newest last (texts masked, recipients in full as the table keeps them)."""
    with store.reading() as uow:
        return uow.notifications.of_kind("activation_code")


def test_a_clerk_cannot_send_an_activated_unit_a_code_at_another_phone(db_store, db_settings, activated):
    before = len(codes_sent(db_store))
    made = people.issue_activation(UNIT, store=db_store, by="clerk-wang", phone=CLERKS,
                                   sealer=bootstrap.sealer(db_settings))
    assert made.status == "requested" and made.kind == "contact" and made.phone == "137****0000"
    assert len(codes_sent(db_store)) == before                                   # no code went anywhere
    with db_store.reading() as uow:
        assert uow.users.named(UNIT).phone == OWN        # the contact is unchanged
    assert people.resolve(activated, store=db_store) is not None                 # and the unit still signed in
    with pytest.raises(Refused, match="another member of staff must"):
        people.decide_request(made.request_id, True, store=db_store, by="clerk-wang",
                              sealer=bootstrap.sealer(db_settings))
    with pytest.raises(Refused, match="already waits"):
        people.issue_activation(UNIT, store=db_store, by="clerk-wang", sealer=bootstrap.sealer(db_settings))


def test_a_plain_re_activation_goes_to_the_contact_on_record_after_a_second_person(db_store, db_settings, activated):
    sealer = bootstrap.sealer(db_settings)
    made = people.issue_activation(UNIT, store=db_store, by="clerk-wang", sealer=sealer, reason="忘记密码")
    assert made.kind == "reactivate" and made.phone == "139****2222"
    people.decide_request(made.request_id, True, store=db_store, by="security-zhou", sealer=sealer)
    assert codes_sent(db_store)[-1].recipient == OWN                           # the phone on record, no other
    assert people.resolve(activated, store=db_store) is None                     # approval ends the old sessions
    people.activate(UNIT, code_of(db_store, db_settings, UNIT), "Newer-pass-2022", store=db_store)
    with db_store.reading() as uow:
        events = [(e[2], e[3]) for e in uow.audit.entries()]
    assert ("clerk-wang", "reactivation_requested") in events and ("security-zhou", "reactivation_approved") in events


def test_a_new_contact_phone_is_set_only_by_a_second_persons_approval(db_store, db_settings, activated):
    sealer = bootstrap.sealer(db_settings)
    refused = people.issue_activation(UNIT, store=db_store, by="clerk-wang", phone=CLERKS, sealer=sealer)
    people.decide_request(refused.request_id, False, store=db_store, by="security-zhou", sealer=sealer)
    with db_store.reading() as uow:
        assert uow.users.named(UNIT).phone == OWN
    assert people.resolve(activated, store=db_store) is not None                 # a refusal changes nothing
    asked = people.issue_activation(UNIT, store=db_store, by="clerk-wang", phone="13955556666", sealer=sealer)
    people.decide_request(asked.request_id, True, store=db_store, by="security-wu", sealer=sealer)
    assert codes_sent(db_store)[-1].recipient == "13955556666"
    with pytest.raises(Refused, match="already decided"):
        people.decide_request(asked.request_id, True, store=db_store, by="security-zhou", sealer=sealer)


def test_the_holder_of_an_account_cannot_approve_its_own_re_activation(db_store, db_settings, activated):
    sealer = bootstrap.sealer(db_settings)
    with db_store.reading() as uow:
        own_id = uow.users.named("security-zhou").id
    with pytest.raises(Refused, match="your own account"):
        people.request_reactivation(own_id, store=db_store, by="security-zhou")
    asked = people.request_reactivation(own_id, store=db_store, by="security-wu")
    with pytest.raises(Refused, match="your own account"):
        people.decide_request(asked.request_id, True, store=db_store, by="security-zhou", sealer=sealer)


def test_a_password_change_ends_every_session(db_store, activated):
    people.create_staff("reviewer-li", "reviewer", store=db_store, by="operator", password=GOOD)
    staff_token, _ = people.sign_in("reviewer-li", GOOD, store=db_store, employer=False)
    people.change_password("reviewer-li", GOOD, "Changed-pass-2022", store=db_store)
    assert people.resolve(staff_token, store=db_store) is None
    people.change_password(UNIT, GOOD, "Changed-pass-2022", store=db_store, employer=True)
    assert people.resolve(activated, store=db_store) is None


def test_a_disabled_then_enabled_user_keeps_its_old_tokens_dead(db_store, activated):
    with db_store.reading() as uow:
        unit_id = uow.users.named(UNIT).id
    people.set_active(unit_id, False, store=db_store, by="admin-qian")
    people.set_active(unit_id, True, store=db_store, by="admin-qian")
    assert people.resolve(activated, store=db_store) is None
    fresh, _ = people.sign_in(UNIT, GOOD, store=db_store, employer=True)          # a new sign-in works again
    assert people.resolve(fresh, store=db_store) is not None
