"""`wengang review confirm|department` (issue 17.3): the joint review on the command line, as the member of staff
signed in with `wengang login`; another department's member is refused in words, never with a traceback."""

from __future__ import annotations

import pytest

from tests.integration.test_departments import CATERING, HOTEL, PACKS, PASSWORD, RETAIL, joint  # noqa: F401
from tests.web.test_cli_login import run
from tests.web.test_cli_web import env_of

pytestmark = pytest.mark.slow


def signed_in_as(env: dict, who: str) -> None:
    done = run(["login", who, "--password-stdin"], env, PASSWORD + "\n")
    assert done.returncode == 0, done.stderr


def test_a_department_confirms_and_declines_on_the_command_line(joint, tmp_path):  # noqa: F811
    store, analytics, cycle_id, settings = joint
    env = {**env_of(settings), "WENGANG_POLICY_PATH": str(PACKS), "WENGANG_SESSION_FILE": str(tmp_path / "session"),
           "WENGANG_AUDIT_ANCHOR_DIR": str(settings.audit_anchor_dir)}
    signed_in_as(env, "tourism1")
    refused = run(["review", "confirm", str(cycle_id), CATERING, "--department", "commerce"], env)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "只有区商务委员会的工作人员" in refused.stdout + refused.stderr
    signed_in_as(env, "commerce1")
    listed = run(["review", "department", str(cycle_id), "--department", "commerce"], env)
    assert listed.returncode == 0, listed.stderr
    assert CATERING in listed.stdout and RETAIL in listed.stdout and HOTEL not in listed.stdout
    assert "餐饮业 catering" in listed.stdout and "18,000.00" in listed.stdout
    assert "0.00" not in listed.stdout.replace("18,000.00", "")          # unknown (headcount month missing) is not 0
    done = run(["review", "confirm", str(cycle_id), CATERING, "--department", "commerce"], env)
    assert done.returncode == 0 and "identified" in done.stdout, done.stderr
    declined = run(["review", "confirm", str(cycle_id), RETAIL, "--department", "commerce", "--decline",
                    "主营批发, 不属于零售业"], env)
    assert declined.returncode == 0 and "rejected" in declined.stdout, declined.stderr
    listed = run(["review", "department", str(cycle_id), "--department", "commerce"], env)
    assert "已确认" in listed.stdout and "不予确认 declined: 主营批发, 不属于零售业" in listed.stdout
    with store.reading() as uow:
        actors = {e.actor for e in uow.audit.for_case(uow.cases.find(cycle_id, RETAIL).id)
                  if e.event == "department_declined"}
    assert actors == {"commerce1"}
