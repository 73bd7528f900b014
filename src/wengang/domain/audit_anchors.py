"""Checkpoints of the audit chain kept outside the database: one signed line per commit, each linked to the last.

A line names the chain, the head (seq, hash) a commit left and the entry the chain is keyed from, with the HMAC of
the previous line and its own HMAC under a key the database never sees. Whoever edits a line cannot sign it again;
whoever deletes lines or a file breaks the link of the line after; whoever rewrites or cuts the database finds the
anchored heads still naming what was there."""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable, Mapping
from hashlib import sha256
from typing import NamedTuple

from wengang.domain.audit import GENESIS, Problem

LINE = re.compile(r"(?P<at>\S{1,40}) chain=(?P<chain>[0-9a-f]{1,64}) seq=(?P<seq>\d{1,19}) "
                  r"hash=(?P<hash>[0-9a-f]{64}) keyed=(?P<keyed>\d{1,19}) prev=(?P<prev>[0-9a-f]{64}) "
                  r"mac=(?P<mac>[0-9a-f]{64})")


class Anchor(NamedTuple):
    """One checkpoint line, read back and found genuine; `where` is file:line for the report."""

    at: str
    chain: str
    seq: int
    hash: str
    keyed_from: int
    prev: str
    mac: str
    where: str


def anchor_line(key: bytes, *, at: str, chain: str, seq: int, head_hash: str, keyed_from: int,
                prev: str) -> tuple[str, str]:
    """The line (no newline) for a head a commit left, and its HMAC (the next line's `prev`)."""
    body = f"{at} chain={chain} seq={seq:d} hash={head_hash} keyed={keyed_from:d} prev={prev}"
    mac = hmac.new(key, body.encode("ascii"), sha256).hexdigest()
    return f"{body} mac={mac}", mac


def mac_of(line: str) -> str | None:
    """The HMAC a stored line ends with (what the next line links to); None for a line that is not one."""
    found = LINE.fullmatch(line.rstrip("\n"))
    return found["mac"] if found else None


def read_anchors(key: bytes, lines: Iterable[tuple[str, int, str]]) -> tuple[list[Anchor], list[Problem]]:
    """Check (file, line number, text) in written order: each line's own HMAC and its link to the line before."""
    anchors: list[Anchor] = []
    problems: list[Problem] = []
    prev = GENESIS
    for name, number, text in lines:
        where = f"{name}:{number}"
        found = LINE.fullmatch(text)
        if found is None:
            problems.append(Problem(0, "anchor-unreadable", f"锚点行无法读取 / {where} is not a checkpoint line "
                                    f"(edited, or torn by a crash while written): {text[:60]!r}"))
            continue
        seq, mac = int(found["seq"]), found["mac"]
        body = text[:found.start("mac") - len(" mac=")]
        if not hmac.compare_digest(hmac.new(key, body.encode("ascii"), sha256).hexdigest(), mac):
            problems.append(Problem(seq, "anchor-forged", f"锚点签名不符 / {where}: the line's HMAC does not match "
                                    "its text (the checkpoint was edited or forged)"))
        elif found["prev"] != prev:
            problems.append(Problem(seq, "anchors-missing", f"锚点缺失 / checkpoint lines are missing before {where} "
                                    "(an anchor file, or lines of one, deleted)"))
            anchors.append(_anchor(found, where))
        else:
            anchors.append(_anchor(found, where))
        prev = mac
    return anchors, problems


def _anchor(found: re.Match, where: str) -> Anchor:
    """A line's fields, typed."""
    return Anchor(found["at"], found["chain"], int(found["seq"]), found["hash"], int(found["keyed"]), found["prev"],
                  found["mac"], where)


def of_chain(anchors: Iterable[Anchor], *, chain: str, keyed_from: int) -> tuple[dict[int, list[Anchor]],
                                                                                  list[Problem]]:
    """This chain's checkpoints by seq; a line of another chain or naming another switch point is a problem."""
    ours: dict[int, list[Anchor]] = {}
    foreign: list[Anchor] = []
    moved: list[Anchor] = []
    for anchor in anchors:
        if anchor.chain != chain:
            foreign.append(anchor)
            continue
        if anchor.keyed_from != keyed_from:
            moved.append(anchor)
        ours.setdefault(anchor.seq, []).append(anchor)
    problems = []
    if foreign:
        problems.append(Problem(foreign[0].seq, "anchor-foreign", f"锚点属于另一条链 / {len(foreign)} checkpoint "
                                f"line(s), first {foreign[0].where}, name chain {foreign[0].chain}, this database's "
                                f"is {chain} (the anchor directory is shared, or the chain id was changed)"))
    if moved:
        problems.append(Problem(moved[0].keyed_from, "keyed-from-moved", f"密钥起点被改 / checkpoints ({moved[0].where}) "
                                f"say entries are keyed from #{moved[0].keyed_from}, the database says #{keyed_from} "
                                "(older entries would be checked without the key)"))
    return ours, problems


def last_seq(anchored: Mapping[int, list[Anchor]]) -> int:
    """The furthest head a checkpoint names (0 for none): entries after it are not anchored yet."""
    return max(anchored, default=0)
