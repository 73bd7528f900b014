"""`wengang channels simulate`: the demo's phones, mailboxes and WeChat, as local simulators of the real protocols."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from wengang import bootstrap
from wengang.cli.console import console

app = typer.Typer(help="渠道 / the channels a unit is told through", no_args_is_help=True)


@app.command("simulate")
def simulate(folder: Annotated[Path, typer.Argument(help="日志目录 / where the simulators' logs go")],
             sms_port: Annotated[int, typer.Option(help="短信网关端口 / the SMS gateway's port")] = 18801,
             smtp_port: Annotated[int, typer.Option(help="邮件服务器端口 / the SMTP server's port")] = 18802,
             wechat_port: Annotated[int, typer.Option(help="微信接口端口 / WeChat's API port")] = 18803,
             receipts: Annotated[str, typer.Option(help="回执地址 / where receipts are posted")] =
             "http://127.0.0.1:8000/api/v1/channels",
             parent: Annotated[int | None, typer.Option(hidden=True)] = None) -> None:
    """模拟渠道 / run the SMS gateway, SMTP server and WeChat API simulators until stopped (demo only): what reached
    each phone, mailbox and WeChat user is in the folder's logs; receipts are posted back to the server."""
    stop = bootstrap.channel_simulators(bootstrap.settings(), folder, sms_port=sms_port, smtp_port=smtp_port,
                                        wechat_port=wechat_port, receipts=receipts)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    console.print(f"[bold]渠道模拟器 / channel simulators[/]: SMS :{sms_port}, SMTP :{smtp_port}, WeChat :{wechat_port}"
                  f" → {folder}")
    while not done.wait(1.0):
        if parent is not None and not _alive(parent):
            break
    stop()


def _alive(pid: int) -> bool:
    """Whether the process that started this one (make, in the demo) is still there."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
