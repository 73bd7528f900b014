"""The snapshot files and columns of DATA.md, as data the validator, the store and the generator share."""

from __future__ import annotations

from dataclasses import dataclass, field

UNIT_TYPES = (
    "enterprise", "individual_business", "social_group", "foundation", "social_service_org",
    "law_firm", "accounting_firm", "public_institution", "other",
)
INDUSTRIES = (
    "agriculture", "industry", "construction", "wholesale", "retail", "transport", "warehousing",
    "postal", "accommodation", "catering", "information_transmission", "software_it",
    "real_estate_development", "property_management", "leasing_business_services", "other",
)
SIZE_CLASSES = ("large", "medium", "small", "micro")
SEPARATION_REASONS = (
    "retirement", "death", "contract_expiry", "dismissal", "resignation", "transfer", "other",
)
CLAIM_KINDS = ("monthly", "one_off")
FLAG_SOURCES = ("market_supervision", "credit", "court", "tax", "ecology", "hrss", "other")
FLAGS = (
    "deregistered", "revoked", "liquidation", "abnormal_operations", "serious_dishonesty",
    "dishonest_debtor", "wage_arrears_blacklist", "zombie", "failed_commitment",
    "refused_verification", "difficulty_certified", "epidemic_risk_area", "other",
)
CONTACT_ROLES = ("legal_representative", "hr_specialist", "finance", "other")
YOUTH_CATEGORIES = ("graduate", "unemployed_youth")   # 普通高校毕业生, 登记失业16–24岁青年
INSURANCES = ("pension", "unemployment", "injury")    # the unit shares contribution relief changes
TRUE_WORDS = ("true", "1", "是")
FALSE_WORDS = ("false", "0", "否")


@dataclass(frozen=True)
class Column:
    """One column: its kind decides how the text is checked and what type it is stored as."""

    name: str
    kind: str  # uscc, name, text, enum, region, date, month, int, money, bool, person_id, bank_code, account,
    #            mobile, email, openid
    required: bool = True
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileSpec:
    """One snapshot file: its columns, whether it must be there, and which columns form its key."""

    name: str
    columns: tuple[Column, ...]
    required: bool
    key: tuple[str, ...] = ()         # DATA.md's keys: a key repeated with other values is a fault
    references_employers: bool = True
    row_rules: tuple[str, ...] = field(default=())
    repeats_kept_once: bool = False   # a row repeated exactly is one fact stated twice: kept once, with a warning

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


EMPLOYERS = FileSpec(
    "employers",
    (
        Column("uscc", "uscc"),
        Column("name", "name"),
        Column("unit_type", "enum", choices=UNIT_TYPES),
        Column("industry", "enum", choices=INDUSTRIES),
        Column("region", "region"),
        Column("registered_on", "date"),
        Column("employees", "int", required=False),
        Column("revenue", "money", required=False),
        Column("assets", "money", required=False),
        Column("size_class", "enum", required=False, choices=SIZE_CLASSES),
        Column("labor_dispatch", "bool", required=False),
        Column("bank_code", "bank_code", required=False),
        Column("account_no", "account", required=False),
        Column("account_name", "name", required=False),
    ),
    required=True,
    key=("uscc",),
    references_employers=False,
)
CONTRIBUTIONS = FileSpec(
    "contributions",
    (
        Column("uscc", "uscc"),
        Column("month", "month"),
        Column("insured", "int"),
        Column("unit_due", "money"),
        Column("unit_paid", "money"),
        Column("person_due", "money"),
        Column("person_paid", "money"),
        Column("back_paid", "money", required=False),
    ),
    required=True,
    key=("uscc", "month"),
)
SEPARATIONS = FileSpec(
    "separations",
    (
        Column("uscc", "uscc"),
        Column("person_id", "person_id"),
        Column("date", "date"),
        Column("reason", "enum", choices=SEPARATION_REASONS),
    ),
    required=False,
    repeats_kept_once=True,      # DATA.md defines no key: a row repeated exactly is one fact
)
UI_CLAIMS = FileSpec(
    "ui_claims",
    (
        Column("uscc", "uscc"),
        Column("person_id", "person_id"),
        Column("started_on", "date"),
        Column("kind", "enum", choices=CLAIM_KINDS),
    ),
    required=False,
    repeats_kept_once=True,
)
FLAGS_FILE = FileSpec(
    "flags",
    (
        Column("uscc", "uscc"),
        Column("source", "enum", choices=FLAG_SOURCES),
        Column("flag", "enum", choices=FLAGS),
        Column("listed_on", "date"),
        Column("removed_on", "date", required=False),
    ),
    required=False,
    row_rules=("removed_after_listed",),
    repeats_kept_once=True,
)

CONTACTS = FileSpec(
    "contacts",
    (
        Column("uscc", "uscc"),
        Column("role", "enum", choices=CONTACT_ROLES),
        Column("name", "name"),
        Column("phone", "mobile"),
        Column("email", "email", required=False),
        Column("wechat_openid", "openid", required=False),
        Column("sms_opt_out", "bool", required=False),
    ),
    required=False,
    repeats_kept_once=True,      # no key: a unit may name several people, even two with one phone
)
PERSONAL_KINDS = ("mobile", "email", "openid")   # a fault shows these masked: the report is a file people open

HIRES = FileSpec(
    "hires",
    (
        Column("uscc", "uscc"),
        Column("person_id", "person_id"),
        Column("hired_on", "date"),
        Column("category", "enum", choices=YOUTH_CATEGORIES),
        Column("graduated_on", "date", required=False),   # required for a graduate: a row rule
        Column("birth_date", "date", required=False),     # else read from an 18-character ID number
        Column("contract_signed", "bool"),
        Column("insured_months", "int"),
    ),
    required=False,
    row_rules=("graduate_has_graduated_on",),
    repeats_kept_once=True,      # no key: a person may be hired by two units, or twice by one
)
INTERNS = FileSpec(
    "interns",
    (
        Column("uscc", "uscc"),                      # the internship base
        Column("person_id", "person_id"),
        Column("started_on", "date"),
        Column("ended_on", "date", required=False),  # empty: still an intern
        Column("birth_date", "date", required=False),
        Column("category", "enum", choices=YOUTH_CATEGORIES),
    ),
    required=False,
    row_rules=("ended_after_started",),
    repeats_kept_once=True,
)
DUES = FileSpec(
    "dues",
    (
        Column("uscc", "uscc"),
        Column("month", "month"),
        Column("insurance", "enum", choices=INSURANCES),
        Column("unit_due", "money"),
    ),
    required=False,
    key=("uscc", "month", "insurance"),
)

FILES: tuple[FileSpec, ...] = (EMPLOYERS, CONTRIBUTIONS, SEPARATIONS, UI_CLAIMS, FLAGS_FILE, CONTACTS, HIRES, INTERNS,
                               DUES)
FILES_BY_NAME = {f.name: f for f in FILES}
