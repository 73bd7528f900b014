"""呼我必回 offices and who is on duty at each: a district's office (its six-digit division code) or the city's,
and the officer a new callback is texted to. Setting either is an admin's step, audited; phones stay masked."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from wengang.domain.audit import Draft
from wengang.domain.contact import CITY, Duty, Office
from wengang.domain.errors import Refused
from wengang.domain.identifiers import mask_phone
from wengang.domain.ports import Store, UnitOfWork
from wengang.services.callbacks import CITY_NAME
from wengang.services.passwords import phone_problem

DISTRICT = re.compile(r"^\d{6}$")
NAME_MAX = 100
LONGEST = dt.timedelta(days=31)          # a duty is set for at most a month at a time


@dataclass(frozen=True, slots=True)
class OnDuty:
    """A duty as a page shows it: the phone masked."""

    id: int
    office: str
    office_name: str
    username: str
    phone: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    set_by: str
    current: bool


def _city(uow: UnitOfWork) -> None:
    """The city office exists as soon as anything is set (callbacks are routed to it from the start)."""
    if not any(o.code == CITY for o in uow.offices.all()):
        uow.offices.put(CITY, CITY_NAME)


def offices(*, store: Store) -> list[Office]:
    """Every office, the city's first (it is there even before an admin names it)."""
    with store.reading() as uow:
        rows = uow.offices.all()
    city = [o for o in rows if o.code == CITY] or [Office(0, CITY, CITY_NAME)]
    return city + [o for o in rows if o.code != CITY]


def put_office(code: str, name: str, *, store: Store, by: str) -> Office:
    """Add a district's office (its six-digit division code, as in a credit code's characters 3–8), or rename one."""
    code, name = code.strip(), " ".join(name.split())
    if code != CITY and not DISTRICT.match(code):
        raise Refused("区县代码应为6位数字 / a district code has six digits (as in the credit code's characters 3–8)")
    if not 1 <= len(name) <= NAME_MAX:
        raise Refused(f"名称应为1至{NAME_MAX}字 / a name has 1 to {NAME_MAX} characters")
    with store.transaction() as uow:
        _city(uow)
        office = uow.offices.put(code, name)
        uow.audit.append([Draft(by, "office_set", f"office:{code}", reason="呼我必回办公室 / callback office",
                                data={"code": code, "name": name})])
        uow.commit()
    return office


def set_duty(office: str, username: str, phone: str, *, starts_at: dt.datetime, ends_at: dt.datetime, store: Store,
             by: str) -> OnDuty:
    """Put a member of staff on duty at an office from one moment to another (naive UTC): new callbacks there are
    texted to `phone` (kept as staff data, shown masked). A later duty over the same time takes over."""
    phone = phone.strip().replace(" ", "")
    if phone_problem(phone):
        raise Refused(phone_problem(phone))
    if not ends_at > starts_at:
        raise Refused("值班结束应晚于开始 / a duty ends after it starts")
    if ends_at - starts_at > LONGEST:
        raise Refused("一次值班最长31天 / a duty is set for at most 31 days at a time")
    with store.transaction() as uow:
        _city(uow)
        if office not in {o.code for o in uow.offices.all()}:
            raise Refused(f"没有此办公室 / no office {office!r}")
        user = uow.users.named(username)
        if user is None or user.is_employer or not user.active:
            raise Refused(f"没有此在职工作人员 / no active member of staff {username!r}")
        duty = uow.offices.add_duty(office=office, username=username, phone=phone, starts_at=starts_at,
                                    ends_at=ends_at, set_by=by, set_at=uow.now())
        uow.audit.append([Draft(by, "duty_set", f"office:{office}", reason="设置值班 / duty set",
                                data={"username": username, "phone": mask_phone(phone),
                                      "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()})])
        names = {o.code: o.name for o in uow.offices.all()}
        now = uow.now()
        uow.commit()
    return _shown(duty, names, now)


def _shown(duty: Duty, names: dict[str, str], now: dt.datetime) -> OnDuty:
    return OnDuty(duty.id, duty.office, names.get(duty.office, duty.office), duty.username, mask_phone(duty.phone),
                  duty.starts_at, duty.ends_at, duty.set_by, duty.covers(now))


def duties(*, store: Store) -> list[OnDuty]:
    """Duties now or to come (phones masked), earliest first."""
    with store.reading() as uow:
        now = uow.now()
        rows = uow.offices.duties(since=now)
        names = {o.code: o.name for o in uow.offices.all()}
    return [_shown(d, names, now) for d in rows]


def from_now(office: str, username: str, phone: str, *, days: int, store: Store, by: str) -> OnDuty:
    """Put someone on duty from now for `days` days (the demo's city officer)."""
    with store.reading() as uow:
        now = uow.now()
    return set_duty(office, username, phone, starts_at=now, ends_at=now + dt.timedelta(days=days), store=store, by=by)
