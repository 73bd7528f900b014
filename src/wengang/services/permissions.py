"""Who may do what: the roles and the one table of permissions by role, shared by the web and the CLI.

Separation of duties as MLPS 2.0 level 3 (GB/T 22239-2019) asks: the system administrator manages accounts, the
security officer grants and revokes roles, unlocks and approves re-activations, the auditor reads and verifies the
audit chain; none of the three holds a business role (clerk, reviewer, approver), and a user holds one role only."""

from __future__ import annotations

EMPLOYER = "employer"
ADMIN, SECURITY, AUDITOR = "admin", "security", "auditor"
BUSINESS_ROLES = ("clerk", "reviewer", "approver")
STAFF_ROLES = (*BUSINESS_ROLES, AUDITOR, ADMIN, SECURITY)
ALL_STAFF = frozenset(STAFF_ROLES)
# Approvers approve, they do not prepare; admins manage accounts, not cases or roles; security officers grant roles.
PERMISSIONS: dict[str, frozenset[str]] = {
    "staff.view": ALL_STAFF,
    "dashboard.view": ALL_STAFF,
    "policy.simulate": frozenset({"approver"}),  # a director tries a change of parameters: reads, decides nothing
    "audit.read": ALL_STAFF,
    "audit.verify": frozenset({AUDITOR, ADMIN}),
    "review.decide": frozenset({"reviewer"}),
    "department.confirm": frozenset({"clerk", "reviewer"}),     # and a member of that department (services/departments)
    "objection.decide": frozenset({"reviewer"}),
    "dispatch.confirm": frozenset({"clerk", "reviewer"}),
    "account.release": frozenset({"clerk", "reviewer"}),
    "account.verify": frozenset({"reviewer", "approver"}),
    "callback.answer": frozenset({"clerk", "reviewer"}),
    "calls.make": frozenset({"clerk", "reviewer"}),
    "specialists.assign": frozenset({"clerk", "reviewer"}),
    "batch.prepare": frozenset({"clerk"}),
    "exception.resolve": frozenset({"clerk", "reviewer"}),
    "batch.approve": frozenset({"approver"}),
    "batch.cancel": frozenset({"clerk", "approver"}),
    "batch.files": frozenset({"clerk"}),
    "case.rename": frozenset({"clerk", "reviewer"}),
    "cycle.run": frozenset({"clerk", "reviewer"}),
    "publicity.run": frozenset({"clerk"}),
    "objection.record": frozenset({"clerk", "reviewer"}),
    "application.record": frozenset({"clerk"}),
    "bank.reconcile": frozenset({"clerk"}),
    "payments.recover": frozenset({"clerk"}),
    "account.change": frozenset({"clerk"}),
    "users.view": frozenset({ADMIN, "clerk", SECURITY}),
    "users.manage": frozenset({ADMIN}),
    "duty.manage": frozenset({ADMIN}),          # 呼我必回 offices and who is on duty at each
    "activation.issue": frozenset({ADMIN, "clerk"}),
    "roles.grant": frozenset({SECURITY}),
    "activation.approve": frozenset({SECURITY}),
}
# What a business permission is: one that acts on cases or money (the three powers never hold one).
BUSINESS_PERMISSIONS = frozenset({"review.decide", "department.confirm", "objection.decide", "dispatch.confirm", "account.release",
                                  "account.verify", "callback.answer", "calls.make", "specialists.assign",
                                  "batch.prepare", "exception.resolve",
                                  "batch.approve", "batch.cancel", "batch.files", "case.rename", "cycle.run",
                                  "publicity.run", "objection.record", "application.record", "bank.reconcile",
                                  "payments.recover", "account.change"})


def role_may(role: str | None, permission: str) -> bool:
    """True when the role carries the permission; an unknown permission is a programming error (KeyError)."""
    return role is not None and role in PERMISSIONS[permission]
