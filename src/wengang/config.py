"""Settings read from the environment (prefix WENGANG_); nothing connects at import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from wengang.domain.payment_batches import ApprovalBand, check_bands

# Today's rule as bands: one approver besides the preparer up to 5,000,000.00 yuan, a second above it. A city sets its
# own table in WENGANG_APPROVAL_BANDS (JSON: [{"up_to": "1000000.00", "approvers": 1, "reference": "…"}, …,
# {"up_to": null, "approvers": 3, "reference": "…"}]); each value names the rule it comes from.
INTERNAL_CONTROL = ("《行政事业单位内部控制规范(试行)》(财会〔2012〕21号) 第十二条 (不相容岗位相互分离、内部授权审批控制); "
                    "金额档次为经办机构支付授权审批规程所定 / separation of duties and authorised approval; the "
                    "amounts are the agency's own payment authorisation rule")
DEFAULT_BANDS = [
    ApprovalBand(Decimal("5000000.00"), 1, INTERNAL_CONTROL + " — 单笔批次 500 万元及以下一人审批 / one approver up to "
                 "5,000,000.00 yuan"),
    ApprovalBand(None, 2, INTERNAL_CONTROL + " — 500 万元以上须两名审批人 (集体审批) / two approvers above it"),
]
# Days a unit has after its payment failed to correct its account before the money is recovered to the fund.
RECOVERY_DAYS = 30
# The agency's own service promise (administrative, not policy): a review done within REVIEW_DAYS calendar days of
# the application; a unit in review asked to apply within APPLY_DAYS of the day its case entered review.
REVIEW_DAYS = 10
APPLY_DAYS = 15
RECOVERY_REFERENCE = ("经办机构支付失败处理规程: 支付失败后告知单位更正账户, 逾期未更正的资金收回基金 / the agency's rule on "
                      "failed payments: the unit is told to correct its account; unpaid money is recovered after "
                      "the period")


class Settings(BaseSettings):
    """Where the embedded stores live and which operational database to use."""

    model_config = SettingsConfigDict(env_prefix="WENGANG_")

    data_dir: Path = Path("var")
    database_url: str | None = None
    # The fund's own account, which every payment file debits (the agency's, per city).
    fund_account_no: str = "0200049009024618888"
    fund_bank_code: str = "102100004905"
    fund_name: str = "北京市社会保险基金管理中心"
    # How many distinct approvers (besides the preparer) a batch needs, by its total: the first band whose up_to
    # (inclusive, yuan) the total does not exceed; the last band is open (up_to null). At most three approvers.
    approval_bands: list[ApprovalBand] = DEFAULT_BANDS
    # Calendar days after a payment failed (the bank's answer) before its money is recovered, unless the unit
    # corrected its account and the payment was re-issued; shown on the failed-payments worklist.
    recovery_days: int = RECOVERY_DAYS
    recovery_reference: str = RECOVERY_REFERENCE
    # The public site's address as messages link to it (a list, the unit's case, its application form).
    public_url: str = "http://127.0.0.1:8000"
    # Banks (first three digits of the CNAPS code) that take another format than pain.001.001.09.
    bank_formats: dict[str, str] = {"103": "pain.001.001.03", "313": "csv"}
    # The master key (32 bytes, mode 0600) of the audit chain's HMAC and of sealed secrets: outside the databases.
    key_file: Path | None = None
    # Where checkpoints of the audit chain are appended, a file per day: production mounts storage here that the
    # database administrator cannot write (another machine, WORM). One folder per database.
    audit_anchor_dir: Path | None = None
    # For demos and simulations only, never in production: the instant (ISO, e.g. 2021-07-01T09:00:00+08:00) the
    # clock of every unit of work starts at, running on from there; a time without a zone is read as UTC.
    clock_start: dt.datetime | None = None
    # The font with Chinese characters embedded in printed notices (PDF); unset: the first of documents.pdf.FONT_PLACES
    # this machine has (Debian: fonts-wqy-microhei).
    cjk_font: Path | None = None
    # Attachments to an application (issue 15): the largest file taken (bytes) and how many files one application
    # may carry. Administrative settings of the agency, not policy.
    attachment_max_bytes: int = 5 * 1024 * 1024
    attachment_max_count: int = 5
    # Administrative settings of the agency (its own service promise, not a policy clause): calendar days, counted
    # from the day an application is filed, within which the review is to be done (shown to the unit as "审核预计于
    # … 前完成"), and days, counted from the day a case entered review, within which the unit is asked to apply.
    review_days: int = REVIEW_DAYS
    apply_days: int = APPLY_DAYS
    remind_days: int = 3          # a unit is reminded once when a step of its own is due within this many days
    # The channels a unit is told through (issue 16). A channel whose provider is not set up hands its messages to
    # the outbox file's gateway instead. Secrets come from the environment and are never written anywhere.
    sms_url: str | None = None                              # the SMS gateway's API (an operator, or the simulator)
    sms_access_key_id: str = "wengang"
    sms_access_key_secret: SecretStr = SecretStr("")
    sms_sign_name: str = "稳岗返还"                          # the signature registered with the operator
    sms_callback_secret: SecretStr = SecretStr("")          # what the gateway signs its delivery receipts with
    sms_rate: float | None = None                           # at most this many texts a second (None: the gateway's)
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "noreply@wengang.local"
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr = SecretStr("")
    wechat_api_url: str = "https://api.weixin.qq.com"
    wechat_appid: str | None = None
    wechat_secret: SecretStr = SecretStr("")
    wechat_token: SecretStr = SecretStr("")                 # the server token WeChat signs its pushed events with

    @field_validator("approval_bands")
    @classmethod
    def _usable_bands(cls, bands: list[ApprovalBand]) -> list[ApprovalBand]:
        check_bands(bands)                          # ValueError names what is wrong with the table
        return bands

    @property
    def analytics_path(self) -> Path:
        """The DuckDB file holding imported snapshots and decision runs."""
        return self.data_dir / "analytics.duckdb"

    @property
    def attachments_path(self) -> Path:
        """Where attached files are kept, once each, by their SHA-256."""
        return self.data_dir / "attachments"

    @property
    def outbox_path(self) -> Path:
        """Where the outbox channel hands notifications over (an SMS or WeChat gateway reads it)."""
        return self.data_dir / "outbox" / "notifications.jsonl"

    @property
    def deliveries_path(self) -> Path:
        """Where each step's message to each contact is handed over when no provider is set up (a gateway reads it)."""
        return self.data_dir / "outbox" / "deliveries.jsonl"

    @property
    def key_path(self) -> Path:
        """The master key file: WENGANG_KEY_FILE, or keys/master.key beside the embedded stores."""
        return self.key_file or self.data_dir / "keys" / "master.key"

    @property
    def audit_anchor_path(self) -> Path:
        """WENGANG_AUDIT_ANCHOR_DIR, or by default one folder per database: audit-anchors/ beside the embedded
        store, `<name>-audit-anchors/` beside another SQLite file, audit-anchors/<database>/ for PostgreSQL."""
        if self.audit_anchor_dir is not None:
            return self.audit_anchor_dir
        if self.database_url is None:
            return self.data_dir / "audit-anchors"
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            path = Path(url.database)
            return path.with_name(f"{path.stem}-audit-anchors")
        return self.data_dir / "audit-anchors" / f"{url.host or 'local'}-{url.database or 'default'}"

    @property
    def operational_url(self) -> str:
        """SQLite file by default; PostgreSQL when WENGANG_DATABASE_URL is set."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'wengang.sqlite').resolve()}"


def load_settings() -> Settings:
    """A fresh read of the environment, so tests can point the stores elsewhere."""
    return Settings()
