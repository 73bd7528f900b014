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


def test_each_programme_s_guide_says_its_own_rules_and_sums_never_the_stable_job_return_s(client):
    general = "返还上年度实际缴纳失业保险费"
    pages = {pid: client.get(f"/guide/{pid}").text for pid in ("cn-2021", "cn-retention-training-2022",
                                                              "cn-difficult-2019", "cn-relief-2020",
                                                              "hongkou-difficult-industry-2022")}
    assert general in pages["cn-2021"]
    retention = pages["cn-retention-training-2022"]
    assert "一次性留工培训补助" in retention and "每名参保职工补助(元): 500.00" in retention and general not in retention
    assert "中小微企业; 大型企业限餐饮业、零售业、交通运输业行业" in retention and "签署承诺书" in retention
    difficult = pages["cn-difficult-2019"]
    assert "评估日经认定为困难企业" in difficult and "当地月人均失业保险金(元): 由本地区按文件确定" in difficult
    assert "按应缴社会保险费计算的月数" not in difficult                   # the formula this pack does not use
    relief = pages["cn-relief-2020"]
    assert "不发放资金" in relief and "减半征收时半分的取舍: 半分进为一分" in relief and "名单公示" not in relief
    assert "每名参保职工补贴(元): 由本地区按文件确定" in pages["hongkou-difficult-industry-2022"]
    assert "由行业主管部门(区商务委员会、区文化和旅游局、区体育局、区投资促进办公室(区航运办)、区文创办)在系统中确认" in pages[
        "hongkou-difficult-industry-2022"]                                   # the joint review (POLICIES.md §8)
