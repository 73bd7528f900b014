"""Finding M8 of issue 12, service and web part: the three powers apart (system admin, security officer, auditor),
none of them holding a business role; an admin cannot create a user and then use it, nor make approvers alone."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import FIRST, PASSWORD, STAFF, code_of, csrf_of, sign_in
from wengang import bootstrap
from wengang.domain.errors import Refused
from wengang.services import people
from wengang.services.permissions import BUSINESS_PERMISSIONS, PERMISSIONS, role_may

pytestmark = pytest.mark.slow
NEW = "Own-choice-2022"


def test_the_three_powers_hold_no_business_permission_and_each_only_its_own():
    for role in ("admin", "security", "auditor"):
        assert not any(role_may(role, p) for p in BUSINESS_PERMISSIONS), role
    assert not role_may("admin", "batch.approve") and not role_may("admin", "roles.grant")
    assert PERMISSIONS["roles.grant"] == {"security"} and PERMISSIONS["activation.approve"] == {"security"}
    assert PERMISSIONS["users.manage"] == {"admin"} and not role_may("security", "users.manage")
    assert role_may("auditor", "audit.verify") and not role_may("auditor", "users.manage")


def test_an_admin_made_account_is_useless_to_the_admin_until_its_holder_and_the_security_officer_act(
        db_store, db_settings, opened):
    people.create_staff("admin-qian", "admin", store=db_store, by="operator", password=PASSWORD)
    people.create_staff("security-zhou", "security", store=db_store, by="operator", password=PASSWORD)
    sealer = bootstrap.sealer(db_settings)
    made = [people.invite_staff(name, "approver", store=db_store, by="admin-qian", phone="13922223333",
                                sealer=sealer) for name in ("approver-a", "approver-b")]
    assert all(not hasattr(m, "code") and m.phone == "139****3333" for m in made)    # the admin is never told the code
    with pytest.raises(Refused, match="wrong user name"):                          # no password the admin could know
        people.sign_in("approver-a", "", store=db_store, employer=False)
    with pytest.raises(Refused, match="another person must"):
        people.grant_role(made[0].id, "approver", store=db_store, by="admin-qian")
    people.activate_staff("approver-a", code_of(db_store, db_settings, "approver-a"), NEW, store=db_store)
    with pytest.raises(Refused, match="security officer's confirmation"):          # password set, role not in force
        people.sign_in("approver-a", NEW, store=db_store, employer=False)
    people.grant_role(made[0].id, "approver", store=db_store, by="security-zhou")
    token, who = people.sign_in("approver-a", NEW, store=db_store, employer=False)
    assert who.role == "approver" and people.resolve(token, store=db_store).role == "approver"
    with pytest.raises(Refused, match="another person must"):
        people.grant_role(made[0].id, "security", store=db_store, by="approver-a")   # nobody grants themselves


def test_a_staff_password_from_a_code_follows_the_staff_rule(db_store, db_settings, opened):
    people.invite_staff("clerk-new", "clerk", store=db_store, by="admin-qian", phone="13922223333",
                        sealer=bootstrap.sealer(db_settings))
    code = code_of(db_store, db_settings, "clerk-new")
    with pytest.raises(Refused, match="at least three"):
        people.activate_staff("clerk-new", code, "lettersand1234", store=db_store)
    people.activate_staff("clerk-new", code, "Letters-1234", store=db_store)


def test_a_role_revoked_or_changed_ends_the_sessions_and_one_person_holds_one_role(db_store, opened):
    for name, role in (("admin-qian", "admin"), ("security-zhou", "security")):
        people.create_staff(name, role, store=db_store, by="operator", password=PASSWORD)
    with db_store.reading() as uow:
        admin_id = uow.users.named("admin-qian").id
    token, _ = people.sign_in("admin-qian", PASSWORD, store=db_store, employer=False)
    people.grant_role(admin_id, "approver", store=db_store, by="security-zhou")     # given a business role ...
    assert people.resolve(token, store=db_store) is None
    _, who = people.sign_in("admin-qian", PASSWORD, store=db_store, employer=False)
    assert who.role == "approver" and not role_may(who.role, "users.manage")      # ... it is no longer an admin
    people.revoke_role(admin_id, store=db_store, by="security-zhou")
    with pytest.raises(Refused, match="security officer's confirmation"):
        people.sign_in("admin-qian", PASSWORD, store=db_store, employer=False)


def test_over_http_the_admin_invites_and_only_the_security_officer_grants(client, world_settings):
    csrf = sign_in(client, STAFF["admin"], employer=False)
    reply = client.post("/staff/users", data={"username": "approver-new", "role": "approver", "phone": "13922223333",
                                              "csrf": csrf})
    assert reply.status_code == 200 and "139****3333" in reply.text
    store = bootstrap.store(world_settings)
    code = code_of(store, world_settings, "approver-new")
    assert code not in reply.text and code not in client.get("/staff/users").text
    user_id = next(u.id for u in people.list_users(store=store) if u.username == "approver-new")
    assert client.post(f"/staff/users/{user_id}/role", data={"role": "approver", "csrf": csrf}).status_code == 403
    assert client.post("/staff/batches/C1-B102-1/approve", data={"csrf": csrf}).status_code == 403
    other = TestClient(client.app, raise_server_exceptions=False)
    assert other.post("/staff/activate", data={"username": "approver-new", "code": code, "password": NEW,
                                               "password2": NEW, "csrf": csrf_of(other)}).status_code == 200
    security = TestClient(client.app, raise_server_exceptions=False)
    scsrf = sign_in(security, STAFF["security"], employer=False)
    assert "approver-new" in security.get("/staff/users").text
    assert security.post(f"/staff/users/{user_id}/role", data={"role": "approver", "csrf": scsrf}).status_code == 200
    sign_in(other, "approver-new", employer=False, password=NEW)
    assert other.get("/staff/batches").status_code == 200


def test_over_http_a_clerks_re_activation_waits_for_the_security_officer(client, world_settings):
    csrf = sign_in(client, STAFF["clerk"], employer=False)
    reply = client.post("/staff/activation", data={"uscc": FIRST, "phone": "13700000000", "csrf": csrf})
    assert reply.status_code == 200 and "already activated" in reply.text
    [asked] = people.list_requests(store=bootstrap.store(world_settings))
    assert client.post(f"/staff/requests/{asked.id}", data={"decision": "approve", "csrf": csrf}).status_code == 403
    security = TestClient(client.app, raise_server_exceptions=False)
    scsrf = sign_in(security, STAFF["security"], employer=False)
    assert "137****0000" in security.get("/staff/users").text
    done = security.post(f"/staff/requests/{asked.id}", data={"decision": "approve", "csrf": scsrf})
    assert done.status_code == 200 and "137****0000" in done.text
