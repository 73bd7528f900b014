"""The master key outside the databases: made owner-only on first use, refused when unusable (no stack trace)."""

from __future__ import annotations

import pytest

from wengang.adapters.keys import KeyFile, KeyFileError
from wengang.domain.errors import DomainError


def test_a_new_key_file_is_owner_only_and_gives_a_stable_key_per_purpose(tmp_path):
    keys = KeyFile(tmp_path / "keys" / "master.key")
    audit, seal = keys.key("audit"), keys.key("seal")
    assert len(audit) == 32 and audit != seal
    assert (tmp_path / "keys" / "master.key").stat().st_mode & 0o777 == 0o600
    assert KeyFile(tmp_path / "keys" / "master.key").key("audit") == audit


@pytest.mark.parametrize("problem", ["short", "readable", "missing"])
def test_an_unusable_key_file_is_refused_with_why(tmp_path, problem):
    path = tmp_path / "master.key"
    if problem != "missing":
        path.write_bytes(b"x" * (5 if problem == "short" else 32))
        path.chmod(0o644 if problem == "readable" else 0o600)
    with pytest.raises(KeyFileError, match={"short": "must hold 32 bytes", "readable": "readable by others",
                                            "missing": "cannot read"}[problem]) as err:
        KeyFile(path, create=False).key("audit")
    assert isinstance(err.value, DomainError)          # the CLI prints it as one line, never a stack trace
