"""`wengang worker`: the process that runs the long steps staff submit as jobs (opening a cycle, publicity, …)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
import threading
from typing import Annotated

import typer

from wengang import bootstrap
from wengang.cli.console import console
from wengang.services import jobs


def worker(once: Annotated[bool, typer.Option("--once", help="队列空时退出 / leave when the queue is empty")] = False,
           poll: Annotated[float, typer.Option(help="空闲时查看队列的间隔秒数 / seconds between looks when idle")] = 1.0,
           lease: Annotated[int, typer.Option(
               "--lease-seconds", help="心跳中断多久视为进程已死 / seconds without a heartbeat before another "
                                       "worker takes the job over")] = int(jobs.LEASE.total_seconds()),
           parent: Annotated[int | None, typer.Option(
               hidden=True, help="父进程退出时随之退出 / leave when this process is gone (wengang serve)")] = None,
           ) -> None:
    """运行任务 / run queued jobs until stopped: SIGTERM or Ctrl-C lets the job under way finish first; a worker
    killed outright (kill -9) leaves its job to be taken over once its lease runs out."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s worker %(levelname)s %(message)s")
    logging.getLogger("wengang").setLevel(logging.INFO)          # each job's end; not the libraries' chatter
    settings = bootstrap.settings()
    store = bootstrap.store(settings)
    stop = threading.Event()

    def on_signal(signum, _frame) -> None:
        console.print(f"工作进程收到 {signal.Signals(signum).name}, 当前任务结束后退出 / stopping after the job under way")
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if parent is not None:
        threading.Thread(target=_watch_parent, args=(parent, stop, poll), daemon=True).start()
    name = f"{socket.gethostname()}:{os.getpid()}"
    console.print(f"[bold]wengang worker[/] {name} 等待任务 / waiting for jobs")
    handlers, due = bootstrap.job_handlers(settings), bootstrap.due_work(settings)
    if once:
        due()
        ran = 0
        while not stop.is_set() and jobs.run_next(store=store, handlers=handlers, worker=name,
                                                  lease=dt.timedelta(seconds=lease)) is not None:
            ran += 1
    else:
        ran = jobs.work(store=store, handlers=handlers, worker=name, stop=stop, poll=poll,
                        lease=dt.timedelta(seconds=lease), due=due, due_every=bootstrap.DELIVERY_SECONDS)
    console.print(f"工作进程退出, 共运行 {ran} 个任务 / worker stopped after {ran} job(s)")
    bootstrap.close_stores()


def _watch_parent(parent: int, stop: threading.Event, poll: float) -> None:
    """Stop once the process that started this one is gone (a web server killed outright leaves no worker behind)."""
    while not stop.wait(poll):
        if os.getppid() != parent:
            stop.set()
