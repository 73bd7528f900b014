"""Column builders of the synthetic city: valid credit codes and IDs, exact money, strings without loops."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from wengang.domain.identifiers import ID_CHECK, ID_WEIGHTS, USCC_ALPHABET, USCC_WEIGHTS
from wengang.snapshot.generator_profiles import Profile

MONEY = pa.decimal128(18, 2)
ALPHA = np.frombuffer(USCC_ALPHABET.encode(), np.uint8)
DIGITS = np.frombuffer(b"0123456789", np.uint8)
_QUADS = np.stack([np.arange(10_000) // 10**k % 10 for k in (3, 2, 1, 0)], 1).astype(np.uint8)


def fixed_strings(codes: np.ndarray) -> pa.Array:
    """An (n, width) array of ASCII codes becomes a string array without a Python loop."""
    n, width = codes.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(codes, np.uint8).tobytes()
    # pyarrow-stubs type py_buffer's argument by __buffer__, which typeshed declares only from Python 3.12 on
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(data)]  # type: ignore[arg-type]
    return pa.Array.from_buffers(pa.string(), n, buffers)


def money(fen: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Integer fen become decimal128(18,2) exactly: the fen are the decimal's unscaled value."""
    fen = np.asarray(fen, np.int64)
    words = np.empty((len(fen), 2), np.int64)
    words[:, 0], words[:, 1] = fen, fen >> 63
    bitmap = None if valid is None else pa.array(np.asarray(valid, bool)).buffers()[1]
    words_buffer = pa.py_buffer(words)  # type: ignore[arg-type]  # see fixed_strings
    return pa.Array.from_buffers(MONEY, len(fen), [bitmap, words_buffer])


def digits(values: np.ndarray, width: int, base: int = 10) -> np.ndarray:
    """Zero-padded digits of non-negative ints as an (n, width) array of digit values."""
    v = np.asarray(values, np.int64).copy()
    if base != 10:
        out = np.empty((len(v), width), np.int64)
        for k in range(width - 1, -1, -1):
            out[:, k], v = v % base, v // base
        return out
    groups = -(-width // 4)  # four digits per division, looked up in a table
    parts = []
    for _ in range(groups):
        parts.append(v % 10_000)
        v //= 10_000
    return _QUADS[np.column_stack(parts[::-1])].reshape(len(v), 4 * groups)[:, 4 * groups - width:]


def credit_codes(prefix: np.ndarray, region: np.ndarray, serial: np.ndarray, old: np.ndarray,
                 mark: str = "A") -> pa.Array:
    """Valid codes: type prefix, region, a body unique per serial (MA… or nine digits), GB 32100 check."""
    vals = np.zeros((len(serial), 17), np.int64)
    vals[:, :2], vals[:, 2:8] = prefix, digits(region, 6)
    vals[:, 8], vals[:, 9] = USCC_ALPHABET.index("M"), USCC_ALPHABET.index(mark)
    vals[:, 10:] = digits(serial, 7, 31)  # serial < 10**9 < 31**7: both layouts keep it whole
    vals[old, 8:] = digits(serial[old], 9)
    check = (31 - (vals @ np.array(USCC_WEIGHTS)) % 31) % 31
    return fixed_strings(ALPHA[np.column_stack([vals, check])])


def person_ids(rng: np.random.Generator, p: Profile, count: int) -> pa.Array:
    """Distinct people: valid resident IDs (distinct birth day and sequence) or pseudonyms like P000123456."""
    if count > 16_000_000:
        raise ValueError("at most 16 million distinct people per city")
    idx = np.arange(count, dtype=np.int64)
    key = (idx * 7_919_347 + int(rng.integers(0, 16_000_000))) % 16_000_000  # injective: day × sequence
    born = np.datetime64("1958-01-01") + (key // 1000).astype("timedelta64[D]")
    year = born.astype("datetime64[Y]").astype(np.int64) + 1970
    month = born.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (born - born.astype("datetime64[M]")).astype(np.int64) + 1
    region = np.array(p.id_regions, np.int64)[rng.integers(0, len(p.id_regions), count)]
    body = digits(region * 10**11 + year * 10**7 + month * 10**5 + day * 10**3 + key % 1000, 17)
    check = np.frombuffer(ID_CHECK.encode(), np.uint8)[(body @ np.array(ID_WEIGHTS)) % 11]
    resident = fixed_strings(np.column_stack([DIGITS[body], check]))
    pseudo = fixed_strings(np.column_stack([np.full(count, ord("P"), np.uint8), DIGITS[digits(idx + 1, 9)]]))
    return pc.if_else(pa.array(rng.random(count) < p.resident_id), resident, pseudo)


def pick(rng: np.random.Generator, weights: list[float], size: int) -> np.ndarray:
    """Category indices drawn independently with the given weights."""
    w = np.asarray(weights, float)
    return rng.choice(len(w), size=size, p=w / w.sum())


def quota(rng: np.random.Generator, weights: list[float], n: int) -> np.ndarray:
    """Categories in fixed counts (largest remainder), shuffled: rare kinds vary less from seed to seed."""
    return rng.permutation(np.repeat(np.arange(len(weights)), quota_counts(weights, n)))


def quota_counts(weights: list[float], n: int) -> np.ndarray:
    """How many of n fall in each category: the largest-remainder apportionment of the weights."""
    w = np.asarray(weights, float) / sum(weights) * n
    count = np.floor(w).astype(np.int64)
    count[np.argsort(-(w - count), kind="stable")[: n - count.sum()]] += 1
    return count


def take(values: list[str], idx: np.ndarray) -> pa.Array:
    """values[idx] as a string array."""
    return pa.array(values, pa.string()).take(pa.array(idx))


def dates(days: np.ndarray) -> pa.Array:
    """Days since 1970 as a date32 array."""
    return pa.array(np.asarray(days, np.int64).astype("datetime64[D]"))
