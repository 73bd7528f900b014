"""A standalone Spark cluster on this machine for the tests: one master and two workers, each its own JVM, started
from the pyspark package's own launcher on free ports and stopped (with their executors) whatever happens."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

WORKERS, CORES, MEMORY = 2, 1, "1g"
STARTUP_SECONDS = 120
NO_PYTHON = "/nonexistent/python-on-executors"


def free_port() -> int:
    """A port nobody listens on now (another test run on this machine gets its own)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    """The running cluster: its master URL, its web UI (whose /json lists workers and applications), its logs."""

    master: str
    web: str
    logs: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    def state(self) -> dict:
        with urllib.request.urlopen(f"{self.web}/json", timeout=5) as answer:
            return json.load(answer)

    def alive_workers(self) -> list[dict]:
        return [w for w in self.state().get("workers", []) if w.get("state") == "ALIVE"]

    def stop(self) -> None:
        """SIGTERM to each JVM's process group (a worker's executors are in its group), SIGKILL after 20 s."""
        for p in self.processes:
            _signal(p, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for p in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(max(0.1, deadline - time.monotonic()))
            _signal(p, signal.SIGKILL)      # the group: an executor that outlived its worker too
            p.wait()
        self.processes.clear()

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(f"--- {f.name}\n" + "\n".join(f.read_text(errors="replace").splitlines()[-lines:])
                         for f in sorted(self.logs.glob("*.log")))


def _signal(p: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(p.pid, sig)


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def start(logs: Path) -> Cluster:
    """Start the master and the workers, wait until both workers are registered; on any failure stop what started."""
    logs.mkdir(parents=True, exist_ok=True)
    home = spark_home()
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_LOG_DIR": str(logs),
           "SPARK_NO_DAEMONIZE": "1", "SPARK_MASTER_OPTS": "", "SPARK_WORKER_OPTS": ""}
    env.pop("SPARK_CONF_DIR", None)
    port, web_port = free_port(), free_port()
    cluster = Cluster(f"spark://127.0.0.1:{port}", f"http://127.0.0.1:{web_port}", logs)
    atexit.register(cluster.stop)                  # a crashed session still leaves no JVM behind

    def launch(name: str, *args: str) -> None:
        out = (logs / f"{name}.log").open("w")
        cluster.processes.append(subprocess.Popen([str(home / "bin" / "spark-class"), *args], env=env, stdout=out,
                                                  stderr=subprocess.STDOUT, start_new_session=True))

    try:
        launch("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
               "--webui-port", str(web_port))
        for n in range(WORKERS):            # started beside the master: a worker retries until it listens
            work = logs / f"worker-{n}"
            work.mkdir(exist_ok=True)
            launch(f"worker-{n}", "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                   "--port", str(free_port()), "--webui-port", str(free_port()), "--cores", str(CORES),
                   "--memory", MEMORY, "--work-dir", str(work), cluster.master)
        _wait(cluster, lambda: len(cluster.alive_workers()) == WORKERS, f"{WORKERS} workers registered")   # both at once
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _wait(cluster: Cluster, ready, what: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        dead = [p.args[1] for p in cluster.processes if p.poll() is not None]
        if dead:
            raise RuntimeError(f"Spark JVM exited while waiting for {what}: {dead}\n{cluster.log_tail()}")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"no {what} after {STARTUP_SECONDS} s\n{cluster.log_tail()}")


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory) -> Iterator[Cluster]:
    """The cluster for the tests of one module (started once, stopped when the module ends so that its five JVMs do
    not share the cores with the rest of the suite), with the
    engine's Spark session pointed at it; executors get a Python that does not exist, so a rule that needed a Python
    worker (a UDF) would fail instead of passing silently. Everything stops at the end, the session first."""
    from wengang.rules import backends

    cluster = start(tmp_path_factory.mktemp("spark-cluster"))
    saved = {k: os.environ.get(k) for k in ("WENGANG_SPARK_MASTER", "PYSPARK_SUBMIT_ARGS")}
    try:
        os.environ["WENGANG_SPARK_MASTER"] = cluster.master
        os.environ["PYSPARK_SUBMIT_ARGS"] = (f"--conf spark.pyspark.python={NO_PYTHON} --conf spark.executor.memory=768m "
                                             "--conf spark.driver.host=127.0.0.1 pyspark-shell")
        backends.spark_session()
        yield cluster
    finally:
        from pyspark.sql import SparkSession

        session = SparkSession.getActiveSession()
        if session is not None:
            session.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        cluster.stop()
