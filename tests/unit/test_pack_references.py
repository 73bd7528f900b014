"""A pack value's legal reference is kept whole: YAML reads `{value: x, reference: a, b}` as a reference "a" and a
stray key "b", so the loader refuses such an entry instead of keeping half a reference (cn-2020 lost ", 至2020-12-31)"
this way); every shipped pack loads."""

from __future__ import annotations

import pytest

from wengang.rules.doc import shipped_packs
from wengang.rules.parameters import PackError, load_pack


def write(tmp_path, reference: str) -> None:
    folder = tmp_path / "comma-2021"
    folder.mkdir()
    (folder / "pack.yaml").write_text(
        "id: comma-2021\ninherits: cn-2021\nbase_year: 2020\nparameters:\n  ratio_sme:\n    values:\n"
        f"      2021-01-01: {{value: \"60%\", reference: {reference}}}\n", encoding="utf-8")


def test_an_unquoted_reference_with_a_comma_is_refused_and_a_quoted_one_kept_whole(tmp_path, monkeypatch):
    monkeypatch.setenv("WENGANG_POLICY_PATH", str(tmp_path))
    write(tmp_path, "某文件 (中小微企业60%, 至2021-12-31)")
    load_pack.cache_clear()
    with pytest.raises(PackError, match="in quotes"):
        load_pack("comma-2021")
    (tmp_path / "comma-2021" / "pack.yaml").unlink()
    (tmp_path / "comma-2021").rmdir()
    write(tmp_path, '"某文件 (中小微企业60%, 至2021-12-31)"')
    load_pack.cache_clear()
    assert load_pack("comma-2021").param("ratio_sme").values[0].reference == "某文件 (中小微企业60%, 至2021-12-31)"
    load_pack.cache_clear()


def test_every_shipped_pack_loads_with_its_references_whole():
    for pack_id in shipped_packs():
        pack = load_pack(pack_id)
        for param in pack.parameters.values():
            assert all(d.reference for d in param.values), (pack_id, param.name)
    assert "至2020-12-31" in load_pack("cn-2020").param("ratio_sme").values[0].reference
