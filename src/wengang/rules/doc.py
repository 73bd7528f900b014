"""docs/rules.md written from the criterion registry and the shipped packs, so the page cannot drift from the engine:
`wengang rules doc` (or `python -m wengang.rules.doc PATH`) writes it, and a test compares it with the committed one."""

from __future__ import annotations

import datetime as dt
import sys
from importlib import resources
from pathlib import Path

from wengang.rules.criteria import CRITERIA, FLAG_WORDS, PERSON_CRITERIA, Criterion
from wengang.rules.doc_text import HEADER, PERSONS_TEXT, PROGRAMMES_TEXT, SEMANTICS
from wengang.rules.parameters import Dated, Pack, load_pack
from wengang.rules.plain import document
from wengang.rules.programmes import PROGRAMMES, programme_of
from wengang.rules.resolved import LOCAL_RATE, NONE, shown


def _codes(c: Criterion) -> str:
    codes = [f"`{r.code}`" if r.outcome == "fail" else f"{r.outcome}: `{r.code}`" for r in c.reasons]
    if c.flags:
        codes.append(f"`flag:<flag>` for each active flag of `{c.flags}`")
    return "; ".join(codes) or "—"


def criteria_table(criteria: tuple[Criterion, ...] = CRITERIA) -> str:
    rows = ["| criterion | label (numbers from the pack) | passes when | unknown when | reason codes | "
            "parameters read | policy |", "|---|---|---|---|---|---|---|"]
    for c in criteria:
        rows.append(f"| `{c.id}` {c.name[0]} / {c.name[1]} | {c.label[0]} / {c.label[1]} | {c.passes} | {c.unknown} | "
                    f"{_codes(c)} | {', '.join(f'`{p}`' for p in c.parameters)} | {c.policy} |")
    return "\n".join(rows)


def reasons_table() -> str:
    rows = ["| code | criterion | outcome | 中文 | English |", "|---|---|---|---|---|"]
    rows += [f"| `{r.code}` | `{c.id}` | {r.outcome} | {r.words[0]} | {r.words[1]} |"
             for c in (*CRITERIA, *PERSON_CRITERIA) for r in c.reasons]
    rows += [f"| `flag:{kind}` | `flags_exclude` or `flags_review`, as the pack lists it | fail or review | {zh} | {en} |"
             for kind, (zh, en) in FLAG_WORDS.items()]
    return "\n".join(rows)


def _days(pack: Pack, c: Criterion) -> list[dt.date]:
    """The first day of the pack's year and each later day in it on which a value the criterion reads changes."""
    first, last = dt.date(pack.base_year + 1, 1, 1), dt.date(pack.base_year + 1, 12, 31)
    starts = {d.start for p in c.parameters if p in pack.parameters for d in pack.parameters[p].values}
    return [first, *sorted(d for d in starts if first < d <= last)]


def _label(pack: Pack, c: Criterion, day: dt.date) -> str:
    values = {p: shown(pack.value(p, day).value) for p in c.parameters if p in pack.parameters}
    return " / ".join(c.words(values))


def _read(pack: Pack, c: Criterion, day: dt.date) -> list[Dated]:
    """The values the criterion reads on `day` that apply: no limit set to `none` (nor its comparison), and the local
    registered rate only where a limit is that rate."""
    values = {p: pack.value(p, day) for p in c.parameters if p in pack.parameters}
    unset = {p for p, v in values.items() if v.value == NONE}
    unset |= {p.replace("limit", "comparison") for p in unset}
    if LOCAL_RATE not in {v.value for v in values.values()}:
        unset.add("local_registered_unemployment_rate")
    return [v for p, v in values.items() if p not in unset]


def programmes_table() -> str:
    rows = ["| programme | criteria, in order | amount | policy |", "|---|---|---|---|"]
    rows += [f"| `{p.id}` {p.name[0]} / {p.name[1]} | {', '.join(f'`{c}`' for c in p.criteria)} | "
             f"{p.formula[0]} / {p.formula[1]} | {p.policy} |" for p in PROGRAMMES.values()]
    return "\n".join(rows)


def pack_section(pack: Pack) -> str:
    programme = programme_of(pack)
    rows = [f"### `{pack.id}` — {pack.title} / {pack.title_en}", "",
            f"Programme `{programme.id}` ({programme.name[0]} / {programme.name[1]}).", "",
            "| criterion | label | documents |", "|---|---|---|"]
    used = [*(c for c in CRITERIA if programme.uses(c.id)),
            *(c for c in PERSON_CRITERIA if c.id in programme.persons   # a hire test the pack sets nothing for:
              and (not c.parameters or any(p in pack.parameters for p in c.parameters)))]   # not its (youth in 2022)
    for c in used:
        shown_labels: list[str] = []
        for day in _days(pack, c):
            text = _label(pack, c, day)
            if not shown_labels or not shown_labels[-1].endswith(text):
                shown_labels.append(text if not shown_labels else f"自 / from {day:%Y-%m-%d}: {text}")
        regional = sorted({r for p in c.parameters if p in pack.parameters for r in pack.parameters[p].regions})
        if regional:
            shown_labels.append(f"(地区另定 / set by region: {', '.join(regional)})")
        found = [v for day in _days(pack, c) for v in _read(pack, c, day)]
        docs = dict.fromkeys((*c.documents, *(d for d in (document(f.reference) for f in found) if d)))
        kind = " (每人 / per hire)" if c in PERSON_CRITERIA else ""
        rows.append(f"| `{c.id}`{kind} | {'<br>'.join(shown_labels)} | {'; '.join(docs) or '—'} |")
    return "\n".join(rows)


def shipped_packs() -> list[str]:
    """The packs that ship with the code (not those a WENGANG_POLICY_PATH adds)."""
    root = Path(str(resources.files("wengang.policy")))
    return sorted(p.name for p in root.iterdir() if (p / "pack.yaml").is_file())


def rules_markdown() -> str:
    """The whole of docs/rules.md."""
    packs = "\n\n".join(pack_section(load_pack(p)) for p in shipped_packs())
    return (f"{HEADER}\n\n## The programmes\n\n{programmes_table()}\n\n{PROGRAMMES_TEXT}\n\n"
            f"## The criteria\n\n{criteria_table()}\n\n{SEMANTICS}\n\n## Criteria of one hire\n\n{PERSONS_TEXT}\n\n"
            f"{criteria_table(PERSON_CRITERIA)}\n\n## Reason codes\n\n{reasons_table()}"
            f"\n\n## Each pack's criteria, with its numbers\nRead on 1 January of the pack's year and on each later day "
            f"of that year when a value changes; regional values are in the pack.\n\n{packs}\n")


def write(path: Path) -> bool:
    """Write the page; True when it changed."""
    text = rules_markdown()
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules.md"))
