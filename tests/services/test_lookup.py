"""Progress look-up without an account, on the in-memory store: a six-digit code texted to the unit's registered
contacts, kept as a hash only, ten minutes, five tries, a new one revokes the old, three an hour per unit."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from tests.builders import uscc
from tests.services.conftest import code
from wengang.domain.analytics import SnapshotContact
from wengang.domain.errors import Refused
from wengang.services import lookup, notify

pytestmark = pytest.mark.services
UNIT = code("eligible")
LEGAL = SnapshotContact("legal_representative", "张伟", "13812345678")
SPECIALIST = SnapshotContact("hr_specialist", "李娜", "15900001111", sms_opt_out=True)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, at: dt.datetime):
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def move(self, **delta) -> None:
        self.at += dt.timedelta(**delta)


@pytest.fixture
def clock(store) -> Clock:
    store.clock = Clock(dt.datetime(2021, 10, 9, 2, 0))
    return store.clock


@pytest.fixture
def unit(analytics, opened, clock):
    analytics.people[UNIT] = [LEGAL, SPECIALIST, LEGAL]          # the same phone twice gets one text
    return UNIT


def texted(store, channel) -> list[tuple[str, str]]:
    """(recipient, code) of every look-up text as the phones receive them (the sealed text opened)."""
    notify.deliver(store=store, channel=channel, kind="lookup_code")
    return [(m["recipient"], re.search(r"查询验证码 (\d{6})", m["text"]).group(1)) for m in channel.received]


def send(store, analytics, sealer, uscc=UNIT):
    return lookup.send_code(uscc, store=store, analytics=analytics, sealer=sealer)


def test_a_code_goes_sealed_to_every_registered_phone_opted_out_too_and_opens_a_read_only_view(
        store, analytics, sealer, channel, unit):
    sent = send(store, analytics, sealer, uscc=UNIT.lower()[:9] + " " + UNIT.lower()[9:])
    assert sent.phones == ("138****5678", "159****1111") and sent.expires_at == store.clock.now() + dt.timedelta(
        minutes=10)
    got = texted(store, channel)
    assert [r for r, _ in got] == ["13812345678", "15900001111"] and got[0][1] == got[1][1]
    opened = lookup.open_view(UNIT, got[0][1], store=store)
    assert lookup.viewer(opened.token, store=store) == UNIT
    with store.reading() as uow:
        events = [(e[3], json.loads(e[9])) for e in uow.audit.entries()][-2:]
    assert [e for e, _ in events] == ["lookup_code_sent", "progress_looked_up"]
    assert "138****5678" in json.dumps(events, ensure_ascii=False) and got[0][1] not in json.dumps(events)


def test_the_code_is_stored_as_a_hash_only_and_the_outbox_row_shows_it_masked(store, analytics, sealer, channel,
                                                                             unit):
    send(store, analytics, sealer)
    with store.reading() as uow:
        row = uow.lookup_codes.unused_of(UNIT)[0]
        pending = uow.notifications.pending(kind="lookup_code", limit=10)
    the_code = texted(store, channel)[0][1]
    assert the_code not in repr(row) and row.code_hash.startswith("$argon2")
    assert all(the_code not in m.text and "******" in m.text and m.sealed for m in pending)


def test_a_wrong_code_counts_and_the_fifth_spends_it(store, analytics, sealer, channel, unit):
    send(store, analytics, sealer)
    right = texted(store, channel)[0][1]
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for n in range(1, lookup.CODE_TRIES + 1):
        with pytest.raises(Refused, match="too many" if n == lookup.CODE_TRIES else "wrong, used or expired"):
            lookup.open_view(UNIT, wrong, store=store)
    with pytest.raises(Refused, match="wrong, used or expired"):
        lookup.open_view(UNIT, right, store=store)                # the right one no longer works either


def test_four_wrong_tries_still_leave_the_right_code_working(store, analytics, sealer, channel, unit):
    send(store, analytics, sealer)
    right = texted(store, channel)[0][1]
    for _ in range(lookup.CODE_TRIES - 1):
        with pytest.raises(Refused):
            lookup.open_view(UNIT, "000000" if right != "000000" else "111111", store=store)
    assert lookup.open_view(UNIT, right, store=store).uscc == UNIT


def test_a_code_lives_ten_minutes(store, analytics, sealer, channel, unit, clock):
    send(store, analytics, sealer)
    right = texted(store, channel)[0][1]
    clock.move(minutes=9, seconds=59)
    token = lookup.open_view(UNIT, right, store=store).token               # just in time
    send(store, analytics, sealer)
    late = texted(store, channel)[-1][1]
    clock.move(minutes=10)
    with pytest.raises(Refused, match="expired"):
        lookup.open_view(UNIT, late, store=store)
    assert lookup.viewer(token, store=store) == UNIT                       # the view lasts 30 minutes
    clock.move(minutes=20)
    assert lookup.viewer(token, store=store) is None


def test_a_code_is_spent_once_and_a_new_one_revokes_the_old(store, analytics, sealer, channel, unit):
    send(store, analytics, sealer)
    first = texted(store, channel)[0][1]
    send(store, analytics, sealer)
    second = texted(store, channel)[-1][1]
    if first != second:
        with pytest.raises(Refused):
            lookup.open_view(UNIT, first, store=store)
    opened = lookup.open_view(UNIT, second, store=store)
    with pytest.raises(Refused):
        lookup.open_view(UNIT, second, store=store)
    lookup.close_view(opened.token, store=store)
    assert lookup.viewer(opened.token, store=store) is None and lookup.viewer("made-up", store=store) is None


def test_three_codes_an_hour_per_unit_then_refused_in_words_until_the_hour_has_passed(store, analytics, sealer,
                                                                                    unit, clock):
    for _ in range(lookup.PER_UNIT):
        send(store, analytics, sealer)
        clock.move(minutes=5)
    with pytest.raises(Refused, match=r"try again in 45 minutes"):
        send(store, analytics, sealer)
    clock.move(minutes=44, seconds=59)
    with pytest.raises(Refused, match=r"try again in 1 minutes"):
        send(store, analytics, sealer)
    clock.move(seconds=2)
    assert isinstance(send(store, analytics, sealer), lookup.Sent)


def test_no_case_and_no_contact_get_the_same_answer_and_a_bad_code_is_refused(store, analytics, sealer, opened,
                                                                             clock):
    assert send(store, analytics, sealer) == lookup.Unreachable(UNIT)                    # a case, no contact
    stranger = code("eligible")[:-1]
    other = uscc(4242)
    analytics.people[other] = [LEGAL]
    assert send(store, analytics, sealer, uscc=other) == lookup.Unreachable(other)       # contacts, but no case
    with pytest.raises(Refused, match="check digit|18 characters"):
        send(store, analytics, sealer, uscc=stranger + ("X" if UNIT[-1] != "X" else "Y"))
    with pytest.raises(Refused, match="enter the unified social credit code"):
        send(store, analytics, sealer, uscc="  ")
    with store.reading() as uow:
        assert not uow.lookup_codes.unused_of(other) and not uow.notifications.pending(kind="lookup_code", limit=9)
