"""The back office of issue 16 in plain words, in Chinese and in English: the call list, the duty rota, the
specialists and a portfolio, and the push list show no rule or bank code, parameter key, "None", "UTC", or
English-only text on a Chinese page."""

from __future__ import annotations

from tests.web.conftest import STAFF
from tests.web.test_calls_web import told_and_failed
from tests.web.test_flows import staff_client
from tests.web.test_plain_words_portal import problems


def without_people(page: str) -> str:
    """The page without the staff's own names (sign-in names, and the test world's display names "clerk
    clerk-wang"): data, not the system's words."""
    for role, name in STAFF.items():
        page = page.replace(f"{role} {name}", "").replace(name, "")
    return page


def test_the_back_office_pages_of_issue_16_read_in_words_in_both_languages(client, facts, world_settings):
    told_and_failed(world_settings)
    cycle = facts["paid_cycle"]
    pages = {"clerk": [f"/staff/calls?cycle={cycle}", f"/staff/calls?cycle={cycle}&reason=not_reached",
                       f"/staff/push?cycle={cycle}", f"/staff/specialists?cycle={cycle}",
                       f"/staff/specialists/{STAFF['reviewer']}?cycle={cycle}"],
             "admin": ["/staff/duty"]}
    seen, found = 0, {}
    for who, paths in pages.items():
        browser, _ = staff_client(client, who)
        for lang in ("zh", "en"):
            browser.get(f"/staff?lang={lang}")
            for path in paths:
                reply = browser.get(path)
                assert reply.status_code == 200, (path, reply.status_code)
                found[(lang, path)] = problems(without_people(reply.text), english=lang == "en")
                seen += 1
    assert seen == 12 and {k: v for k, v in found.items() if v} == {}
