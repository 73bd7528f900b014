"""The worker's own rounds: waiting codes and messages are handed over on every round (every few seconds, so a
callback's SMS reaches the officer on duty at once), while the day's scheduled steps, escalations, reminders and
telling run at most once a minute."""

from __future__ import annotations

from pathlib import Path

from wengang import bootstrap
from wengang.config import Settings
from wengang.services.delivery import Delivered


def test_delivery_runs_every_round_and_the_slow_steps_once_a_minute(monkeypatch, tmp_path: Path):
    calls: list[str] = []
    now = [1000.0]
    monkeypatch.setattr(bootstrap.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(bootstrap, "store", lambda settings=None: None)
    monkeypatch.setattr(bootstrap, "analytics", lambda settings=None: None)
    monkeypatch.setattr(bootstrap, "channel", lambda settings=None: None)
    monkeypatch.setattr(bootstrap, "senders", lambda settings=None: {})
    monkeypatch.setattr(bootstrap.publicity_plan, "start_due", lambda **_: (calls.append("plan"), ([], []))[1])
    monkeypatch.setattr(bootstrap.callbacks, "escalate_overdue", lambda **_: calls.append("escalate") or 0)
    monkeypatch.setattr(bootstrap.reminders, "remind", lambda **_: calls.append("remind") or 0)
    monkeypatch.setattr(bootstrap.tell, "tell", lambda **_: calls.append("tell") or type("T", (), {"total": 0})())
    monkeypatch.setattr(bootstrap.notify, "send_codes", lambda **_: calls.append("codes") or 0)
    monkeypatch.setattr(bootstrap.delivery, "deliver", lambda **_: calls.append("deliver") or Delivered())
    due = bootstrap.due_work(Settings(data_dir=tmp_path))
    due()
    assert calls == ["plan", "escalate", "remind", "tell", "codes", "deliver"]
    calls.clear()
    now[0] += bootstrap.DELIVERY_SECONDS
    due()
    assert calls == ["codes", "deliver"]                          # 5 s later: hand over only
    calls.clear()
    now[0] += bootstrap.SLOW_DUE_SECONDS - bootstrap.DELIVERY_SECONDS
    due()
    assert calls[:4] == ["plan", "escalate", "remind", "tell"]   # a minute after the first: the slow steps again
