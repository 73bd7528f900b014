"""Typed errors of the case process, so callers refuse clearly instead of failing with a stack trace."""

from __future__ import annotations


class DomainError(Exception):
    """Something the process itself refuses; the message is bilingual and fit to show staff."""


class IllegalTransition(DomainError):
    """A case was asked to move between two states the transition table does not connect."""

    def __init__(self, case_id: int | None, from_state: str | None, to_state: str):
        self.case_id, self.from_state, self.to_state = case_id, from_state, to_state
        who = f"案件 / case {case_id}: " if case_id is not None else ""
        super().__init__(f"{who}不允许从 {from_state} 转到 {to_state} / "
                         f"illegal transition {from_state} → {to_state}")


class ConcurrentChange(DomainError):
    """Someone else changed the case (or cases) first; the action was not applied and may be retried."""

    def __init__(self, what: str):
        self.what = what
        super().__init__(f"{what} 已被他人修改, 请刷新后重试 / {what} was changed by someone else first; "
                         "nothing was applied, reload and retry")


class NotFound(DomainError, LookupError):
    """A cycle, case, batch, objection or application that does not exist."""


class Refused(DomainError, ValueError):
    """A step of the process that is not allowed now (period not over, rounds missing, no letter …)."""


class FourEyes(Refused):
    """A second person's step (approve a payment batch, verify an account) asked of whoever took the first."""


class NotWaiting(Refused):
    """A payment batch, account or payment exception asked for a step its status no longer (or not yet) waits for."""


class StoreUnavailable(DomainError):
    """The operational database cannot be reached or opened; says which and how to fix it."""


class StoreBusy(StoreUnavailable):
    """A write could not start within the patience it was given: another writer holds the database."""

    def __init__(self) -> None:
        super().__init__("数据库正忙, 请稍后重试 / the database is busy with another write, try again shortly")


class AnalyticsBusy(StoreUnavailable):
    """Another process (an evaluation or an import writing) holds the analytical store's lock; retry shortly."""

    MESSAGE = "数据正在更新, 请稍后重试 / the data is being updated, try again shortly"
    RETRY_AFTER_SECONDS = 5

    def __init__(self, holder: str = ""):
        self.holder = holder
        held = f" (分析库被占用 / the analytical store is held by {holder})" if holder else ""
        super().__init__(self.MESSAGE + held)


class AnalyticsUnreadable(RuntimeError):
    """The analytical store's driver failed on a read (not a lock: that is AnalyticsBusy); a reader that can do
    without the answer (the portal's explanation, the dashboard's size classes) says it is not available now."""
