"""The domain's hot functions as first written, kept as the spec their fast paths must match output for output."""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from hashlib import sha256
from json.encoder import encode_basestring as _quote

from wengang.domain.audit import Entry
from wengang.domain.identifiers import USCC_ALPHABET, USCC_WEIGHTS
from wengang.domain.payments import FINAL, NEXT, PaymentStatus
from wengang.domain.reconciliation import Discrepancy, Issue, Reconciliation, Update

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999999999.99")
MAX_CASE_ID = 10**18 - 1
MAX_ATTEMPT = 999
_E2E = re.compile(r"^WG-([1-9]\d{0,17})-([1-9]\d{0,2})-([0-9A-Z])$")
_BANK_CODE = re.compile(r"^\d{12}$")
_ACCOUNT_NO = re.compile(r"^[0-9A-Za-z-]{6,34}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ufffe\uffff]")
_WEIGHTS = tuple(pow(3, i, 31) for i in range(1, 22))


def uscc_check_char(first17):
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(code):
    if len(code) != 18:
        return f"统一社会信用代码应为18位 / credit code must have 18 characters, has {len(code)}"
    bad = [c for c in code if c not in USCC_ALPHABET]
    if bad:
        return f"含非法字符 / character {bad[0]!r} is not allowed in a credit code"
    if uscc_check_char(code[:17]) != code[17]:
        return f"校验码错误 / check digit should be {uscc_check_char(code[:17])!r}, not {code[17]!r}"
    return None


def money(value):
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"金额必须是 Decimal / money must be a Decimal, int or str, not {type(value).__name__}")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"金额无效 / not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"金额无效 / not an amount: {value!r}")
    if abs(amount) > MAX_AMOUNT:
        raise ValueError(f"金额过大 / amount {value} exceeds {MAX_AMOUNT}")
    if amount != amount.quantize(CENT):
        raise ValueError(f"金额最多两位小数 / amount {value} has more than two decimals (fen)")
    return amount.quantize(CENT)


def positive_money(value):
    amount = money(value)
    if amount <= 0:
        raise ValueError(f"金额必须大于零 / amount must be more than zero, is {amount}")
    return amount


def check_char(case_id, attempt):
    digits = f"{case_id}{attempt:03d}"[::-1]
    return USCC_ALPHABET[sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=False)) % 31]


def end_to_end_id(case_id, attempt):
    if isinstance(case_id, bool) or not isinstance(case_id, int) or not 1 <= case_id <= MAX_CASE_ID:
        raise ValueError(f"案件号无效 / case id must be an integer 1…{MAX_CASE_ID}, is {case_id!r}")
    if isinstance(attempt, bool) or not isinstance(attempt, int) or not 1 <= attempt <= MAX_ATTEMPT:
        raise ValueError(f"支付次数无效 / attempt must be an integer 1…{MAX_ATTEMPT}, is {attempt!r}")
    return f"WG-{case_id}-{attempt}-{check_char(case_id, attempt)}"


def parse_end_to_end_id(value):
    m = _E2E.match(value)
    if not m:
        raise ValueError(f"不是本系统的端到端编号 / not a wengang end-to-end id: {value!r}")
    case_id, attempt = int(m[1]), int(m[2])
    if check_char(case_id, attempt) != m[3]:
        raise ValueError(f"端到端编号校验位错误 / end-to-end id {value!r} fails its check character")
    return case_id, attempt


def plain_text(what, value, limit):
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} 不能为空 / {what} must not be blank")
    if _CONTROL.search(value):
        raise ValueError(f"{what} 含控制字符 / {what} contains a control character")
    if len(value) > limit:
        raise ValueError(f"{what} 超过 {limit} 字 / {what} is longer than {limit} characters")
    return value


@dataclass(frozen=True, slots=True)
class PaymentInstruction:
    case_id: int
    attempt: int
    uscc: str
    unit_name: str
    bank_code: str
    account_no: str
    account_name: str
    amount: Decimal
    end_to_end_id: str = field(init=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "amount", positive_money(self.amount))
        object.__setattr__(self, "end_to_end_id", end_to_end_id(self.case_id, self.attempt))
        problem = uscc_problem(self.uscc) if isinstance(self.uscc, str) else "credit code must be text"
        if problem:
            raise ValueError(f"案件 {self.case_id}: {problem}")
        if not isinstance(self.bank_code, str) or not _BANK_CODE.match(self.bank_code):
            raise ValueError(f"行号应为12位数字 / bank code must be the 12-digit CNAPS code, is {self.bank_code!r}")
        if not isinstance(self.account_no, str) or not _ACCOUNT_NO.match(self.account_no):
            raise ValueError("账号应为6–34位数字或字母 / account number must be 6–34 letters or digits")
        for what, name in (("单位名称 / unit name", self.unit_name), ("户名 / account name", self.account_name)):
            problem = name_problem(name)
            if problem:
                raise ValueError(f"{what}: {problem}")


_NAME_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def name_problem(value, limit=140):
    if not isinstance(value, str) or not value.strip():
        return "名称不能为空 / the name must not be blank"
    found = _NAME_CONTROL.search(value)
    if found:
        return (f"名称第 {found.start() + 1} 个字符是控制字符 {found.group()!r}, 银行文件和公示名单只接受可打印文字 / "
                f"character {found.start() + 1} of the name is the control character {found.group()!r}: bank files "
                "and publicity lists take printable text only")
    if len(value) > limit:
        return (f"名称 {len(value)} 字, 银行文件和公示名单最多 {limit} 字 / the name has {len(value)} characters: "
                f"bank files and publicity lists take at most {limit}")
    if value[0] in ("=", "+", "-", "@"):
        return (f"名称不能以 {value[0]!r} 开头, 电子表格会把它当公式执行 / the name may not start with {value[0]!r}: "
                "a spreadsheet would run it as a formula and the CSV bank layout refuses it")
    return None


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical(value):
    if type(value) is dict:
        try:
            return "{" + ",".join([_quote(k) + ":" + _quote(v) for k, v in sorted(value.items())]) + "}"
        except TypeError:
            pass
    return _ENCODER.encode(value)


_REPEATED: dict = {None: "null"}


def _q(value):
    quoted = _REPEATED.get(value)
    if quoted is None:
        if len(_REPEATED) > 4096:
            _REPEATED.clear()
            _REPEATED[None] = "null"
        quoted = _REPEATED[value] = _quote(value)
    return quoted


def entry_hash(seq, at, actor, event, subject, case_id, from_state, to_state, reason, data, prev_hash, key=None):
    body = (f'{{"actor":{_q(actor)},"at":{_q(at)},"case":{"null" if case_id is None else int(case_id)},'
            f'"data":{data},"event":{_q(event)},"from":{_q(from_state)},"prev":{_quote(prev_hash)},'
            f'"reason":{_q(reason)},"seq":{seq:d},"subject":{_quote(subject)},"to":{_q(to_state)}}}')
    if key is None:
        return sha256(body.encode("utf-8")).hexdigest()
    return hmac.new(key, body.encode("utf-8"), sha256).hexdigest()


def chain(drafts, *, after_seq, after_hash, at, key):
    seq, prev = after_seq, after_hash
    for d in drafts:
        seq += 1
        data = canonical(d.data or {})
        digest = entry_hash(seq, at, d.actor, d.event, d.subject, d.case_id, d.from_state, d.to_state,
                            d.reason, data, prev, key)
        yield Entry(seq, at, d.actor, d.event, d.subject, d.case_id, d.from_state, d.to_state, d.reason,
                    data, prev, digest)
        prev = digest


def reconcile(expected, records):
    out = Reconciliation()
    current: dict = {}
    seen: set = set()

    def refuse(rec, issue, detail):
        out.discrepancies.append(Discrepancy(rec.end_to_end_id, issue, detail, rec))

    for rec in records:
        e2e = rec.end_to_end_id
        want = expected.get(e2e)
        if want is None:
            refuse(rec, Issue.UNKNOWN_ID, "银行回执中的编号不是本系统签发的 / the bank reports an id we never issued")
            continue
        if want.refusal is not None:
            refuse(rec, *want.refusal)
            continue
        if rec.batch is not None and rec.batch != want.batch:
            refuse(rec, Issue.WRONG_BATCH, f"回执称答复批次 {rec.batch}, 该笔支付在批次 {want.batch} / the answer says "
                                           f"it answers batch {rec.batch}; the payment was sent in batch {want.batch}")
            continue
        if rec.amount is not None and rec.amount != want.amount:
            refuse(rec, Issue.AMOUNT_MISMATCH, f"金额不符 / bank says {rec.amount}, we sent {want.amount}")
            continue
        key = (e2e, rec.status)
        if key in seen:
            refuse(rec, Issue.DUPLICATE, f"同一文件重复 / {rec.status} reported twice in this file")
            continue
        seen.add(key)
        now = current.get(e2e) or want.status
        if type(now) is not PaymentStatus:
            now = PaymentStatus(now)
        if rec.status is PaymentStatus.PENDING:
            out.acknowledged += 1
            continue
        if now in FINAL:
            refuse(rec, Issue.ALREADY_FINAL, f"已是终态 / already {now}; bank now says {rec.status}")
        elif now == rec.status:
            out.confirmed += 1
        elif rec.status not in NEXT[now]:
            refuse(rec, Issue.ILLEGAL, f"不允许 / {now} → {rec.status} is not a legal change")
        else:
            current[e2e] = rec.status
            out.updates.append(Update(e2e, now, rec.status, want.amount, rec.reason, rec.booking_date,
                                      rec.source))
    return out


def outcome(fn, *args, **kwargs):
    """What a call gave, comparable across versions: the repr of its result, or its exception's type and text."""
    try:
        return "ok", repr(fn(*args, **kwargs))
    except Exception as exc:   # whatever it was: the point is to compare it
        return "raised", type(exc), str(exc)


def same(new, old, *args):
    """The fast and the plain version of a function answer `args` alike."""
    assert outcome(new, *args) == outcome(old, *args)
