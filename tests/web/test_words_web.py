"""Programmes and policies by their names, never their ids: the cycle pickers of the staff pages, the case page, the
public lists and an employer's case card (a clerk of a district bureau or a shop owner does not read pack ids)."""

from __future__ import annotations

import re

from tests.web.conftest import FIRST, sign_in
from tests.web.test_flows import staff_client

TITLE = "北京市失业保险费稳岗返还"
# (the test world's second and third programmes, ui-return-2 and -3, are ids of its own with no name: not matched)
IDS = re.compile(r">[^<]*\b(beijing-2021|cn-20\d\d|ui-return)\b(?!-)[^<]*<")


def test_staff_pickers_and_the_case_page_name_the_programme_and_the_policy(client, facts):
    clerk, _ = staff_client(client, "clerk")
    cycle = facts["paid_cycle"]
    for path in (f"/staff/queue?cycle={cycle}", f"/staff?cycle={cycle}", f"/staff/dashboard?cycle={cycle}"):
        page = clerk.get(path).text
        assert TITLE in page and "失业保险稳岗返还" in page, path
        assert not IDS.search(page), (path, IDS.search(page))
    facts_of_case = clerk.get(f"/staff/cases/{_a_case(clerk, cycle)}").text.split("</dl>")[0]   # (the rules'
    assert TITLE in facts_of_case and not IDS.search(facts_of_case)            # explanation is issue 15's)


def test_the_public_lists_and_an_employer_s_card_name_the_policy(client, facts):
    lists = client.get("/publicity").text
    assert TITLE in lists and not IDS.search(lists)
    sign_in(client, FIRST, employer=True)
    card = client.get("/portal").text
    assert TITLE in card and not IDS.search(card)


def _a_case(clerk, cycle: int) -> str:
    return re.search(r'href="/staff/cases/(\d+)"', clerk.get(f"/staff/queue?cycle={cycle}").text).group(1)
