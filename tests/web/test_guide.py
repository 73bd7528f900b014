"""The public guide lists every policy pack by its title and base year, on the page and in the API alike."""

from __future__ import annotations

from wengang.rules.parameters import load_pack, pack_ids


def test_the_api_lists_every_pack_with_its_title_and_base_year(client):
    listed = client.get("/api/v1/policy/packs").json()
    assert [p["id"] for p in listed] == list(pack_ids())
    beijing = next(p for p in listed if p["id"] == "beijing-2021")
    pack = load_pack("beijing-2021")
    assert beijing == {"id": "beijing-2021", "title": pack.title, "title_en": pack.title_en, "base_year": 2020}


def test_the_guide_page_links_every_pack(client):
    html = client.get("/guide").text
    for pack_id in pack_ids():
        assert f'href="/guide/{pack_id}"' in html
    assert load_pack("cn-2019").title in html and "按 2018 年度缴费计算" in html
