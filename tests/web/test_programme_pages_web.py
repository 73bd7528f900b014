"""Issue 17: cases of the new programmes read in plain words on the employer's pages. A unit with a difficult-
enterprise case and one with a retention-training case sign in and read their home page and "为什么" in Chinese and
in English: the programme's own criteria in words, no reason code, parameter key, None or UTC."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.builders import steady_contributions, uscc, write_snapshot
from tests.conftest import ACCOUNT
from tests.web.conftest import PASSWORD, STAFF, activate, sign_in
from tests.web.test_plain_words_portal import problems
from wengang import bootstrap
from wengang.config import Settings
from wengang.services import cycles, people
from wengang.services.snapshots import import_folder
from wengang.web.app import create_app
from wengang.web.settings import WebSettings

PACKS = Path(__file__).resolve().parents[1] / "packs"
DIFFICULT, RETAINED, HIRING = uscc(41), uscc(42), uscc(43)


def city(folder: Path) -> Path:
    employers = [{"uscc": DIFFICULT, "name": "困难甲公司", "industry": "other", "employees": "20", "region": "610104",
                  **ACCOUNT},
                 {"uscc": RETAINED, "name": "留工乙餐饮", "industry": "catering", "employees": "20", "region": "610104",
                  **ACCOUNT}]
    employers.append({"uscc": HIRING, "name": "扩岗丙公司", "industry": "other", "employees": "20", "region": "110105",
                      **ACCOUNT})
    contributions = [row for u in (DIFFICULT, RETAINED, HIRING)
                     for row in steady_contributions(u, insured=20, first="2017-12", last="2023-11")]
    hires = [{"uscc": HIRING, "person_id": "AGENCY-000777", "hired_on": "2023-07-01", "category": "graduate",
              "graduated_on": "2023-06-30", "birth_date": "2001-05-01", "contract_signed": "true",
              "insured_months": "3"}]
    flags = [{"uscc": DIFFICULT, "source": "hrss", "flag": "difficulty_certified", "listed_on": "2019-01-01",
              "removed_on": ""},
             {"uscc": RETAINED, "source": "other", "flag": "epidemic_risk_area", "listed_on": "2022-04-10",
              "removed_on": ""}]
    return write_snapshot(folder, employers=employers, contributions=contributions, flags=flags, separations=[],
                          hires=hires)


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("WENGANG_POLICY_PATH", str(PACKS))
    settings = Settings(data_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'w.sqlite'}")
    analytics = bootstrap.analytics(settings)
    snapshot = import_folder(city(tmp_path / "city"), analytics=analytics, settings=settings).snapshot.id
    store = bootstrap.open_store(settings)
    ids = {}
    for pack, day in (("xian-difficult-2019", dt.date(2019, 7, 1)),
                      ("cn-retention-training-2022", dt.date(2022, 6, 15)),
                      ("cn-job-expansion-2023", dt.date(2023, 12, 15))):
        ids[pack] = cycles.open_cycle(pack, day, store=store, analytics=analytics, settings=settings,
                                      snapshot=snapshot, by="clerk").cycle.id
    for unit in (DIFFICULT, RETAINED, HIRING):
        activate(store, settings, unit)
    people.create_staff(STAFF["clerk"], "clerk", store=store, by="setup", password=PASSWORD, display_name="clerk")
    store.close()
    with TestClient(create_app(settings, WebSettings(cookie_secure=False)), raise_server_exceptions=False) as c:
        yield c, ids
    bootstrap.close_stores()


def test_each_programme_s_case_reads_in_words_in_both_languages(client):
    c, ids = client
    for unit, pack, words in ((DIFFICULT, "xian-difficult-2019", ("困难企业稳岗返还", "困难企业认定", "本地区基金储备")),
                              (RETAINED, "cn-retention-training-2022", ("一次性留工培训补助", "所在地区疫情风险等级",
                                                                         "餐饮业")),
                              (HIRING, "cn-job-expansion-2023", ("一次性扩岗补助", "符合条件的新招用人员1人",
                                                                 "每人1500.00元"))):
        c.cookies.clear()
        sign_in(c, unit, employer=True)
        pages = {"/portal": c.get("/portal").text, "why": c.get(f"/portal/cycles/{ids[pack]}").text}
        missing = [w for w in words if w not in pages["/portal"] + pages["why"]]
        assert not missing, (unit, missing, re.sub(r"<[^>]+>", " ", pages["why"])[-3000:])
        assert {k: problems(v, english=False) for k, v in pages.items() if problems(v, english=False)} == {}
        english = {k: c.get(f"{p}?lang=en").text for k, p in (("/portal", "/portal"),
                                                               ("why", f"/portal/cycles/{ids[pack]}"))}
        assert {k: problems(v, english=True) for k, v in english.items() if problems(v, english=True)} == {}
    c.cookies.clear()
    sign_in(c, RETAINED, employer=True)
    why = c.get(f"/portal/cycles/{ids['cn-retention-training-2022']}?lang=zh").text
    assert "20人" in why and "每人500" in why                         # the listed month's headcount, 500 yuan each


def test_the_difficult_enterprise_cycle_goes_first_in_every_queue(client):
    c, ids = client
    difficult, retention = ids["xian-difficult-2019"], ids["cn-retention-training-2022"]
    assert difficult < retention                                    # opened first, yet not the newest
    sign_in(c, STAFF["clerk"], employer=False)
    for path in ("/staff/queue", "/staff/review", "/staff", "/staff/calls"):
        page = c.get(path).text
        options = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', page)
        cycles_shown = [(int(v), text) for v, text in options if "周期" not in text and int(v) in ids.values()]
        assert cycles_shown and cycles_shown[0][0] == difficult and "优先办理" in cycles_shown[0][1], (path, options)
        assert re.search(rf'<option value="{difficult}"\s*selected', page) or \
            re.search(rf'<option value="{difficult}" selected', page), path       # shown unless told otherwise
    assert "优先办理" in c.get("/staff/cycles").text
