"""The JSON API's bodies: what a mini-program sends and gets (money as exact decimal strings, never floats)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

Uscc = Annotated[str, StringConstraints(min_length=18, max_length=18, pattern=r"^[0-9A-Z]{18}$")]
Phone = Annotated[str, StringConstraints(min_length=5, max_length=20)]
Short = Annotated[str, StringConstraints(max_length=200)]


class Problem(BaseModel):
    """Every refusal: one bilingual sentence."""

    detail: str


class Pack(BaseModel):
    id: str
    title: str
    title_en: str
    base_year: int


class Dated(BaseModel):
    start: dt.date
    value: str
    reference: str


class Parameter(BaseModel):
    name: str
    label: str
    values: list[Dated]
    regions: dict[str, list[Dated]]


class Guide(Pack):
    references: list[str]
    lineage: list[str]
    parameters: list[Parameter]


class Batch(BaseModel):
    number: str
    cycle_id: int
    pack: str
    starts_on: dt.date
    ends_on: dt.date
    days: int
    entries: int
    open: bool
    closed_on: dt.date | None


class Entry(BaseModel):
    no: int
    name: str
    uscc: str
    ratio: str
    amount: Decimal
    batch: str
    objected: bool


class ListHead(BaseModel):
    number: str
    starts_on: dt.date
    ends_on: dt.date
    entries: int
    open: bool


class ListPage(BaseModel):
    batch: ListHead
    query: str
    page: int
    size: int
    rows: list[Entry]
    has_next: bool


class ObjectionIn(BaseModel):
    uscc: Uscc
    contact: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    text: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    name: Annotated[str, StringConstraints(max_length=50)] | None = None


class OwnObjectionIn(BaseModel):
    contact: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    text: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class ObjectionMade(BaseModel):
    id: int
    case_id: int
    batch: str
    contact: str


class CallbackIn(BaseModel):
    phone: Phone
    question: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    name: Annotated[str, StringConstraints(max_length=50)] | None = None


class CallbackMade(BaseModel):
    id: int
    phone: str
    status: str


class Kind(StrEnum):
    employer = "employer"
    staff = "staff"


class SignIn(BaseModel):
    username: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    kind: Kind = Kind.employer


class SessionMade(BaseModel):
    token: str = Field(description="send as `Authorization: Bearer <token>`")
    role: str
    uscc: str | None
    expires_in: int


class ActivationIn(BaseModel):
    uscc: Uscc
    code: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class Me(BaseModel):
    username: str
    role: str
    uscc: str | None
    display_name: str


class Step(BaseModel):
    state: str
    zh: str
    en: str
    status: str
    when: str


class Payment(BaseModel):
    attempt: int
    amount: Decimal
    status: str
    account: str
    settled_at: str
    reason: str


class Application(BaseModel):
    id: int
    status: str
    late: bool
    filed_at: str
    decision_reason: str | None


class ObjectionSeen(BaseModel):
    id: int
    status: str
    raised_on: dt.date
    objector: str
    contact: str
    text: str
    decision_reason: str | None


class AccountShown(BaseModel):
    where: str
    source: str


class Progress(BaseModel):
    """One case of the signed-in unit: timeline, money, where it goes, and what is pending."""

    cycle_id: int
    pack: str
    program: str
    case_id: int
    name: str
    state: str
    decision: str
    amount: Decimal
    reason: str
    waiting: tuple[str, str] | None
    steps: list[Step]
    batch: str | None
    account: AccountShown
    account_pending: bool
    can_apply: bool
    payments: list[Payment]
    applications: list[Application]
    objections: list[ObjectionSeen]


class Words(BaseModel):
    """One thing said for people: Chinese, then English."""

    zh: str
    en: str


class Answer(BaseModel):
    """The three lines a unit reads first: qualified or not, the amount or the main reason, the next step."""

    verdict: Words
    detail: Words
    next: Words | None


class Criterion(BaseModel):
    """One criterion in words: what was read, the standard, the outcome and the documents it rests on."""

    criterion: str
    outcome: str
    label: Words
    read: Words
    standard: Words
    verdict: Words
    documents: str


class Happened(BaseModel):
    """One step of the case in words (Beijing time); a person's written reason where one was given."""

    at: str
    who: Words
    what: Words
    now: Words | None
    reason: str | None


class Explanation(BaseModel):
    case_id: int
    cycle_id: int
    name: str
    state: str
    decision: str
    amount: Decimal
    state_words: Words
    answer: Answer
    criteria: list[Criterion]
    history: list[Happened]


class ApplicationIn(BaseModel):
    commitment: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    accept: bool


class ApplicationMade(BaseModel):
    application: int
    case_id: int
    late: bool


class AccountIn(BaseModel):
    bank_code: Annotated[str, StringConstraints(min_length=1, max_length=12)]
    account_no: Annotated[str, StringConstraints(min_length=1, max_length=34)]
    account_name: Annotated[str, StringConstraints(min_length=1, max_length=140)]


class AccountMade(BaseModel):
    id: int
    status: str


class CallbackSeen(BaseModel):
    id: int
    phone: str
    question: str
    status: str
    asked_at: dt.datetime
    answered_at: dt.datetime | None
    answer: str | None
    minutes: float | None = Field(None, description="minutes from request to answer (or waiting so far)")


class Message(BaseModel):
    id: int
    channel: str
    kind: str
    recipient: str | None
    text: str
    created_at: dt.datetime


def plain(value: Any) -> Any:
    """Staff answers as JSON without a response model: money and dates as exact text, states by value."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if hasattr(value, "__dataclass_fields__"):
        return {k: plain(getattr(value, k)) for k in value.__dataclass_fields__}
    return value
