"""Ports the services talk to (Protocols); adapters implement them, bootstrap wires them, tests use the real thing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from wengang.domain.analytics import (
    Decided,
    Evaluated,
    FolderEvaluated,
    RunSummary,
    SizeCount,
    SnapshotAccount,
    SnapshotContact,
    Supplied,
    UsedValue,
)
from wengang.domain.audit import Draft, Entry, Head, Problem
from wengang.domain.audit_anchors import Anchor
from wengang.domain.bank_files import BankAnswer, Debtor, WrittenFile
from wengang.domain.cases import Case, State
from wengang.domain.contact import Delivery, Handed
from wengang.domain.failed import FailedPage, FailedQuery
from wengang.domain.payments import PaymentInstruction
from wengang.domain.progress import Progress
from wengang.domain.queues import CaseQuery
from wengang.domain.repositories import (
    AccountRequests,
    ActivationCodes,
    ApplicationAttachments,
    Applications,
    BankFiles,
    Callbacks,
    Calls,
    Cycles,
    Deliveries,
    DepartmentReviews,
    Figures,
    Jobs,
    LoginFailures,
    LookupCodes,
    Notifications,
    Objections,
    Offices,
    PaymentAccounts,
    PaymentBatches,
    PaymentExceptions,
    PlannedBatches,
    PublicityBatches,
    Recoveries,
    Reminders,
    Reverifications,
    Rounds,
    Sessions,
    Specialists,
    Users,
)
from wengang.domain.simulation import Cap, Change, Kept, Simulated
from wengang.domain.snapshots import CheckResult, Imported, SnapshotInfo


class NewCase(NamedTuple):
    """A case as a cycle opens it (column order of the bulk insert)."""

    program: str
    cycle_id: int
    uscc: str
    name: str
    decision: str
    amount: Decimal
    ratio_units: int | None
    reasons: str
    run_id: str
    labor_dispatch: bool
    has_account: bool
    review_accepted: bool
    dispatch_confirmed: bool
    account_confirmed: bool
    state: str
    reason: str
    batch_id: int | None
    version: int
    size_class: str | None = None      # large/medium/small/micro from the run; None: unknown
    insured: int | None = None         # the unit's insured headcount in the run (惠及职工); None: unknown
    industry: str | None = None        # the snapshot's industry and unit type, for the dashboard's breakdowns
    unit_type: str | None = None


class CaseChange(NamedTuple):
    """A new state and fresh decision data for one case, applied only if the case is still at `version`."""

    id: int
    version: int
    state: str
    reason: str
    decision: str
    amount: Decimal
    ratio_units: int | None
    reasons: str
    run_id: str
    labor_dispatch: bool
    has_account: bool
    review_accepted: bool


class Moved(NamedTuple):
    """A case a bulk move touched: enough to write its audit entry."""

    id: int
    uscc: str
    amount: Decimal
    version: int


class Tellable(NamedTuple):
    """What telling a unit of a step needs of its case (read for half a million cases at once, so only these)."""

    id: int
    cycle_id: int
    uscc: str
    amount: Decimal
    state: State
    batch_id: int | None


class Payable(NamedTuple):
    """What paying a case needs of it (read for half a million cases at once, so only these columns)."""

    id: int
    uscc: str
    name: str
    amount: Decimal
    state: State
    run_id: str


class Attempt(NamedTuple):
    """One attempt to pay one case (a row of payment_attempts; the account is the one it was sent to)."""

    id: int | None
    case_id: int
    attempt_no: int
    batch_id: int
    end_to_end_id: str
    uscc: str
    unit_name: str
    amount: Decimal
    bank_code: str
    account_no: str
    account_name: str
    status: str
    reason: str | None
    created_at: dt.datetime
    settled_at: dt.datetime | None


class AttemptPage(NamedTuple):
    """One page of a batch's payments matching a search, with how many match and their money in all."""

    rows: list[Attempt]
    matches: int
    amount: Decimal


class Released(NamedTuple):
    """An attempt an approval sent live: what its case move and audit entry need."""

    id: int
    case_id: int
    attempt_no: int
    uscc: str
    amount: Decimal
    end_to_end_id: str


class Sent(NamedTuple):
    """An attempt as a bank's answer about it needs it: which case and batch, how much, and where it stands."""

    id: int
    case_id: int
    attempt_no: int
    batch_id: int
    end_to_end_id: str
    uscc: str
    amount: Decimal
    status: str


class Payments(Protocol):
    """Payment attempts and the ledger: bulk, conditional, and checked again by the database."""

    def add_attempts(self, rows: Iterable[tuple]) -> int: ...

    def attempts(self, *, batch_id: int | None = None, case_ids: Any = None, e2e_ids: Any = None,
                 status: str | None = None) -> list[Attempt]: ...

    def batch_page(self, batch_id: int, *, search: str = "", offset: int = 0, limit: int = 50) -> AttemptPage:
        """A batch's payments in id order whose unit name contains `search` or whose credit code starts with it."""
        ...

    def failed_worklist(self, query: FailedQuery) -> FailedPage:
        """Per step (domain/failed.py RULES), how many of the cycle's failed or re-issued cases wait in it and how many
        of them the search finds, with their money (steps with none left out); and the page of those the step and
        search find from the query's offset, the oldest failure's Beijing day first (no failure last), ties by case
        number."""
        ...

    def set_status(self, changes: Iterable[tuple[int, str, str, str | None]], *, settled: bool) -> int: ...

    def release(self, batch_id: int) -> list[Released]: ...

    def cancel(self, batch_id: int, status: str) -> list[Released]: ...

    def formula_names(self, batch_id: int) -> list[tuple[int, str]]: ...

    def sent(self, e2e_ids: Sequence[str]) -> list[Sent]: ...

    def post_whole(self, kind: str, from_account: str, to_account: str, attempt_ids: Sequence[int],
                   source: str) -> int: ...

    def post_batch(self, kind: str, from_account: str, to_account: str, batch_id: int, status: str,
                   source: str) -> int: ...

    def postings(self) -> list[tuple]: ...

    def attempt_totals(self) -> list[tuple[str, str, int, Decimal]]: ...

    def cases_paid_twice(self) -> list[int]: ...


class Cases(Protocol):
    """Cases of cycles: single conditional updates and set-based bulk ones."""

    def insert_many(self, rows: list[NewCase]) -> list[int]: ...

    def get(self, case_id: int) -> Case | None: ...

    def many(self, case_ids: Iterable[int]) -> list[Case]:
        """The cases with these ids (any order; an id with no case is left out)."""
        ...

    def tellable(self, case_ids: Iterable[int]) -> list[Tellable]:
        """What telling needs of the cases with these ids (any order; an id with no case is left out)."""
        ...

    def runs_of(self, case_ids: Iterable[int]) -> dict[int, str]:
        """The decision run behind each of these cases (the snapshot its unit's contacts are read from), by id: a
        narrow read for half a million messages fanned out."""
        ...

    def find(self, cycle_id: int, uscc: str) -> Case | None: ...

    def chunks(self, cycle_id: int, states: Iterable[State] | None = None, batch_id: int | None = None,
               size: int = 50_000) -> Iterator[list[Case]]: ...

    def of_cycle(self, cycle_id: int, states: Iterable[State] | None = None,
                 batch_id: int | None = None, limit: int | None = None) -> Iterator[Case]: ...

    def payable(self, cycle_id: int, states: Iterable[State]) -> list[Payable]: ...

    def payable_chunks(self, cycle_id: int, states: Iterable[State],
                       size: int | None = 50_000) -> Iterator[list[Payable]]: ...

    def shared_units(self, cycle_id: int, others: Iterable[int]) -> list[tuple[int, Payable]]: ...

    def payable_runs(self, cycle_id: int, states: Iterable[State]) -> set[str]: ...

    def transition(self, case: Case, to: State, reason: str, **changes: Any) -> Case: ...

    def move_all(self, cycle_id: int, from_state: State, to_state: State, reason: str,
                 batch_id: int | None) -> list[Moved]: ...

    def move_planned(self, cycle_id: int, from_state: State, to_state: State, reason: str, batch_id: int,
                     planned_id: int, also: Iterable[int] = ()) -> list[Moved]:
        """Move the cycle's cases in `from_state` planned into `planned_id`, into none, or into one of `also`: they
        go on the list `batch_id` and join the planned batch."""
        ...

    def plan(self, cycle_id: int, groups: Iterable[tuple[int, list[int]]]) -> int:
        """Clear the cycle's cases' planned batch, then set it for each (planned batch, case ids); no state moves."""
        ...

    def planned_counts(self, cycle_id: int, states: Iterable[State]) -> dict[int | None, tuple[int, Decimal]]:
        """How many cases in these states, and what amount, per planned batch (None: planned into none)."""
        ...

    def apply(self, changes: Iterable[CaseChange]) -> int: ...

    def move_each(self, moves: Iterable[tuple[int, State, State]], reason: str) -> int: ...

    def count_by_state(self, cycle_id: int) -> dict[str, tuple[int, Decimal]]: ...

    def page(self, query: CaseQuery) -> list[Case]:
        """One page of the cases the query matches, in its order (ties by case number)."""
        ...

    def count(self, query: CaseQuery, limit: int | None = None) -> int:
        """How many cases the query matches (its page and order aside), counting no further than `limit`."""
        ...

    def ids(self, query: CaseQuery, limit: int) -> list[int]:
        """Numbers of the matching cases in number order, at most `limit`."""
        ...


class AuditLog(Protocol):
    """The append-only, hash-chained log of every change, keyed by a key held outside the database."""

    @property
    def key(self) -> bytes | None:
        """The chain's HMAC key (None: opened without keys, so it can read but not append)."""
        ...

    def append(self, drafts: Iterable[Draft]) -> int: ...

    def append_soon(self, drafts: Iterable[Draft]) -> Callable[[], int]: ...

    def head(self) -> tuple[int, str]: ...

    def state(self) -> Head:
        """The head row whole: where the chain ends, from which entry it is keyed, which chain it is."""
        ...

    def entries(self) -> Iterator[tuple]: ...

    def for_case(self, case_id: int) -> list[Entry]: ...

    def for_subject(self, subject: str) -> list[Entry]:
        """Every entry about one subject (callback:7), oldest first."""
        ...

    def since(self, seq: int, events: Sequence[str], limit: int) -> list[Entry]:
        """Entries after `seq` of these events, in sequence order, at most `limit` (what is left to tell people)."""
        ...


class AuditAnchors(Protocol):
    """Checkpoints of the audit chain outside the database (a file per day, WORM storage, another machine)."""

    def record(self, *, chain: str, seq: int, head_hash: str, keyed_from: int) -> None:
        """Keep the head a commit left, signed and linked to the checkpoint before (after the commit)."""
        ...

    def read(self) -> tuple[list[Anchor], list[Problem], int]:
        """Every genuine checkpoint in written order, the problems in the lines themselves, files read."""
        ...


class Keys(Protocol):
    """Secret keys held outside the databases (a key file or a key service): one key per purpose."""

    def key(self, purpose: str) -> bytes: ...


class Clock(Protocol):
    """Where the time of a unit of work comes from: the system clock, or (demos, simulations) a clock set back."""

    def now(self) -> dt.datetime:
        """Now, as naive UTC (how the store keeps its times)."""
        ...


class Sealer(Protocol):
    """Seals a secret on its way out (AES-GCM under a key outside the databases): only the key's holder opens it."""

    def seal(self, plain: str, context: str) -> str: ...

    def open(self, sealed: str, context: str) -> str: ...


class Channel(Protocol):
    """Carries messages out (SMS gateway, WeChat, an outbox file); returns how many it accepted."""

    def send(self, messages: Iterable[Mapping[str, Any]]) -> int: ...


class Sender(Protocol):
    """One channel's provider (an SMS gateway over HTTP, an SMTP server, WeChat's template-message API): hands a
    batch over and says, message by message, whether it was taken; never raises for one bad message."""

    channel: str

    def send(self, batch: Sequence[Delivery]) -> list[Handed]: ...


class Analytics(Protocol):
    """The analytical store: imported snapshots and the decision runs over them. Imports and evaluations write it;
    pages read back from it. While another process writes it a read raises AnalyticsBusy; a driver failure on a
    page's read raises AnalyticsUnreadable."""

    def snapshots(self) -> list[SnapshotInfo]:
        """Every imported snapshot, oldest import first."""
        ...

    def find_snapshot(self, snapshot_id: str) -> SnapshotInfo | None: ...

    def contribution_months(self, snapshot_id: str) -> tuple[str, str] | None:
        """The first and last contribution month ("YYYY-MM") the snapshot holds; None when it holds none or is not
        stored (what opening a cycle checks against the pack's base year)."""
        ...

    def check_snapshot(self, folder: Path, *, encoding: str | None, progress: Progress) -> CheckResult:
        """Read and validate every row of a snapshot folder (strictly) without storing or locking anything."""
        ...

    def import_snapshot(self, folder: Path, *, encoding: str | None, lenient: bool,
                        storable: Callable[[CheckResult], bool], progress: Progress) -> Imported:
        """Check the folder as `lenient` says, then store it whole, in one transaction, when `storable` accepts the
        check (good rows only, the rest quarantined, when lenient); a folder whose files were stored before is
        found by their hash before any row is read, and neither read nor stored again."""
        ...

    def evaluate(self, snapshot: SnapshotInfo, pack_id: str, as_of: dt.date, *, engine: str, keep: bool,
                 progress: Progress) -> Evaluated:
        """Decide every unit of the snapshot by the pack as of the date; `keep` stores the run (decisions,
        explanations, the parameter values used) for explanations and pages to read back."""
        ...

    def evaluate_folder(self, folder: Path, pack_id: str, as_of: dt.date, *, keep: bool,
                        progress: Progress) -> FolderEvaluated:
        """Spark reads a folder of Parquet files where it lies, checks them as the import does and, when nothing is
        wrong, decides every unit; `keep` registers the snapshot (its per-unit tables only) and stores the run."""
        ...

    def run(self, run_id: str) -> RunSummary | None:
        """A stored run's summary (snapshot, pack, date, counts); None when no such run is stored."""
        ...

    def simulate(self, run_id: str, changes: Sequence[Change], cap: Cap | None, *,
                 progress: Progress) -> Simulated:
        """The run's snapshot decided again, as of its date, by its pack with `changes` (a child built in memory),
        compared unit by unit with the stored decisions, `cap` applied; stores nothing. NotFound for an unknown run;
        SimulationRefused (before deciding any unit) for a change the programme does not read as given."""
        ...

    def keep_simulation(self, simulated: Simulated) -> str:
        """Store a simulation's aggregates (never a unit's row) apart from the runs; its new id."""
        ...

    def runs(self, limit: int = 100) -> list[RunSummary]:
        """The newest stored runs first (empty before any): what a simulation starts from."""
        ...

    def run_parameters(self, run_id: str) -> list[UsedValue]:
        """The parameter values a stored run read, with their references (empty for an unknown run)."""
        ...

    def simulations(self, limit: int = 100) -> list[Kept]:
        """The newest kept simulations first: their changes, who ran them and when, their budget."""
        ...

    def kept_simulation(self, sim_id: str) -> Kept | None:
        """One kept simulation; None when there is none."""
        ...

    def snapshot_accounts(self, run_ids: Iterable[str],
                          usccs: Sequence[str] | None = None) -> dict[str, SnapshotAccount]:
        """The bank account of each unit (of these units only, when given) as the snapshots behind these runs hold
        it (the newest run's snapshot wins for a unit in several); units without a whole account are left out."""
        ...

    def contacts(self, uscc: str, run_id: str) -> list[SnapshotContact]:
        """The people the unit named in the snapshot behind the run (DATA.md `contacts`), in file order; empty when
        the run, the unit or the file is not there. Personal data: a caller shows it masked."""
        ...

    def contacts_of(self, usccs: Sequence[str], run_id: str) -> dict[str, list[SnapshotContact]]:
        """`contacts` for many units at once (a step's messages to a whole cycle): units without any left out."""
        ...

    def unit_kinds(self, snapshot_id: str) -> dict[str, tuple[str | None, str | None]]:
        """Each unit's industry and unit type in the snapshot (what the dashboard breaks figures down by, kept on
        the case when a cycle opens); empty when the snapshot is not stored."""
        ...

    def industries(self, usccs: Sequence[str], run_id: str) -> dict[str, str]:
        """Each unit's industry in the snapshot behind the run (who confirms it in a joint review); units the
        snapshot does not hold, or holds without an industry, left out."""
        ...

    def decided(self, uscc: str, run_id: str | None = None) -> Decided | None:
        """The unit's decision in the run (default: the newest run that decided it) and the values the run used;
        None when no such decision is stored."""
        ...

    def redecide(self, uscc: str, run_id: str, supplied: Supplied) -> Decided | None:
        """The unit decided again, alone, by the same rules on the run's snapshot, pack and date, with `supplied`
        facts in place of the snapshot's (a row shaped as `decided`'s, and the values used); None when the run or
        the unit is not stored. Changes nothing."""
        ...

    def size_counts(self, run_id: str) -> list[SizeCount] | None:
        """The run's decisions counted per size class; None when the run's decisions are not stored. Does not wait
        for a writer's lock."""
        ...


class Banks(Protocol):
    """Bank files (ISO 20022 pain.001 / pain.002 / camt.054, or the CSV layout): each written or read after the
    official XSD (or the layout) checked it; a bad file is refused whole with a BankFileError naming its line."""

    def write_pain001(self, path: Path, *, batch_id: str, payments: Sequence[PaymentInstruction], debtor: Debtor,
                      created: dt.datetime, execution_date: dt.date, remittance: str, message: str) -> WrittenFile:
        """A batch's credit-transfer file (pain.001 version `message`), same inputs same bytes, written atomically."""
        ...

    def write_csv(self, path: Path, payments: Sequence[PaymentInstruction], remittance: str,
                  batch: str) -> WrittenFile:
        """A batch's file in the CSV layout, written atomically."""
        ...

    def message_of(self, path: Path) -> str:
        """Which kind of file it is ("CSV", or the ISO 20022 message it says it is), without reading it whole."""
        ...

    def read_answer(self, path: Path, *, account_no: str, bank_code: str) -> BankAnswer:
        """A bank's answer (pain.002, camt.054 on the fund's account `account_no` at `bank_code`, or CSV)."""
        ...

    def sha256_of(self, path: Path) -> str:
        """The fingerprint a file is recognised by when it comes again."""
        ...


class AttachmentFiles(Protocol):
    """Where attached files' bytes are kept, once per content, named by their SHA-256 (never by a file name)."""

    def put(self, data: bytes) -> str:
        """Keep the bytes (once: the same content again is not written twice); their SHA-256 in hex."""
        ...

    def get(self, sha256: str) -> bytes:
        """The bytes kept under the hash; NotFound for a hash not kept (or not a hash)."""
        ...


class UnitOfWork(Protocol):
    """One transaction: everything in it, audit entries included, commits together or not at all."""

    cases: Cases
    cycles: Cycles
    rounds: Rounds
    jobs: Jobs
    # the case process
    publicity_batches: PublicityBatches
    planned_batches: PlannedBatches
    objections: Objections
    applications: Applications
    application_attachments: ApplicationAttachments
    reverifications: Reverifications
    # people and contact
    users: Users
    sessions: Sessions
    activation_codes: ActivationCodes
    login_failures: LoginFailures
    lookup_codes: LookupCodes
    account_requests: AccountRequests
    callbacks: Callbacks
    offices: Offices
    reminders: Reminders
    notifications: Notifications
    deliveries: Deliveries
    calls: Calls
    specialists: Specialists
    department_reviews: DepartmentReviews
    figures: Figures
    audit: AuditLog
    payments: Payments
    # money records
    accounts: PaymentAccounts
    payment_batches: PaymentBatches
    bank_files: BankFiles
    payment_exceptions: PaymentExceptions
    recoveries: Recoveries

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...

    def now(self) -> dt.datetime: ...


class Store(Protocol):
    """The operational store: hands out units of work; its audit chain's checkpoints are kept by `anchors`."""

    anchors: AuditAnchors | None
    clock: Clock                        # where each unit of work takes its time; also what "today" is for people

    def transaction(self, patience: float | None = None) -> UnitOfWork:
        """A write; `patience`: the seconds it may wait for another writer (SQLite has one at a time), else StoreBusy
        (None: the store's own long wait). For writes that may be skipped, such as recording a session's activity."""
        ...

    def reading(self) -> UnitOfWork: ...

    def opener(self) -> Callable[[], Store]:
        """A picklable way for a worker process to open this same store."""
        ...

    def change_mark(self) -> int:
        """How many state changes the audit chain holds (what a kept web answer is valid for)."""
        ...

    def close(self) -> None:
        """Let go of its connections (a worker process's own store, at the end of its job)."""
        ...

    def settle(self, *tables: str) -> None:
        """After a bulk write has committed: the database's own bookkeeping of these tables (statistics) brought up
        to date, so the next reads are planned on the tables as they now are."""
        ...
