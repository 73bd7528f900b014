"""The prose of docs/rules.md around the registry's tables (rules/doc.py): how a decision, the layoff rate, the size
class and the amount are worked out, and where the engine reads its inputs. No number of a pack is written here."""

HEADER = """# How the rules engine decides (exact semantics)

This is what `wengang evaluate` does for every unit of a snapshot, with the pack's parameters read on the
evaluation date (`--as-of`, called *D*). *B* is the pack's base year (pack year − 1). Every comparison is
exact (integers, cross-multiplied); money is integer fen; nothing goes through a float."""

PROGRAMMES_TEXT = """A pack names its programme (`programme:`; none named: `ui-return`). A programme decides its cases by
its own criteria of the registry, in order; a criterion it does not use is stored as NULL (not applicable) and
shown nowhere. Its amount is its own formula; `decisions.csv` names the programme in a `programme` column.

The difficult-enterprise return (`difficult-return`, POLICIES.md §2): the general return's conditions (scope,
months paid in full, arrears, the layoff test, exclusions) plus a `difficulty_certified` flag active on *D*
and the region's precondition — its UI fund reserve covers at least `fund_reserve_min_months` months
(`fund_reserve_months` for the unit's region, longest division-code prefix). The pack sets exactly one of:
- `benefit_months`: amount = `benefit_months` × the region's `monthly_benefit` (yuan, in fen) × *headcount*;
- `premium_months`: amount = `premium_share` × Σ (unit_due + person_due) over the `premium_months` months that end
  with the month before *D*, rounded half up to the fen; a missing one of those months leaves it unknown.
*headcount* = `insured` of the month before *D* (missing: unknown, the unit is routed to review). A region that
has not supplied its reserve (or, for the benefit formula, its monthly benefit) routes its units to review with
`region_values_missing`; one whose reserve is below the minimum cannot run the programme (`fund_reserve_short`).
The size class is not a criterion of this programme."""

SEMANTICS = """Decision: any criterion **failed** → `ineligible` (amount `0.00`); else any criterion **unknown** or
**routed** → `review`; else `eligible`. `reasons` lists every criterion that failed, is unknown or routed.
A flag is active on *D* when `listed_on ≤ D` and (`removed_on` empty or `removed_on > D`).

## Layoff rate
- *opening* = insured of (B−1)-12; if that month is missing, insured of B-01; if both missing: unknown.
- *closing* = insured of B-12 (missing: unknown).
- *natural* = separations dated in year B whose reason is in `natural_attrition` (Beijing: retirement,
  death); if the snapshot has **no separations file**, natural attrition is unknown — then the
  `net_reduction` numerator is still known (0) when opening ≤ closing.
- `net_reduction` numerator = max(0, opening − closing − natural).
- `benefit_recipients` numerator = distinct persons of `ui_claims` with `started_on` in year B, `kind` in
  `claim_kinds` (no ui_claims file: unknown).
- average insured = Σ insured over the months of year B present ÷ their number; none present: unknown.
- `net_reduction` / `benefit_recipients`: rate = numerator ÷ average; the unit is *small* when average ≤
  `small_unit_max_insured`.
- `either` (Zhejiang): both numerators over the *opening* insured; passes when either passes, fails when
  both fail, else unknown; small when opening ≤ `small_unit_max_insured`. The reported rate is the lower known one.
- Limit: small units use `small_unit_limit` (with `small_unit_comparison`) unless it is `none`; other
  units use `layoff_limit`/`layoff_comparison`, except that where `layoff_limit_large` is set (cn-2020),
  large units use it; with an unknown size class both must agree, else unknown. A limit of
  `local_registered_rate` reads `local_registered_unemployment_rate` for the unit's region (longest
  division-code prefix configured, else the national value). `<=` is 不高于, `<` is 低于.
- `layoff_rate` in the output: six decimals, rounded half up; empty when the criterion is unknown.

## Size class and amount
- The agency's `size_class` wins. Otherwise 工信部联企业〔2011〕300号 by industry; units of type
  individual_business, social_group, foundation, social_service_org, law_firm and accounting_firm use the
  staff-only `other` row. Staff = `employees`, else the average insured of year B. A missing revenue or assets
  that the industry's row needs (or no staff figure) makes the class unknown. Floors are "at least".
- base = Σ over months of year B of (unit_paid + person_paid) (back payments are a separate column and never
  counted). ratio = `ratio_large` for large units, `ratio_sme` for medium, small and micro, read on *D* for
  the unit's region. amount = base × ratio, rounded half up to the fen; `0.00` when ineligible or when the
  ratio is unknown.

## Where the contribution measures are read from
Aggregating the 11 M monthly rows of a 500,000-unit city on every evaluation cost about a second, so the
import stores, once per snapshot, one row per unit and year with contributions (`contribution_years`,
`snapshot/facts.py`): the year's Σ insured, number of months with an insured figure, Σ (unit_paid +
person_paid) in fen, the January and December headcounts, and for each month MM of the year `full_MM` (months
paid in full) and `arrears_MM` (arrears in fen), both counted from the unit's first month up to MM of that
year. An evaluation for base year *B* and date *D* reads:
- the base-year measures from the unit's row for *B*, the opening headcount (B−1)-12 from its row for B−1;
- months paid in full and arrears from its latest row on or before the year of *D*: `full_MM`/`arrears_MM` of
  *D*'s month when that row is *D*'s year, its `_12` values when it is an earlier year (they only grow, so
  this is a `max`). No row on or before *D*: 0.

These are the numbers the monthly rows give, for every *B* and *D* (tested against the monthly aggregation
on a generated city and on random months with gaps). A snapshot imported before the table existed gets it on
its first evaluation; without it (a read-only store, or a repeated unit and month, which an import never
stores) the engine aggregates the monthly rows as before. Spark receives the table in its Parquet export.

## What a stored run keeps
`decisions` holds, per run and unit, the decision, the amount and every value and outcome a criterion read;
the employer's own columns (name, type, industry, region, staff, revenue, assets, dispatch) are read back from
the run's snapshot when an explanation is shown, and the few-word columns (criterion outcomes, size and
opening sources, limit kind) are stored as DuckDB ENUMs."""

PERSONS_TEXT = """A programme that pays per person (`job-expansion`, 一次性扩岗补助) decides every row of `hires` by the
criteria below, in one expression with the units' (`rules/persons.py`, DuckDB and Spark alike); each hire gets
a decision (`eligible`, `review` where a criterion is unknown, `ineligible`), `per_person` (for the unit's
region) when eligible, and its reasons. Dates are compared as integers yyyymmdd, so "from the 16th birthday"
and "out from the 25th" (or the second anniversary of graduating) are a difference of 160000 or 250000; a
29 February birthday falls on 1 March in other years. Once a person a year: of the person's hires that fail no
other criterion (pending ones included), the earliest `hired_on` wins, on the same day the lowest `uscc`, then
the most `insured_months` (hires tied on all three are one person hired twice by one unit on one day: one of
them counts, and their rows read alike); every other such hire fails `once_per_person` (`claimed_elsewhere`), a second hire
by the same unit too. The unit's `eligible_hires` passes with at least one eligible hire and none pending; its
amount is the sum over its eligible hires (stored `headcount` = their number); `wengang evaluate --persons
persons.csv` writes the hires with `person_id` masked. A snapshot without a `hires` file fails `hires_file` for
every unit. Not checked, for the data has no field for it: the one-off hiring subsidy (一次性吸纳就业补贴) for the
same person, and whether a graduate within two years of leaving school was unemployed."""
