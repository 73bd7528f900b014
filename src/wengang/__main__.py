"""`python -m wengang …`: the same command as `wengang …` (how `wengang serve` starts its worker process)."""

from wengang.cli.main import main

main()
