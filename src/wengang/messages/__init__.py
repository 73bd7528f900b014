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
import jinja2.meta
from jinja2.runtime import new_context

from wengang.domain.said import bank_reason, day_words, moment_words, money
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


def _moment(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


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


@functools.lru_cache(maxsize=1024)
def _yuan(value: Any) -> str:
    """An amount in words (1,234.50), worked out once for the two texts of a message and its operator's values."""
    return money(Decimal(str(value)))


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                             autoescape=False, keep_trailing_newline=False)
    env.filters.update(
        yuan=_yuan, day_zh=lambda v: day_words(_day(v))[0],
        day_en=lambda v: day_words(_day(v))[1], programme_zh=lambda p: _programme(str(p))[0],
        programme_en=lambda p: _programme(str(p))[1], bank_zh=lambda c: bank_reason(c)[0],
        bank_en=lambda c: bank_reason(c)[1], task_zh=lambda t: TASKS[t][0], task_en=lambda t: TASKS[t][1],
        moment_zh=lambda v: moment_words(_moment(v))[0], moment_en=lambda v: moment_words(_moment(v))[1])
    return env


@functools.cache
def _template(event: str) -> jinja2.Template:
    if event not in EVENTS:
        raise KeyError(f"没有此消息模板 / no message template for {event!r}; known: {', '.join(EVENTS)}")
    return _environment().get_template(f"{event}.j2")


def render(event: str, params: dict[str, Any]) -> Rendered:
    """The event's message with these values; a value the template needs and does not get is an error, never blank."""
    return Rendered(*_blocks(event, params, ("subject", "zh", "en")))


def text(event: str, params: dict[str, Any]) -> str:
    """The event's whole message alone (`render(event, params).text`), without its subject: what a step queues."""
    return Rendered("", *_blocks(event, params, ("zh", "en"))).text


def _blocks(event: str, params: dict[str, Any], names: tuple[str, ...]) -> list[str]:
    """These blocks of the event's template rendered with the values, in a context made directly: the template's
    globals and the values in one new dict (Template.new_context merges them through a ChainMap, at twice the cost
    of the rendering itself: a city's cycle renders a few hundred thousand messages)."""
    template = _template(event)
    context = new_context(_environment(), template.name, template.blocks, {**_globals(event), **params}, True)
    return ["".join(template.blocks[name](context)).strip() for name in names]


@functools.cache
def _globals(event: str) -> dict[str, Any]:
    return dict(_template(event).globals)


def subject(event: str, params: dict[str, Any]) -> str:
    """The event's subject line alone (an e-mail's), rendered once for each set of the few values it reads (most
    read none, or only the programme): the same as `render(event, params).subject`."""
    read = _block_reads(event, "subject")
    try:
        return _subject(event, tuple((name, params[name]) for name in read if name in params))
    except TypeError:                                # a value that cannot be a cache key: rendered as it is
        return render(event, params).subject


@functools.lru_cache(maxsize=4096)
def _subject(event: str, values: tuple[tuple[str, Any], ...]) -> str:
    return _blocks(event, dict(values), ("subject",))[0]


@functools.cache
def _block_reads(event: str, name: str) -> tuple[str, ...]:
    """The values one block of the event's template reads."""
    source = _block_source(_template(event), name)
    return tuple(sorted(jinja2.meta.find_undeclared_variables(_environment().parse(source))))


# How each value is worded where a template shows it (the templates name their values alike): an SMS or WeChat
# template registered with the operator is filled with these words, never with the raw values.
WORDED: dict[str, Any] = {
    "amount": _yuan, "day": lambda v: day_words(_day(v))[0],
    "deadline": lambda v: day_words(_day(v))[0] if v else "", "starts": lambda v: day_words(_day(v))[0],
    "ends": lambda v: day_words(_day(v))[0], "pack": lambda p: _programme(str(p))[0],
    "reason": lambda c: bank_reason(c)[0], "task": lambda t: TASKS[t][0],
    "due": lambda v: moment_words(_moment(v))[0],
}


def worded(params: dict[str, Any]) -> dict[str, str]:
    """The values as the Chinese text shows them (1,234.50; 2021年7月12日; the programme's title; a bank's reason in
    words), for a template the operator fills: never a code, an ISO date or an empty None."""
    return {k: "" if v is None else WORDED[k](v) if k in WORDED else str(v) for k, v in params.items()}


@functools.cache
def operator_template(event: str) -> str:
    """The event's Chinese text with a ${name} where each value goes: the SMS template registered with the operator
    (and the WeChat template's body), so that what the operator sends reads as the inbox does."""
    template = _template(event)
    names = jinja2.meta.find_undeclared_variables(_environment().parse(
        (TEMPLATES / f"{event}.j2").read_text(encoding="utf-8")))
    plain = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    plain.filters.update({name: (lambda v, *_: v) for name in _environment().filters})
    placeholders = {name: f"${{{name}}}" for name in names}
    block = plain.from_string("".join(_block_source(template, "zh")))
    return block.render(placeholders).strip()


def _block_source(template: jinja2.Template, name: str) -> str:
    """The source text of one block of an event's template."""
    source = Path(template.filename or "").read_text(encoding="utf-8")
    start = source.index(f"{{% block {name} %}}") + len(f"{{% block {name} %}}")
    return source[start:source.index("{% endblock %}", start)]


# The template each event is registered under with the SMS operator and the WeChat account (their texts:
# operator_template); a deployment registers these names.
SMS_TEMPLATES = {event: f"SMS_WG_{event.upper()}" for event in EVENTS}
WECHAT_TEMPLATES = {event: f"WG-{event}" for event in EVENTS}
