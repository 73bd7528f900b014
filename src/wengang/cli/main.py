"""The `wengang` command: snapshots, the synthetic city, evaluation and explanations."""

from __future__ import annotations

import typer

from wengang.cli import audit, cycle, evaluate, generate, snapshot

app = typer.Typer(help="wengang 稳岗返还免申即享 / job-stabilisation returns without application",
                  no_args_is_help=True, pretty_exceptions_enable=False)
app.add_typer(snapshot.app, name="snapshot")
app.add_typer(generate.app, name="generate")
app.add_typer(cycle.app, name="cycle")
app.add_typer(cycle.publicity_app, name="publicity")
app.add_typer(cycle.objection_app, name="objection")
app.add_typer(audit.review_app, name="review")
app.add_typer(audit.dispatch_app, name="dispatch")
app.add_typer(audit.account_app, name="account")
app.command("reverify")(audit.reverify_cmd)
app.add_typer(audit.app, name="audit")
app.add_typer(audit.db_app, name="db")
app.command("evaluate")(evaluate.evaluate)
app.command("explain")(evaluate.explain)


def main() -> None:
    app()
