"""Progress look-up without an account (查询, as Beijing's was): a credit code, then a six-digit code sent by SMS to
the people the unit registered with social insurance (the snapshot's `contacts`), then a short read-only view.

The code is kept as an argon2 hash only (six digits under sha256 would open to anyone with a copy of the table) and
goes out sealed, like an activation code; a new one revokes the old; it lives ten minutes and survives five wrong
tries; a unit gets at most three an hour. A unit with no case and a unit with no registered mobile get the same
answer, in the same time, so the page tells nobody which units have a case without a contact."""

from __future__ import annotations

import datetime as dt
import math
import secrets
from dataclasses import dataclass

from wengang.domain.audit import Draft
from wengang.domain.cases import Case
from wengang.domain.errors import Refused
from wengang.domain.identifiers import mask_phone, uscc_problem
from wengang.domain.ports import Analytics, Sealer, Store, UnitOfWork
from wengang.services.notify import notify_secret
from wengang.services.passwords import hasher, token_hash, verify

CODE_MINUTES, CODE_TRIES, VIEW_MINUTES = 10, 5, 30
PER_UNIT, PER_UNIT_WINDOW = 3, dt.timedelta(hours=1)
ACTOR = "public"
WRONG_CODE = ("验证码不正确或已过期, 请核对短信中的6位数字, 或重新获取 / the code is wrong, used or expired: check the six "
              "digits in the text message, or ask for a new one")
SPENT = ("验证码错误次数过多, 已作废, 请重新获取 / too many wrong tries: this code no longer works, ask for a new one")


@dataclass(frozen=True, slots=True)
class Sent:
    """A code went out: to which phones (masked), valid until when (UTC, naive, as the store keeps times)."""

    uscc: str
    phones: tuple[str, ...]
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Unreachable:
    """No code could be sent for this credit code: no case, or no registered mobile (the same answer for both)."""

    uscc: str


@dataclass(frozen=True, slots=True)
class Opened:
    """A code accepted: the view's token (for an HttpOnly cookie; only its hash is kept) and its end."""

    uscc: str
    token: str
    until: dt.datetime


def normal_uscc(text: str) -> str:
    """A credit code as typed (spaces, lower case) made canonical, or Refused saying what is wrong with it."""
    code = "".join(text.split()).upper()
    problem = uscc_problem(code) if code else "请输入统一社会信用代码 / enter the unified social credit code"
    if problem:
        raise Refused(problem)
    return code


def _newest_case(uow: UnitOfWork, uscc: str) -> Case | None:
    for cycle in reversed(uow.cycles.all()):
        case = uow.cases.find(cycle.id, uscc)
        if case is not None:
            return case
    return None


def send_code(uscc_text: str, *, store: Store, analytics: Analytics, sealer: Sealer) -> Sent | Unreachable:
    """Send a new six-digit code to every registered mobile of the unit (older live codes revoked), or say it cannot.

    Opted-out contacts get it too: `sms_opt_out` stops the pushes the agency starts (notices, reminders), while this
    code answers a request made a moment ago on the unit's behalf and says nothing but the code (and a stranger can
    cause at most three an hour). A unit whose every contact opted out would otherwise have no way to look up."""
    uscc = normal_uscc(uscc_text)
    code = f"{secrets.randbelow(10**6):06d}"
    code_hash = hasher.hash(f"{uscc}:{code}")             # before any branch: every answer costs the same time
    with store.transaction() as uow:
        now = uow.now()
        case = _newest_case(uow, uscc)
        phones = []
        if case is not None:
            for c in analytics.contacts(uscc, case.run_id):
                if c.phone and c.phone not in phones:
                    phones.append(c.phone)
        if not phones:
            return Unreachable(uscc)
        recent = uow.lookup_codes.issued_since(uscc, now - PER_UNIT_WINDOW)
        if len(recent) >= PER_UNIT:
            wait = max(1, math.ceil((recent[-PER_UNIT].issued_at + PER_UNIT_WINDOW - now).total_seconds() / 60))
            raise Refused(f"该单位一小时内已获取 {PER_UNIT} 次验证码, 请 {wait} 分钟后再试, 或拨打 12333 / this unit has "
                          f"asked for {PER_UNIT} codes within the hour: try again in {wait} minutes, or call 12333")
        for old in uow.lookup_codes.unused_of(uscc):
            if old.expires_at > now:
                uow.lookup_codes.expire(old.id, now)
        expires = now + dt.timedelta(minutes=CODE_MINUTES)
        uow.lookup_codes.add(uscc=uscc, code_hash=code_hash, expires_at=expires, tries=0, issued_at=now)
        for phone in phones:
            notify_secret(uow, kind="lookup_code", params={"code": code, "minutes": CODE_MINUTES}, sealer=sealer,
                          uscc=uscc, recipient=phone, channel="sms")
        shown = tuple(mask_phone(p) for p in phones)
        uow.audit.append([Draft(ACTOR, "lookup_code_sent", f"unit:{uscc}", case_id=case.id if case else None,
                                reason="查询进度的验证码已发送至登记的联系人 / a look-up code was sent to the "
                                       "unit's registered contacts",
                                data={"uscc": uscc, "to": list(shown)})])
        uow.commit()
    return Sent(uscc, shown, expires)


def open_view(uscc_text: str, code_text: str, *, store: Store) -> Opened:
    """Spend the unit's newest live code for a read-only view; a wrong code counts a try, the fifth spends it."""
    uscc = normal_uscc(uscc_text)
    code = "".join(code_text.split())
    with store.transaction() as uow:
        now = uow.now()
        live = [c for c in uow.lookup_codes.unused_of(uscc) if c.usable(now, CODE_TRIES)]
        ticket = live[-1] if live else None
        if ticket is None or not (len(code) == 6 and code.isdigit()) \
                or not verify(ticket.code_hash, f"{uscc}:{code}"):
            if ticket is None:
                verify(None, code)                        # the same argon2 cost as a real check
                raise Refused(WRONG_CODE)
            uow.lookup_codes.tried(ticket.id, ticket.tries + 1)
            uow.commit()
            raise Refused(SPENT if ticket.tries + 1 >= CODE_TRIES else WRONG_CODE)
        token = secrets.token_urlsafe(32)
        until = now + dt.timedelta(minutes=VIEW_MINUTES)
        if not uow.lookup_codes.open_view(ticket.id, now, token_hash(token), until):
            raise Refused(WRONG_CODE)
        uow.audit.append([Draft(ACTOR, "progress_looked_up", f"unit:{uscc}",
                                reason="凭短信验证码查询进度 (只读) / progress looked up with a texted code (read only)",
                                data={"uscc": uscc, "code_id": ticket.id})])
        uow.commit()
    return Opened(uscc, token, until)


def viewer(token: str, *, store: Store) -> str | None:
    """The credit code a look-up view's token opens, while its 30 minutes last; None otherwise."""
    if not token or len(token) > 128:
        return None
    with store.reading() as uow:
        found = uow.lookup_codes.by_view(token_hash(token))
        now = uow.now()
    return found.uscc if found is not None and found.viewing(now) else None


def close_view(token: str, *, store: Store) -> None:
    """End a look-up view now (the visitor's 'done' button)."""
    with store.transaction() as uow:
        found = uow.lookup_codes.by_view(token_hash(token)) if token else None
        if found is not None and found.viewing(uow.now()):
            uow.lookup_codes.close_view(found.id, uow.now())
            uow.commit()
