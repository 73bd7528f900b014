"""A cycle's bank files as its page hands them out: written, validated and recorded as sent by a worker job (the same
bytes again if the job runs twice), then downloaded as they lie, a file or the job's one zip, never written anew."""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from wengang.config import Settings
from wengang.domain.errors import NotFound, Refused
from wengang.domain.jobs import Job, JobKind, JobState, Params
from wengang.domain.payment_batches import PaymentBatch
from wengang.domain.ports import Banks, Store, UnitOfWork
from wengang.domain.progress import Progress, Silent
from wengang.services import payments


@dataclass(frozen=True)
class Download:
    """A file ready to stream: where it lies and the name the browser saves it under."""

    path: Path
    name: str
    media_type: str | None


def out_root(settings: Settings) -> Path:
    return settings.data_dir / "bank" / "out"


def folder(settings: Settings, cycle_id: int) -> Path:
    """Where a cycle's bank files are written (one name per batch: a batch written again lands on its own file)."""
    return out_root(settings) / f"cycle-{cycle_id}"


def approved(uow: UnitOfWork, cycle_id: int) -> str:
    """The numbers of the cycle's approved batches (what a job writes, fixed at its submission), or Refused."""
    numbers = [b.number for b in uow.payment_batches.of_cycle(cycle_id) if b.status == "approved"]
    if not numbers:
        raise Refused(f"周期 {cycle_id} 没有已审批待出文件的支付批次 / cycle {cycle_id} has no approved payment batch "
                      "waiting for its bank file")
    return ", ".join(numbers)


def write(cycle_id: int, numbers: list[str], *, store: Store, banks: Banks, settings: Settings, by: str, job_id: int,
          progress: Progress | None = None) -> Params:
    """Each batch's file written, validated and recorded as sent, as payments.write_all_files does; a batch already
    sent whose file still lies there with its recorded hash (an earlier attempt of this job wrote it) is taken as it
    is. With more than one file, the job's zip of them. Its result says where they are."""
    out = folder(settings, cycle_id)
    with store.reading() as uow:
        batches = [payments.find(uow, n) for n in numbers]
    kept = {b.number: path for b in batches if (path := _kept(b, out, banks)) is not None}
    fresh = [b.number for b in batches if b.number not in kept]
    written = payments.write_all_files(fresh, store=store, banks=banks, settings=settings, out_dir=out, by=by,
                                       progress=progress or Silent())
    paths = kept | {n: w.path for n, w in zip(fresh, written, strict=True)}
    names = [paths[n].name for n in numbers]
    result = {"batches": ", ".join(numbers), "files": str(len(names)), "written_to": str(out),
              "names": ", ".join(names)}
    if len(names) > 1:
        result["archive"] = str(_zipped([paths[n] for n in numbers], out_root(settings) / f"cycle-{cycle_id}-job-"
                                        f"{job_id}.zip"))
    return result


def _kept(batch: PaymentBatch, out: Path, banks: Banks) -> Path | None:
    if batch.status != "sent" or not batch.file_name or not batch.file_sha256:
        return None
    path = out / batch.file_name
    return path if path.is_file() and banks.sha256_of(path) == batch.file_sha256 else None


def _zipped(paths: list[Path], archive: Path) -> Path:
    """The files in one zip, written beside them under a temporary name and then renamed (never half a zip)."""
    partial = archive.with_name(f".{archive.name}.partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as z:
        for path in paths:
            z.write(path, path.name)
    os.replace(partial, archive)
    return archive


def download(job: Job, cycle_id: int, *, settings: Settings) -> Download:
    """What a finished WRITE_BANK_FILES job of this cycle wrote: its one file, or its zip. Refused before it is done
    or once the files are gone; nothing is written."""
    if job.kind is not JobKind.WRITE_BANK_FILES or job.cycle_id != cycle_id:
        raise NotFound(f"周期 {cycle_id} 没有这个出文件任务 / cycle {cycle_id} has no bank-file job {job.id}")
    if job.state is not JobState.DONE or not job.result:
        raise Refused(f"任务 {job.id} 尚未完成, 银行文件还不能下载 / job {job.id} is {job.state}: the bank files can be "
                      "downloaded once it is done")
    result = job.result
    if "archive" in result:
        found = Download(Path(result["archive"]), f"cycle-{cycle_id}-bank-files.zip", "application/zip")
    else:
        path = Path(result["written_to"]) / result["names"]
        found = Download(path, path.name, None)
    root = out_root(settings).resolve()
    if not found.path.resolve().is_relative_to(root) or not found.path.is_file():
        raise Refused(f"任务 {job.id} 写出的银行文件已不在服务器上, 请运维人员用 `wengang batch files` 重新写出 / the "
                      f"bank files of job {job.id} are no longer on the server: an operator can write them again with "
                      "`wengang batch files`")
    return found
