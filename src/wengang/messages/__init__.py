"""What the system tells a unit at each step, from one Jinja2 template per event (Chinese, then English): the inbox,
SMS, e-mail and WeChat all say what the template says. A step queues the event and its values; this renders them."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from wengang.domain.said import bank_reason, day_words, money
from wengang.rules.parameters import PackError, load_pack

TEMPLATES = Path(__file__).with_name("templates")
EVENTS = tuple(sorted(p.stem for p in TEMPLATES.glob("*.j2")))
# What a reminder asks the unit to do (deadline_reminder's `task`).
TASKS: dict[str, tuple[str, str]] = {
    "apply": ("在线申请并签署承诺书", "apply online and sign the commitment letter"),
    "correct_account": ("登录更正收款账户", "log in and correct your payment account"),
}


@dataclass(frozen=True, slots=True)
class Rendered:
    """One message in words: its subject (e-mail), and its text in Chinese and in English."""

    subject: str
    zh: str
    en: str

    @property
    def text(self) -> str:
        """The whole message as an inbox, an SMS or an e-mail body carries it: Chinese, then English."""
        return f"{self.zh} / {self.en}"


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@functools.cache
def _programme(pack_id: str) -> tuple[str, str]:
    """A pack's title (北京市失业保险费稳岗返还(2021年, 免申即享)); an unknown one as the programme's plain name."""
    try:
        pack = load_pack(pack_id)
    except PackError:
        return "稳岗返还", "the job-stabilisation return"
    return pack.title, pack.title_en or pack.title


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                             autoescape=False, keep_trailing_newline=False)
    env.filters.update(
        yuan=lambda v: money(Decimal(str(v))), day_zh=lambda v: day_words(_day(v))[0],
        day_en=lambda v: day_words(_day(v))[1], programme_zh=lambda p: _programme(str(p))[0],
        programme_en=lambda p: _programme(str(p))[1], bank_zh=lambda c: bank_reason(c)[0],
        bank_en=lambda c: bank_reason(c)[1], task_zh=lambda t: TASKS[t][0], task_en=lambda t: TASKS[t][1])
    return env


@functools.cache
def _template(event: str) -> jinja2.Template:
    if event not in EVENTS:
        raise KeyError(f"没有此消息模板 / no message template for {event!r}; known: {', '.join(EVENTS)}")
    return _environment().get_template(f"{event}.j2")


def render(event: str, params: dict[str, Any]) -> Rendered:
    """The event's message with these values; a value the template needs and does not get is an error, never blank."""
    template = _template(event)
    context = template.new_context(dict(params))
    said = {name: "".join(template.blocks[name](context)).strip() for name in ("subject", "zh", "en")}
    return Rendered(said["subject"], said["zh"], said["en"])
