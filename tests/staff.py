"""Signed-in staff for command-line tests: an account with its role in force and a live session token, as
`wengang people add-staff` and `wengang login` make them (the CLI acts only as a signed-in person)."""

from __future__ import annotations

from wengang.services import people

PASSWORD = "Staff-Pass-2021"


def staff_tokens(store, **roles: str) -> dict[str, str]:
    """user name → session token, each user made with the role given (clerk_wang="clerk" → "clerk-wang")."""
    tokens = {}
    for key, role in roles.items():
        username = key.replace("_", "-")
        people.create_staff(username, role, store=store, by="test-setup", password=PASSWORD)
        tokens[username], _ = people.sign_in(username, PASSWORD, store=store, employer=False, client="test")
    return tokens
