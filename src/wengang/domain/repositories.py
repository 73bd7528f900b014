"""Typed repositories of the operational model (Protocols): one per aggregate, records in and out as domain types.

The database adapter implements them (adapters/db/repositories/); services see only these. A `get` that finds
nothing raises NotFound naming what was asked for; `lock` takes the row lock a change needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import NamedTuple, Protocol

from wengang.domain.accounts import PaymentAccount
from wengang.domain.attachments import ApplicationAttachment
from wengang.domain.calls import Call, CallAssignment, Reach, Specialist
from wengang.domain.contact import Callback, Dispatch, Duty, Notice, Notification, Office, Receipt, Reminder
from wengang.domain.cycles import Cycle, Round
from wengang.domain.departments import DepartmentReview
from wengang.domain.figures import Cell, Failure, Settled
from wengang.domain.jobs import Job, JobKind, Params
from wengang.domain.payment_batches import PaymentBatch
from wengang.domain.payment_records import BankFile, Finding, PaymentException
from wengang.domain.people import AccountRequest, ActivationCode, LoginFailure, LookupCode, Session, User
from wengang.domain.process import (
    Application,
    ApplicationStatus,
    Objection,
    ObjectionStatus,
    PublicityBatch,
    Reverification,
)
from wengang.domain.publicity_plan import PlannedBatch


class Cycles(Protocol):
    """Cycles: one live cycle per programme and pack (a cancelled one may be opened again)."""

    def add(self, *, program: str, pack: str, as_of: dt.date, snapshot_id: str, run_id: str, rounds_required: int,
            opened_by: str, opened_at: dt.datetime) -> Cycle: ...

    def get(self, cycle_id: int, *, lock: bool = False) -> Cycle: ...

    def of_program(self, program: str, pack: str) -> Cycle | None:
        """The live (not cancelled) cycle of the programme on the pack."""
        ...

    def save_cancel(self, cancelled: Cycle) -> bool:
        """Store the cancellation; False when the cycle was cancelled meanwhile."""
        ...

    def all(self) -> list[Cycle]: ...


class Jobs(Protocol):
    """Long steps waiting for, or run by, a worker process: at most one queued or running per scope."""

    def add(self, *, kind: JobKind, cycle_id: int | None, scope: str, params: Params, submitted_by: str,
            submitted_at: dt.datetime) -> Job:
        """A queued job; JobBusy when its scope already has an active one (the database's index decides a race)."""
        ...

    def get(self, job_id: int, *, lock: bool = False) -> Job: ...

    def active(self, scope: str) -> Job | None: ...

    def next_claimable(self, now: dt.datetime) -> Job | None:
        """The oldest job queued or running under a lapsed lease, row-locked; on PostgreSQL a row another claimer
        holds is skipped (FOR UPDATE SKIP LOCKED), on SQLite the write transaction already excludes other claimers."""
        ...

    def save(self, job: Job) -> None:
        """Store a job's state, attempt, lease, worker, times, error and result (after a legal move)."""
        ...

    def beat(self, job_id: int, *, worker: str, attempt: int, at: dt.datetime, lease_until: dt.datetime,
             step: str, done: int, total: int) -> bool:
        """Renew the lease and note the progress, only while this worker's attempt runs (False: the job was lost)."""
        ...

    def recent(self, *, limit: int = 50, cycle_id: int | None = None) -> list[Job]:
        """Newest first."""
        ...


class Rounds(Protocol):
    """A cycle's comparison rounds, in order."""

    def add(self, *, cycle_id: int, round_no: int, snapshot_id: str, run_id: str, units: int, changed: int,
            done_by: str, done_at: dt.datetime) -> Round: ...

    def of_cycle(self, cycle_id: int) -> list[Round]: ...


# --- The case process: publicity batches, objections, applications, re-verifications -------------------------------

class PublicityBatches(Protocol):
    """A cycle's dated public lists, known by their number (C1-P1)."""

    def add(self, *, cycle_id: int, number: str, starts_on: dt.date, ends_on: dt.date, days: int, entries: int,
            started_by: str, started_at: dt.datetime) -> PublicityBatch: ...

    def get(self, batch_id: int, *, lock: bool = False) -> PublicityBatch: ...

    def by_ref(self, ref: str | int, *, lock: bool = False) -> PublicityBatch:
        """By its number (C1-P1), else by its id; NotFound naming what was asked for."""
        ...

    def of_cycle(self, cycle_id: int) -> list[PublicityBatch]: ...

    def all(self) -> list[PublicityBatch]: ...

    def set_entries(self, batch_id: int, entries: int) -> None:
        """How many cases the list holds, once they are on it."""
        ...

    def save_closing(self, closed: PublicityBatch) -> bool:
        """Store the batch's closing day and who closed it, only if it is still open (False otherwise)."""
        ...


class PlannedBatches(Protocol):
    """A cycle's publicity plan: its dated batches, each started once (then naming its publicity batch)."""

    def add(self, *, cycle_id: int, seq: int, by: str, key: str, scheduled_on: dt.date, every_days: int,
            planned_by: str, planned_at: dt.datetime) -> PlannedBatch: ...

    def get(self, planned_id: int, *, lock: bool = False) -> PlannedBatch: ...

    def of_cycle(self, cycle_id: int) -> list[PlannedBatch]:
        """The plan's batches in their order."""
        ...

    def forget(self, cycle_id: int) -> int:
        """Delete the cycle's planned batches (only while none has started: the service checks)."""
        ...

    def save_start(self, planned_id: int, publicity_batch_id: int) -> bool:
        """Name the publicity batch it became, only if it has not started yet (False otherwise)."""
        ...


class Objections(Protocol):
    """Objections to entries of the lists."""

    def add(self, *, batch_id: int, case_id: int, objector: str | None, contact: str, text: str,
            raised_on: dt.date, raised_at: dt.datetime, status: ObjectionStatus) -> Objection: ...

    def get(self, objection_id: int, *, lock: bool = False) -> Objection: ...

    def of_batch(self, batch_id: int) -> list[Objection]: ...

    def of_case(self, case_id: int) -> list[Objection]: ...

    def open_of_case(self, case_id: int) -> list[Objection]: ...

    def open_of_cases(self, case_ids: Sequence[int]) -> list[Objection]:
        """The open objections of many cases at once (a page of a queue or a list), in the order they came."""
        ...

    def count_open(self, batch_id: int) -> int: ...

    def save_decision(self, decided: Objection) -> bool:
        """Store the decision (status, who, when, why), only if the objection is still open (False otherwise)."""
        ...


class Applications(Protocol):
    """Applications with their commitment letters, per case."""

    def add(self, *, case_id: int, commitment: str, commitment_accepted: bool, late: bool, filed_by: str,
            filed_at: dt.datetime, status: ApplicationStatus, claimed: str | None = None) -> Application: ...

    def get(self, record_id: int, *, lock: bool = False) -> Application: ...

    def of_case(self, case_id: int) -> list[Application]: ...

    def of_cases(self, case_ids: Sequence[int]) -> list[Application]:
        """The applications of many cases at once (a queue's page), in the order they were filed."""
        ...

    def save_decision(self, decided: Application) -> bool:
        """Store the reviewer's decision, only if the application is still pending (False otherwise)."""
        ...


class ApplicationAttachments(Protocol):
    """The files attached to applications: one row per application and content (the bytes live in the attachment
    store, by hash)."""

    def add(self, *, application_id: int, sha256: str, file_name: str, content_type: str,
            size: int) -> ApplicationAttachment: ...

    def of_applications(self, application_ids: Sequence[int]) -> list[ApplicationAttachment]:
        """The attachments of many applications at once, in the order they were added."""
        ...


class Reverifications(Protocol):
    """What checkpoint 3 changed, per case."""

    def add_many(self, rows: Iterable[Reverification]) -> int:
        """Many records in one executemany; the database numbers them (the rows' own id, UNSAVED, is left out)."""
        ...

    def of_case(self, case_id: int) -> list[Reverification]: ...


# --- Money: payment accounts, payment batches, bank files, payment exceptions, recoveries ------------------------
# A conditional `save(before, after)` writes after's changed columns only if the stored record still has before's
# status and none of the columns it fills was filled meanwhile; False when someone else changed it first.


class PaymentAccounts(Protocol):
    """Accounts proposed for units, each used for payment only once another person verified it."""

    def add(self, *, cycle_id: int, uscc: str, bank_code: str, account_no: str, account_name: str, source: str,
            status: str, created_by: str, created_at: dt.datetime, note: str | None,
            verified_by: str | None = None, verified_at: dt.datetime | None = None) -> PaymentAccount: ...

    def get(self, account_id: int, *, lock: bool = False) -> PaymentAccount: ...

    def of_unit(self, cycle_id: int, uscc: str, status: str | None = None) -> list[PaymentAccount]: ...

    def active_of_cycle(self, cycle_id: int) -> list[PaymentAccount]: ...

    def pending(self) -> list[PaymentAccount]: ...

    def count_pending(self) -> int: ...

    def save(self, before: PaymentAccount, after: PaymentAccount) -> bool: ...


class PaymentBatches(Protocol):
    """Payment batches, one per bank and preparation, known to staff and banks by their number."""

    def add(self, *, cycle_id: int, number: str, bank_code: str, file_format: str, entries: int, total: Decimal,
            status: str, approvals_needed: int, prepared_by: str, prepared_at: dt.datetime,
            execution_date: dt.date | None) -> PaymentBatch: ...

    def get(self, batch_id: int, *, lock: bool = False) -> PaymentBatch: ...

    def by_ref(self, ref: str | int, *, lock: bool = False) -> PaymentBatch:
        """By its number (C1-B102-1) or its id; NotFound naming what was asked for."""
        ...

    def numbered(self, number: str) -> PaymentBatch | None: ...

    def of_cycle(self, cycle_id: int) -> list[PaymentBatch]: ...

    def all(self) -> list[PaymentBatch]: ...

    def count_of_bank(self, cycle_id: int, bank_code: str) -> int: ...

    def count_in(self, status: str) -> int: ...

    def save(self, before: PaymentBatch, after: PaymentBatch) -> bool: ...


class BankFiles(Protocol):
    """Every bank file written (out) or read (in), by its bytes' hash: the same bytes are recorded once."""

    def add(self, *, direction: str, message: str, batch_id: int | None, name: str, sha256: str, records: int,
            applied: int, exceptions: int, by: str, at: dt.datetime) -> BankFile: ...

    def find(self, direction: str, sha256: str) -> BankFile | None: ...

    def of_direction(self, direction: str) -> list[BankFile]: ...


class PaymentExceptions(Protocol):
    """What bank files said that was not applied, open until a person resolves it."""

    def add_open(self, file_id: int, findings: Sequence[Finding], at: dt.datetime) -> int:
        """Every finding of one file as an open exception, in one statement."""
        ...

    def get(self, exception_id: int, *, lock: bool = False) -> PaymentException: ...

    def open(self) -> list[PaymentException]: ...

    def count_open(self) -> int: ...

    def save(self, before: PaymentException, after: PaymentException) -> bool: ...


class Recoveries(Protocol):
    """Money of failed cases recovered to the fund after the deadline."""

    def add_many(self, cases: Iterable[tuple[int, Decimal]], *, deadline: dt.date, reason: str, done_by: str,
                 done_at: dt.datetime) -> int:
        """One recovery per (case id, amount), in one statement."""
        ...


# --- People: accounts, sessions, one-time codes, sign-in failures, account requests ----------------------------

class Users(Protocol):
    """Accounts, staff and employer alike (an employer's username is its credit code)."""

    def add(self, *, username: str, role: str, uscc: str | None, display_name: str, phone: str | None,
            password_hash: str | None, password_set_at: dt.datetime | None, active: bool, created_by: str,
            created_at: dt.datetime, role_granted_by: str | None, role_granted_at: dt.datetime | None,
            department: str | None = None) -> User: ...

    def get(self, user_id: int, *, lock: bool = False) -> User: ...

    def named(self, username: str) -> User | None: ...

    def all(self) -> list[User]: ...

    def set_password(self, user_id: int, password_hash: str, *, set_at: dt.datetime | None) -> None:
        """A new password (set_at None: the same password re-hashed, its age unchanged)."""
        ...

    def save_lock(self, user: User) -> None:
        """The account-wide count of wrong passwords and its lock, as `user` holds them."""
        ...

    def set_phone(self, user_id: int, phone: str | None) -> None: ...

    def set_active(self, user_id: int, active: bool) -> None: ...

    def grant(self, user_id: int, role: str, *, by: str, at: dt.datetime) -> None: ...

    def revoke(self, user_id: int) -> None: ...


class Sessions(Protocol):
    """Signed-in sessions, found by their token's hash."""

    def add(self, *, token_hash: str, user_id: int, csrf: str, created_at: dt.datetime, expires_at: dt.datetime,
            last_seen_at: dt.datetime) -> Session: ...

    def by_token(self, token_hash: str) -> Session | None: ...

    def live_of(self, user_id: int) -> list[Session]:
        """The user's sessions not yet ended (expired ones included: ending them is harmless)."""
        ...

    def end(self, session_id: int, at: dt.datetime) -> bool:
        """End a session not yet ended; False when it already was."""
        ...

    def touch(self, session_id: int, at: dt.datetime) -> bool:
        """Note activity on a session not yet ended."""
        ...


class ActivationCodes(Protocol):
    """One-time codes, kept as hashes."""

    def add(self, *, user_id: int, code_hash: str, expires_at: dt.datetime, tries: int, issued_by: str,
            issued_at: dt.datetime) -> ActivationCode: ...

    def unused_of(self, user_id: int) -> list[ActivationCode]:
        """The user's codes not yet spent, oldest first (expired or tried out ones included)."""
        ...

    def expire(self, code_id: int, at: dt.datetime) -> None: ...

    def tried(self, code_id: int, tries: int) -> None: ...

    def spend(self, code_id: int, at: dt.datetime) -> bool:
        """Mark a code used; False when it already was."""
        ...


class LookupCodes(Protocol):
    """Progress look-up codes of units, kept as hashes; each spent once for a short read-only view."""

    def add(self, *, uscc: str, code_hash: str, expires_at: dt.datetime, tries: int,
            issued_at: dt.datetime) -> LookupCode: ...

    def issued_since(self, uscc: str, since: dt.datetime) -> list[LookupCode]:
        """The unit's codes issued at or after `since`, oldest first (what its rate limit counts)."""
        ...

    def unused_of(self, uscc: str) -> list[LookupCode]:
        """The unit's codes not yet spent, oldest first (expired or tried out ones included)."""
        ...

    def expire(self, code_id: int, at: dt.datetime) -> None: ...

    def tried(self, code_id: int, tries: int) -> None: ...

    def open_view(self, code_id: int, at: dt.datetime, view_hash: str, until: dt.datetime) -> bool:
        """Spend the code for a view whose token hashes to `view_hash`; False when it was already spent."""
        ...

    def by_view(self, view_hash: str) -> LookupCode | None: ...

    def close_view(self, code_id: int, at: dt.datetime) -> None:
        """End the code's view at `at` (its token then opens nothing)."""
        ...


class LoginFailures(Protocol):
    """Wrong passwords per account and address."""

    def add(self, *, user_id: int, client: str, failures: int, locked_until: dt.datetime | None,
            last_failed_at: dt.datetime) -> LoginFailure: ...

    def of(self, user_id: int, client: str) -> LoginFailure | None: ...

    def save(self, failure: LoginFailure) -> None:
        """The count, lock and time of the last failure, as `failure` holds them."""
        ...

    def clear(self, failure_id: int) -> None: ...

    def clear_all(self, user_id: int) -> None:
        """Lift the locks of every address of the account."""
        ...

    def locked_users(self, now: dt.datetime) -> set[int]:
        """Accounts locked out from at least one address now."""
        ...


class AccountRequests(Protocol):
    """Re-activation and contact-change requests that a second person decides."""

    def add(self, *, user_id: int, kind: str, phone: str | None, reason: str, status: str, requested_by: str,
            requested_at: dt.datetime) -> AccountRequest: ...

    def get(self, request_id: int, *, lock: bool = False) -> AccountRequest: ...

    def pending_of(self, user_id: int) -> list[AccountRequest]: ...

    def with_status(self, status: str) -> list[AccountRequest]: ...

    def decide(self, decided: AccountRequest) -> bool:
        """Store a decision taken on the type (AccountRequest.decide); False when the request was no longer pending."""
        ...


# --- Contact: messages sent, callbacks asked for --------------------------------------------------------------

class ToFanOut(NamedTuple):
    """A pending step message with only what fanning it out needs (read 20,000 at a time: not its text)."""

    id: int
    uscc: str | None
    case_id: int | None
    recipient: str | None
    channel: str


class Notifications(Protocol):
    """The outbox table: messages queued with the change they tell about, delivered later by a channel."""

    def add(self, notice: Notice) -> Notification: ...

    def add_many(self, notices: Iterable[Notice]) -> int:
        """Queue many in one bulk insert (returns, recoveries: up to hundreds of thousands at once)."""
        ...

    def add_fanned(self, notices: Sequence[Notice], at: dt.datetime) -> list[int]:
        """Queue step messages (each with its audit entry) already handed on to their deliveries: sent at `at`, in
        one bulk insert, as `fanned_out` leaves them; their ids, in the notices' order."""
        ...

    def pending(self, *, kind: str | None = None, limit: int, templated: bool | None = None) -> list[Notification]:
        """The oldest pending messages (of one kind, if named; only those filled from a template, or only those
        that are not, if `templated` says so)."""
        ...

    def save_sent(self, sent: Iterable[Notification]) -> int:
        """Store sent messages (Notification.sent) that were still pending, in one statement; how many."""
        ...

    def to_fan_out(self, limit: int) -> list[ToFanOut]:
        """The oldest pending messages filled from a template (`pending(templated=True)`), narrowly."""
        ...

    def fanned_out(self, ids: Sequence[int], at: dt.datetime) -> int:
        """These messages, those still pending, handed on to their deliveries: sent at `at`, any seal wiped
        (Notification.sent), in one statement; how many."""
        ...

    def of_unit(self, uscc: str, *, limit: int) -> list[Notification]:
        """A unit's newest messages, newest first."""
        ...

    def of_kind(self, kind: str) -> list[Notification]: ...

    def told_up_to(self) -> int:
        """The newest audit entry a message was told from (0: none yet): where telling resumes."""
        ...


class Due(NamedTuple):
    """A delivery whose time has come, with what its message says (the template's event and values, the text)."""

    dispatch: Dispatch
    event: str
    params: str | None
    text: str


class Deliveries(Protocol):
    """Each step's message on its way to one person on one channel."""

    def add_many(self, rows: Iterable[tuple[int, str, str, str, dt.datetime, dt.datetime]]) -> int:
        """(notification id, key, channel, recipient, not before, created at) rows, pending, in one bulk insert."""
        ...

    def due(self, channel: str, now: dt.datetime, limit: int,
            after: tuple[dt.datetime, int] | None = None) -> list[Due]:
        """The oldest pending deliveries on a channel whose time has come, in (next_at, id) order; `after` the
        (next_at, id) of the last one a caller already has (a page on from there, without reading again the
        pending copies of other channels or those just handed)."""
        ...

    def save_handed(self, handed: Iterable[Dispatch]) -> int:
        """Store what providers said (Dispatch.handed) of those still pending, in one statement; how many."""
        ...

    def apply_receipts(self, receipts: Iterable[Receipt]) -> int:
        """A provider's receipts, by its id: sent → delivered or failed (a receipt twice changes nothing). A
        receipt that names our key finds a copy still pending too: it came before the copy's handing was recorded
        (a fast provider, or a worker killed in between), and the copy is done all the same, never handed again."""
        ...

    def counts(self) -> dict[tuple[str, str], int]:
        """How many deliveries by (channel, status)."""
        ...

    def of_notification(self, notification_id: int) -> list[Dispatch]: ...

    def reach(self, case_ids: Sequence[int]) -> dict[int, Reach]:
        """What each case's unit was told (its step messages) and how far the copies got; a case told nothing is
        absent."""
        ...

    def unreached(self, cycle_id: int, limit: int) -> list[int]:
        """Cases of the cycle whose unit was told (messages handed on) and not one copy was delivered or is on its
        way: no contact, or every copy failed."""
        ...

    def by_event(self, cycle_id: int) -> dict[tuple[str, str, str], int]:
        """Copies of the cycle's step messages by (event, channel, status)."""
        ...

    def reached_units(self, cycle_id: int) -> tuple[int, int]:
        """(units told at least one step, units with at least one copy delivered) in the cycle."""
        ...


class Callbacks(Protocol):
    """Callback requests (“呼我必回”)."""

    def add(self, *, uscc: str | None, name: str | None, phone: str, question: str, source: str, status: str,
            asked_at: dt.datetime, office: str | None = None, due_at: dt.datetime | None = None,
            due_note: str | None = None) -> Callback: ...

    def escalate(self, callback_id: int, at: dt.datetime) -> bool:
        """Mark an open callback escalated; False when it was answered or escalated already (once only)."""
        ...

    def get(self, callback_id: int, *, lock: bool = False) -> Callback: ...

    def answer(self, answered: Callback) -> bool:
        """Store an answer taken on the type (Callback.answered); False when the callback was no longer open."""
        ...

    def all(self, *, status: str | None = None) -> list[Callback]:
        """Oldest first."""
        ...

    def of_unit(self, uscc: str) -> list[Callback]:
        """Oldest first."""
        ...


class Calls(Protocol):
    """Who is to call which unit in a cycle, and every call made."""

    def assign(self, cycle_id: int, usccs: Sequence[str], *, to: str, by: str, at: dt.datetime) -> int:
        """Give each unit to `to` (replacing who had it); how many."""
        ...

    def assignments(self, cycle_id: int, usccs: Sequence[str] | None = None) -> dict[str, CallAssignment]:
        """Who is to call each unit of the cycle (those given, or all)."""
        ...

    def add(self, *, cycle_id: int, uscc: str, outcome: str, note: str, call_back_at: dt.datetime | None,
            called_by: str, called_at: dt.datetime) -> Call: ...

    def of_cycle(self, cycle_id: int, usccs: Sequence[str] | None = None) -> list[Call]:
        """The cycle's calls (to these units, or all), oldest first."""
        ...


class Specialists(Protocol):
    """The named specialist of each key or large employer."""

    def put(self, *, uscc: str, username: str, key: bool, by: str, at: dt.datetime) -> Specialist:
        """Name the unit's specialist (replacing the one named before)."""
        ...

    def of_user(self, username: str) -> list[Specialist]: ...

    def of_units(self, usccs: Sequence[str]) -> dict[str, Specialist]: ...

    def all(self) -> list[Specialist]: ...


class Offices(Protocol):
    """呼我必回 offices (a district's or the city's) and who is on duty at each."""

    def put(self, code: str, name: str) -> Office:
        """Add an office, or rename the one with this code."""
        ...

    def all(self) -> list[Office]:
        """By code."""
        ...

    def add_duty(self, *, office: str, username: str, phone: str, starts_at: dt.datetime, ends_at: dt.datetime,
                 set_by: str, set_at: dt.datetime) -> Duty: ...

    def duties(self, *, since: dt.datetime | None = None) -> list[Duty]:
        """Duties (ending after `since`, if given), earliest start first."""
        ...

    def on_duty(self, office: str, at: dt.datetime) -> Duty | None:
        """Who is on duty at `office` at `at`: of the duties covering it, the one set last."""
        ...


class Reminders(Protocol):
    """Deadline reminders queued: one per case, task and deadline."""

    def add(self, *, case_id: int, task: str, deadline: dt.date, queued_at: dt.datetime) -> Reminder | None:
        """Record a reminder; None (nothing stored) when this case was reminded of this deadline already."""
        ...


class DepartmentReviews(Protocol):
    """Each industry department's decision on a case of a joint review (one per case)."""

    def add(self, *, case_id: int, cycle_id: int, department: str, outcome: str, reason: str, decided_by: str,
            decided_at: dt.datetime) -> DepartmentReview: ...

    def of_case(self, case_id: int) -> DepartmentReview | None: ...

    def of_cases(self, case_ids: Sequence[int]) -> dict[int, DepartmentReview]:
        """The decisions on these cases, by case."""
        ...

    def of_cycle(self, cycle_id: int, department: str) -> list[DepartmentReview]:
        """The department's decisions in the cycle, oldest first."""
        ...


class Figures(Protocol):
    """The dashboard's counts over the cases of some cycles, each grouped in the store (GROUP BY), never read case by
    case: at 500,000 cases a view is answered in under a second."""

    def cells(self, cycle_ids: Sequence[int], by: str) -> list[Cell]:
        """Cases grouped by one breakdown (domain.figures.BREAKDOWNS) and by state, with their amount, insured
        headcount (known and unknown) and small, medium and micro units."""
        ...

    def days_to_money(self, cycle_ids: Sequence[int]) -> dict[int, int]:
        """Paid cases (paid or closed) by Beijing calendar days from their cycle's opening to the settlement of the
        payment that paid them (its last paid one)."""
        ...

    def failures(self, cycle_ids: Sequence[int]) -> list[Failure]:
        """Payments of these cycles the bank rejected or returned, by the reason it gave."""
        ...

    def served(self, cycle_id: int) -> tuple[int, int]:
        """Units of the cycle that served themselves (signed in to the portal or looked their progress up), and
        those that asked for a call back, each unit counted once (the audit log's domain.figures.SERVED events)."""
        ...

    def settled(self, since: dt.datetime, until: dt.datetime) -> list[Settled]:
        """Payments settled from `since` up to `until` (naive UTC) and still paid, by programme (the monthly
        statistics report)."""
        ...
