"""The `wengang` command: snapshots, the synthetic city, evaluation and explanations."""

from __future__ import annotations

import typer

from wengang.cli import (
    audit,
    channels,
    cycle,
    evaluate,
    generate,
    payments,
    report,
    rules,
    simulate,
    snapshot,
    web,
)
from wengang.cli.worker import worker

app = typer.Typer(help="wengang 稳岗返还免申即享 / job-stabilisation returns without application",
                  no_args_is_help=True, pretty_exceptions_enable=False)
app.add_typer(snapshot.app, name="snapshot")
app.add_typer(generate.app, name="generate")
app.add_typer(cycle.app, name="cycle")
app.add_typer(cycle.publicity_app, name="publicity")
app.add_typer(cycle.objection_app, name="objection")
app.add_typer(cycle.case_app, name="case")
app.add_typer(audit.review_app, name="review")
app.add_typer(audit.dispatch_app, name="dispatch")
app.add_typer(audit.account_app, name="account")
app.command("reverify")(audit.reverify_cmd)
app.add_typer(audit.app, name="audit")
app.add_typer(audit.db_app, name="db")
app.add_typer(payments.batch_app, name="batch")
app.add_typer(payments.bank_app, name="bank")
app.command("reconcile")(payments.reconcile_cmd)
app.add_typer(payments.exceptions_app, name="exceptions")
app.command("recover")(payments.recover_cmd)
app.add_typer(payments.ledger_app, name="ledger")
app.add_typer(payments.notify_app, name="notify")
app.add_typer(channels.app, name="channels")
app.command("evaluate")(evaluate.evaluate)
app.command("explain")(evaluate.explain)
app.command("simulate")(simulate.simulate)
app.add_typer(rules.app, name="rules")
app.add_typer(report.app, name="report")
app.command("serve")(web.serve)
app.command("worker")(worker)
app.add_typer(web.people_app, name="people")
app.command("login")(web.login)
app.command("logout")(web.logout)


def main() -> None:
    app()
