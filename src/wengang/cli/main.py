"""The `wengang` command: snapshots, the synthetic city, evaluation and explanations."""

from __future__ import annotations

import typer

from wengang.cli import evaluate, generate, snapshot

app = typer.Typer(help="wengang 稳岗返还免申即享 / job-stabilisation returns without application",
                  no_args_is_help=True, pretty_exceptions_enable=False)
app.add_typer(snapshot.app, name="snapshot")
app.add_typer(generate.app, name="generate")
app.command("evaluate")(evaluate.evaluate)
app.command("explain")(evaluate.explain)


def main() -> None:
    app()
