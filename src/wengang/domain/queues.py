"""One shape for every staff list: a typed query (filters, search, sort, page) and the page it returns.

A queue page asks the repository for one page of rows and for the total that matches, never for "the first 100".
The query is checked here, once, so a bad `?page=` or `?sort=` gets a precise message and reaches no SQL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from wengang.domain.cases import State
from wengang.domain.days import BEIJING
from wengang.domain.errors import Refused

T = TypeVar("T")

PER_PAGE = (25, 50, 100, 200)
SORTS = ("id", "name", "amount", "state")   # case number (the default: the primary key, no sort), then the rest
USCC_PREFIX = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{1,18}$")     # GB 32100: digits and capitals without I O S V Z
DISTRICT = re.compile(r"^[0-9]{6}$")                           # the administrative division code, USCC chars 3-8
KIND = re.compile(r"^[a-z_]{1,40}$")                          # an industry or unit type code (rules.criteria)
MAX_SEARCH = 100
MAX_BULK = 1_000     # one bulk action decides at most this many cases (each its own audited move)
SIZES = ("large", "medium", "small", "micro", "unknown")    # a run's size classes; "unknown": none was found
COUNT_CAP = 10_000   # a total above this is shown as "more than 10,000": counting 500,000 rows per page costs seconds


@dataclass(frozen=True, slots=True)
class CaseQuery:
    """Which cases of one cycle a list shows, how ordered, which page.

    `search` is matched as part of the unit's name (indexed: trigram); `uscc` as the start of the credit code
    (indexed: the cycle × credit code key). `district` is the six-digit administrative division code inside the
    credit code (its characters 3 to 8), so it needs no column of its own. `changed_from`/`changed_to` are Beijing
    dates, both included, of the case's last move or change."""

    cycle_id: int
    states: tuple[State, ...] = ()
    program: str | None = None
    district: str | None = None
    reason: str | None = None          # one rule reason code, matched whole (web.words.RULE_REASONS)
    search: str | None = None
    uscc: str | None = None
    size: str | None = None            # one of SIZES
    changed_from: dt.date | None = None
    changed_to: dt.date | None = None
    sort: str = "id"
    descending: bool = False
    page: int = 1
    per_page: int = 50
    batch_id: int | None = None        # one publicity list of the cycle (the public list page)
    industry: str | None = None        # the unit's industry as the cycle opened ("unknown": none known)
    unit_type: str | None = None       # the unit's type as the cycle opened ("unknown": none known)
    kept: bool = False                 # only cases whose money stayed: not one recovered to the fund (a paid figure)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def filters(self) -> CaseQuery:
        """The same query without its page and order: what the total and a bulk "all that match" depend on."""
        return CaseQuery(self.cycle_id, self.states, self.program, self.district, self.reason, self.search, self.uscc,
                         self.size, self.changed_from, self.changed_to, batch_id=self.batch_id,
                         industry=self.industry, unit_type=self.unit_type, kept=self.kept)

    @property
    def changed_between(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The date range as naive UTC instants (as the store keeps times): from its first Beijing midnight, up to
        but not including the Beijing midnight after its last day."""
        def utc(day: dt.date) -> dt.datetime:
            return dt.datetime.combine(day, dt.time(), BEIJING).astimezone(dt.UTC).replace(tzinfo=None)
        return (utc(self.changed_from) if self.changed_from else None,
                utc(self.changed_to + dt.timedelta(days=1)) if self.changed_to else None)


def case_query(cycle_id: int, *, states: Sequence[str | State] = (), program: str | None = None,
               district: str | None = None, reason: str | None = None, q: str | None = None,
               size: str | None = None, changed_from: str | dt.date | None = None,
               changed_to: str | dt.date | None = None, industry: str | None = None, unit_type: str | None = None,
               sort: str | None = None, page: int | None = None, per_page: int | None = None,
               kept: bool = False) -> CaseQuery:
    """A CaseQuery from what a form or URL carries; Refused (saying which field and why) when any part is bad.
    `q` is one search box: a credit-code prefix when it looks like one (2+ characters of the code's alphabet with
    a digit), else a part of the name."""
    def blank(v: str | None) -> str | None:
        return v.strip() or None if v is not None else None

    try:
        wanted = tuple(State(s) for s in states if s)
    except ValueError as exc:
        raise Refused(f"没有这个状态 / no such state: {exc}") from None
    district = blank(district)
    if district is not None and not DISTRICT.match(district):
        raise Refused("区县代码应为 6 位数字 / the district is a six-digit division code")
    q = blank(q)
    search = code = None
    if q is not None:
        if len(q) > MAX_SEARCH:
            raise Refused(f"查找内容最长 {MAX_SEARCH} 字 / search at most {MAX_SEARCH} characters")
        upper = q.upper()
        if len(upper) >= 2 and USCC_PREFIX.match(upper) and any(ch.isdigit() for ch in upper):
            code = upper
        else:
            search = q
    size = blank(size)
    if size is not None and size not in SIZES:
        raise Refused(f"没有这个规模类型 / no size class {size}; one of {', '.join(SIZES)}")
    since, until = _day(changed_from, "起始日期 / from date"), _day(changed_to, "截止日期 / to date")
    if since and until and since > until:
        raise Refused("起始日期晚于截止日期 / the from date is after the to date")
    sort = blank(sort) or "id"
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORTS:
        raise Refused(f"不能按 {key} 排序 / cannot sort by {key}; one of {', '.join(SORTS)}")
    page = 1 if page is None else page
    if page < 1 or page > 1_000_000:
        raise Refused("页码应为正整数 / the page is a positive number")
    per_page = 50 if per_page is None else per_page
    if per_page not in PER_PAGE:
        raise Refused(f"每页行数应为 {'/'.join(map(str, PER_PAGE))} / rows per page: one of {PER_PAGE}")
    kinds = {"industry": blank(industry), "unit_type": blank(unit_type)}
    for name, value in kinds.items():
        if value is not None and not KIND.match(value):
            raise Refused(f"{name} 应为代码 / {name} is a code such as retail")
    return CaseQuery(cycle_id, wanted, blank(program), district, blank(reason), search, code, size, since, until,
                     key, descending, page, per_page, industry=kinds["industry"], unit_type=kinds["unit_type"],
                     kept=kept)


def _day(value: str | dt.date | None, what: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise Refused(f"{what} 应为 年-月-日 / should be a date like 2021-10-08: {value[:20]}") from None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list and where it stands in the whole."""

    rows: list[T]
    total: int
    page: int
    per_page: int
    extra: dict = field(default_factory=dict)
    more: bool = False      # the total is a floor: more than `total` match (not counted further, see COUNT_CAP)

    @property
    def pages(self) -> int:
        """Pages of the counted total (with `more`, the pages up to there: later ones exist and are reachable)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (self.more and len(self.rows) == self.per_page)

    @property
    def first(self) -> int:
        """1-based number of the page's first row (0 on an empty list)."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * self.per_page + len(self.rows)


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    """What one bulk action did: the cases moved (with their new state), and each refused one with why (nothing
    half-done per case)."""

    done: list[tuple[int, str]]
    refused: list[tuple[int, str]]
