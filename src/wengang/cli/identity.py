"""Who a command acts as: the member of staff signed in with `wengang login` (or WENGANG_TOKEN), never a typed name.

A state-changing command declares the permission it needs; the signed-in person must hold it, and the audit entry
names that person: four eyes and every other duty rest on authenticated people, on the command line as on the web."""

from __future__ import annotations

import functools
import inspect
import os
from pathlib import Path

from wengang import bootstrap
from wengang.domain.errors import Refused
from wengang.services import people


def session_path() -> Path:
    """Where `wengang login` keeps its token: WENGANG_SESSION_FILE, else ~/.config/wengang/session."""
    given = os.environ.get("WENGANG_SESSION_FILE")
    return Path(given) if given else Path.home() / ".config" / "wengang" / "session"


def session_token() -> str | None:
    """The CLI's session token: WENGANG_TOKEN, else the session file (refused if others may read it)."""
    token = os.environ.get("WENGANG_TOKEN", "").strip()
    if token:
        return token
    path = session_path()
    if not path.is_file():
        return None
    if path.stat().st_mode & 0o077:
        raise Refused(f"会话文件不得让他人读取 / the session file {path} is readable by others: remove it and sign in "
                      "again")
    return path.read_text(encoding="utf-8").strip() or None


def signed_in(permission: str | None = None) -> people.Principal:
    """The member of staff signed in on this command line, holding `permission` if named; else a bilingual Refused."""
    return people.principal_for_cli(session_token(), permission, store=bootstrap.store(bootstrap.settings()))


def acting(permission: str):
    """A command that changes something runs as the signed-in person holding `permission`: its `by` parameter is
    that person's user name and no option of the command line (so nobody can type another's)."""
    def wrap(command):
        signature = inspect.signature(command, eval_str=True)   # the command's own names, resolved where it lives
        shown = [p for name, p in signature.parameters.items() if name != "by"]

        @functools.wraps(command)
        def run(*args, **kwargs):
            return command(*args, by=signed_in(permission).username, **kwargs)

        # inspect reads a function's __signature__, an attribute the stubs do not declare
        run.__signature__ = signature.replace(parameters=shown)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in shown} | {"return": signature.return_annotation}
        return run
    return wrap
