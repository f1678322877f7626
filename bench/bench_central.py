"""The central server on SQLite and on PostgreSQL with 1, 2 and 4 workers (issue 17).

    .venv/bin/python bench/bench_central.py [--cases 20000] [--offices 100] [--concurrent 50]
        [--seconds 10] [--workers 1,2,4] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
        [--no-kill]

One seeded province (`--cases` cases, `--offices` unit offices over the seeded units) is served
back to back by `desk central serve` on a SQLite file and, copied exactly with `desk central
migrate`'s code, by `desk central serve --store postgresql://… --workers N`. Each server is a
real process on 127.0.0.1, and the load comes from this process: one keep-alive HTTP/1.1
connection per office on asyncio, requests written as bytes (a Python HTTP library would spend
more of the machine's two cores than the server it measures). Per server:

- full pulls: every office pulls its whole feed from an empty cursor, `--concurrent` at a time
  (limit 500, zstd as a desk asks): cases per second, and each office's last cursor;
- idle syncs: `--concurrent` offices at once, for `--seconds`, each sending what a desk's idle
  sync sends (its cursor with `If-None-Match`, answered 304): syncs per second, p50 and p95;
- pushes: `--concurrent` offices at once, for `--seconds`, each pushing batches of 20 notes on
  cases of its unit: operations per second, p50 and p95 of a push.

Then, with 2 PostgreSQL workers, a worker is killed with SIGKILL in the middle of pushes: the
offices reconnect, re-send what was not answered (same op ids) and finish on the other worker;
the store must hold every op exactly once (`applied_ops`, and one note event per op).

During the idle and push loads the CPU time of each part is read from /proc: the server
process with its workers, PostgreSQL's processes and this load generator; the table shows how
many CPUs each kept busy and the CPU each spent per sync or op (all share the same machine).

Nothing is asserted: the table goes into bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import zstandard

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.timefmt import to_text, utc_now  # noqa: E402

DESK = str(Path(sys.executable).parent / "desk")
BATCH = 20  # ops per push, as the issue asks
CPU_PARTS = ("server", "postgresql", "load")  # what the CPU rows of the table show
PULL_LIMIT = 500


# -- one keep-alive connection ---------------------------------------------------------------


class Connection:
    """A minimal HTTP/1.1 client over one socket: enough for the sync protocol's requests."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.auth = f"Authorization: Bearer {token}\r\n".encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(
        self, method: str, target: str, headers: str = "", body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        """One request; a broken connection is opened again and the request sent again (the
        caller's requests are idempotent: reads, and pushes whose op ids are fixed)."""
        for attempt in range(50):
            try:
                if self.writer is None:
                    await self._open()
                assert self.reader is not None and self.writer is not None
                head = (
                    f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
                    + self.auth
                    + headers.encode()
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                )
                self.writer.write(head + body)
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                self.close()
                await asyncio.sleep(min(0.05 * (attempt + 1), 0.5))
        raise ConnectionError(f"the server on port {self.port} does not answer")

    async def _response(self) -> tuple[int, dict[str, str], bytes]:
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding") == "chunked":
            body = bytearray()
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                body += await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                del body[-2:]
            data = bytes(body)
        else:
            data = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("content-encoding") == "zstd":
            data = zstandard.ZstdDecompressor().decompress(data, max_output_size=1 << 28)
        if headers.get("connection") == "close":
            self.close()
        return status, headers, data


# -- the province ----------------------------------------------------------------------------


@dataclass
class Office:
    name: str
    unit: str
    token: str
    actor: str  # a petugas of its unit: the notes' author
    cursor: str = ""
    cases: list[tuple[str, int]] = field(default_factory=list)  # (local id, version)


def build_province(folder: Path, cases: int, offices: int) -> tuple[Path, list[Office]]:
    """A seeded SQLite central and its offices (one unit each, round robin over the units)."""
    from desk.central.store_api import open_store

    path = folder / "central.db"
    store = open_store(path)
    try:
        store.seed(cases, seed=7)
        store.fill_event_uids()
    finally:
        store.close()
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as raw:
        units = [
            row[0]
            for row in raw.execute(
                "SELECT u.code FROM units u WHERE EXISTS (SELECT 1 FROM officers o WHERE "
                "o.unit_code = u.code AND o.role = 'petugas' AND o.active = 1) ORDER BY u.code"
            )
        ]
        petugas = dict(
            raw.execute(
                "SELECT unit_code, min(nip) FROM officers WHERE role = 'petugas' AND active = 1 "
                "GROUP BY unit_code"
            ).fetchall()
        )
    store = open_store(path)
    result = []
    try:
        for index in range(offices):
            unit = units[index % len(units)]
            name = f"kantor-{index:03d}"
            token = store.add_office(name, [unit])
            result.append(Office(name, unit, token, petugas[unit]))
    finally:
        store.close()
    return path, result


@contextlib.contextmanager
def postgresql_copy(sqlite_path: Path, server: str) -> Iterator[str]:
    """An exact copy of the central in a new PostgreSQL database (`server` a URL), dropped
    afterwards."""
    from desk.central.migrate import migrate

    name = f"desk_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    dsn = server.rsplit("/", 1)[0] + f"/{name}"  # a URL: what `--store` recognises
    copy = sqlite_path.with_name("for-postgresql.db")
    shutil.copyfile(sqlite_path, copy)
    try:
        migrate(copy, dsn)
        yield dsn
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(store: str, files: Path, workers: int) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """`desk central serve` as its own process, answering its health check; yields its port."""
    port = free_port()
    command = [DESK, "central", "serve", "--store", store, "--port", str(port)]
    command += ["--rate", "1000000", "--burst", "1000000"]
    if store.startswith("postgresql"):
        command += ["--files", str(files), "--workers", str(workers)]
    log = open(files.parent / f"serve-{port}.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", port), timeout=1) as sock,
            ):
                sock.sendall(b"GET /sync/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
                if b" 200 " in sock.recv(200):
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: see {log.name}")
            time.sleep(0.2)
        yield port, process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


# -- the three loads -------------------------------------------------------------------------


ACCEPT = "Accept-Encoding: zstd\r\n"


async def full_pulls(port: int, offices: list[Office], concurrent: int) -> tuple[int, float]:
    """Every office's whole feed from an empty cursor; returns (cases, seconds)."""
    gate = asyncio.Semaphore(concurrent)
    received = 0

    async def pull(office: Office) -> None:
        nonlocal received
        async with gate:
            connection = Connection(port, office.token)
            cursor, versions = "", {}
            while True:
                target = f"/sync/v1/changes?cursor={cursor}&limit={PULL_LIMIT}"
                status, _, body = await connection.request("GET", target, ACCEPT)
                if status != 200:
                    raise RuntimeError(f"pull answered {status}: {body[:200]!r}")
                page = json.loads(body)
                for change in page["changes"]:
                    case = change.get("case")
                    if case is not None:
                        versions[case["local_id"]] = (case["version"], case["status"])
                received += len(page["changes"])
                cursor = page["next_cursor"]
                if not page["has_more"]:
                    break
            connection.close()
            office.cursor = cursor
            office.cases = [
                (local_id, version)
                for local_id, (version, status) in versions.items()
                if status not in ("arsip",)
            ]

    started = time.perf_counter()
    await asyncio.gather(*(pull(office) for office in offices))
    return received, time.perf_counter() - started


@dataclass
class Load:
    done: int = 0  # syncs, or ops
    latencies: list[float] = field(default_factory=list)
    results: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds by part (cpu_seconds)

    def cores(self, part: str) -> float:
        """How many of the machine's CPUs `part` kept busy during the load, on average."""
        return self.cpu.get(part, 0.0) / self.seconds if self.seconds else 0.0

    def cpu_per(self, part: str) -> float:
        """CPU microseconds `part` spent per sync or op."""
        return self.cpu.get(part, 0.0) / self.done * 1e6 if self.done else 0.0

    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000 if ordered else 0


async def idle_syncs(port: int, offices: list[Office], concurrent: int, seconds: float) -> Load:
    load = Load()
    stop = time.perf_counter() + seconds

    async def sync(lane: int) -> None:
        mine = offices[lane::concurrent]
        connections = [Connection(port, office.token) for office in mine]
        turn = 0
        while time.perf_counter() < stop:
            office, connection = mine[turn % len(mine)], connections[turn % len(mine)]
            turn += 1
            target = f"/sync/v1/changes?cursor={office.cursor}&limit={PULL_LIMIT}&stream=1"
            started = time.perf_counter()
            status, _, body = await connection.request(
                "GET", target, f'{ACCEPT}If-None-Match: "{office.cursor}"\r\n'
            )
            load.latencies.append(time.perf_counter() - started)
            if status != 304:
                raise RuntimeError(f"an idle sync answered {status}: {body[:200]!r}")
            load.done += 1
        for connection in connections:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(sync(lane) for lane in range(min(concurrent, len(offices)))))
    load.seconds = time.perf_counter() - started
    return load


def note_batches(office: Office, marker: str) -> Iterator[list[dict[str, Any]]]:
    """Endless batches of notes on the office's cases, each op with its own id and text."""
    from ulid import ULID

    number = 0
    while True:
        batch = []
        for _ in range(BATCH):
            local_id, version = office.cases[number % len(office.cases)]
            number += 1
            batch.append(
                {
                    "id": str(ULID()),
                    "c": local_id,
                    "k": "note",
                    "v": version,
                    "p": {"text": f"{marker} {office.name} {number}"},
                    "a": office.actor,
                    "t": to_text(utc_now()),
                }
            )
        yield batch


async def pushes(
    port: int,
    offices: list[Office],
    concurrent: int,
    seconds: float,
    marker: str,
    sent: list[str] | None = None,
    during: Any = None,
) -> Load:
    load = Load()
    stop = time.perf_counter() + seconds

    async def push(office: Office) -> None:
        connection = Connection(port, office.token)
        for batch in note_batches(office, marker):
            if time.perf_counter() >= stop:
                break
            body = json.dumps({"ops": batch}).encode()
            started = time.perf_counter()
            status, _, answer = await connection.request(
                "POST", "/sync/v1/push", f"{ACCEPT}Content-Type: application/json\r\n", body
            )
            load.latencies.append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"a push answered {status}: {answer[:300]!r}")
            for result in json.loads(answer)["results"]:
                load.results[result["r"]] = load.results.get(result["r"], 0) + 1
            load.done += len(batch)
            if sent is not None:
                sent.extend(op["id"] for op in batch)
        connection.close()

    pushing = [office for office in offices if office.cases][:concurrent]
    started = time.perf_counter()
    tasks = [asyncio.create_task(push(office)) for office in pushing]
    if during is not None:
        await during()
    await asyncio.gather(*tasks)
    load.seconds = time.perf_counter() - started
    return load


# -- one server, then the table --------------------------------------------------------------


@dataclass
class Figures:
    label: str
    cases_per_s: float
    idle: Load
    push: Load


def measure(
    label: str, port: int, server: int, offices: list[Office], args: argparse.Namespace
) -> Figures:
    cases, seconds = asyncio.run(full_pulls(port, offices, args.concurrent))
    idle = measured_cpu(server, lambda: idle_syncs(port, offices, args.concurrent, args.seconds))
    push = measured_cpu(
        server,
        lambda: pushes(port, offices, args.concurrent, args.seconds, f"bench-{label}"),
    )
    figures = Figures(label, cases / seconds, idle, push)
    print(
        f"{label}: pull {figures.cases_per_s:,.0f} cases/s ({cases} in {seconds:.1f} s); "
        f"idle {idle.rate():,.0f}/s p50 {idle.percentile(0.5):.1f} ms "
        f"p95 {idle.percentile(0.95):.1f} ms; push {push.rate():,.0f} ops/s "
        f"p50 {push.percentile(0.5):.1f} ms p95 {push.percentile(0.95):.1f} ms {push.results}",
        flush=True,
    )
    return figures


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(server: int) -> dict[str, float]:
    """CPU seconds used so far by each part on this machine (from /proc): the server process
    `server` and its workers, PostgreSQL's processes, and this load generator."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    postgres: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            pid = int(entry.name)
            parents[pid] = int(fields[1])
            used[pid] = (int(fields[11]) + int(fields[12])) / TICKS
            if (entry / "cmdline").read_bytes().startswith(b"postgres"):
                postgres.add(pid)

    def serves(pid: int) -> bool:
        while pid > 1:
            if pid == server:
                return True
            pid = parents.get(pid, 1)
        return False

    parts = {"server": 0.0, "postgresql": 0.0, "load": used.get(os.getpid(), 0.0)}
    for pid, seconds in used.items():
        if pid in postgres:
            parts["postgresql"] += seconds
        elif serves(pid):
            parts["server"] += seconds
    return parts


def measured_cpu(server: int, load: Any) -> Load:
    """Run `load()` (an idle or push load) and add the CPU each part used meanwhile."""
    before = cpu_seconds(server)
    result: Load = asyncio.run(load())
    after = cpu_seconds(server)
    result.cpu = {part: after[part] - before[part] for part in after}
    return result


def worker_pids(master: int) -> list[int]:
    """The worker processes uvicorn started under `master` (from /proc: no psutil here)."""
    children = Path(f"/proc/{master}/task/{master}/children")
    pids = [int(pid) for pid in children.read_text().split()] if children.exists() else []
    workers = []
    for pid in pids:
        with contextlib.suppress(OSError):
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            # uvicorn's workers are spawned processes; multiprocessing's resource tracker is
            # one too, and is not a worker
            if b"spawn_main" in command and b"resource_tracker" not in command:
                workers.append(pid)
    return workers


async def full_pulls_from(dsn: str, offices: list[Office], args: argparse.Namespace) -> None:
    """The offices' cases and cursors, pulled from a PostgreSQL server (for --kill-only)."""
    files = Path(args.folder) / "files-pull"
    files.mkdir()
    with serving(dsn, files, 1) as (port, _):
        await full_pulls(port, offices, args.concurrent)


def kill_a_worker(dsn: str, offices: list[Office], args: argparse.Namespace) -> str:
    """Pushes through 2 workers, one killed with SIGKILL after 2 s; what the store then holds."""
    files = Path(args.folder) / "files-kill"
    files.mkdir()
    sent: list[str] = []
    marker = f"kill-{secrets.token_hex(3)}"
    with serving(dsn, files, 2) as (port, process):

        async def kill_later() -> None:
            await asyncio.sleep(2)
            workers = worker_pids(process.pid)
            if workers:
                os.kill(workers[0], signal.SIGKILL)
                print(f"killed worker {workers[0]} of {workers}", flush=True)
            else:
                print("no worker process found to kill", flush=True)

        load = asyncio.run(
            pushes(port, offices, args.concurrent, 6, marker, sent=sent, during=kill_later)
        )
    with psycopg.connect(dsn) as conn:
        applied = conn.execute(
            "SELECT count(*) FROM applied_ops WHERE op_id = ANY(%s)", [sent]
        ).fetchone()
        events = conn.execute(
            "SELECT count(*), count(DISTINCT body) FROM events WHERE kind = 'note' "
            "AND body LIKE %s",
            [f"{marker} %"],
        ).fetchone()
    assert applied is not None and events is not None
    return (
        f"{len(sent)} ops sent and answered ({load.results}); the store holds {applied[0]} of "
        f"them in applied_ops and {events[0]} note events ({events[1]} distinct texts): "
        + (
            "none lost, none doubled"
            if applied[0] == len(sent) == events[0] == events[1]
            else "**MISMATCH**"
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--offices", type=int, default=100)
    parser.add_argument("--concurrent", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-kill", action="store_true")
    parser.add_argument("--kill-only", action="store_true", help="only the kill -9 run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-central-") as folder:
        args.folder = folder
        started = time.perf_counter()
        sqlite_path, offices = build_province(Path(folder), args.cases, args.offices)
        print(
            f"seeded {args.cases} cases, {len(offices)} offices in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        results = []
        with postgresql_copy(sqlite_path, args.pg) as dsn:
            if args.kill_only:
                asyncio.run(full_pulls_from(dsn, offices, args))
                outcome = kill_a_worker(dsn, offices, args)
                print(f"kill -9 of one of 2 workers during pushes: {outcome}")
                return
            with serving(str(sqlite_path), Path(folder) / "files-sqlite", 1) as (port, process):
                results.append(measure("SQLite", port, process.pid, offices, args))
            for workers in [int(n) for n in args.workers.split(",") if n]:
                files = Path(folder) / f"files-pg-{workers}"
                files.mkdir()
                with serving(dsn, files, workers) as (port, process):
                    results.append(
                        measure(f"PostgreSQL ×{workers}", port, process.pid, offices, args)
                    )
            kill = None if args.no_kill or not args.workers else kill_a_worker(dsn, offices, args)
    print_table(results, args, kill)


def print_table(results: list[Figures], args: argparse.Namespace, kill: str | None) -> None:
    base = results[0]
    print()
    print(
        f"{args.cases} cases, {args.offices} offices, {args.concurrent} at once, "
        f"{args.seconds:.0f} s a load, {os.cpu_count()} CPUs"
    )
    print("| measure | " + " | ".join(f.label for f in results) + " | target |")
    print("|---" * (len(results) + 2) + "|")
    rows = [
        ("idle syncs / s", [f"{f.idle.rate():,.0f}" for f in results], "PG ×2 ≥ 1.5× SQLite"),
        (
            "idle sync p50 / p95 (ms)",
            [f"{f.idle.percentile(0.5):.1f} / {f.idle.percentile(0.95):.1f}" for f in results],
            "p95 < 100 ms",
        ),
        ("cases / s of full pulls", [f"{f.cases_per_s:,.0f}" for f in results], ""),
        (
            "ops / s of pushes (20 a push)",
            [f"{f.push.rate():,.0f}" for f in results],
            "PG ×2 ≥ 1.5× SQLite",
        ),
        (
            "push p50 / p95 (ms)",
            [f"{f.push.percentile(0.5):.1f} / {f.push.percentile(0.95):.1f}" for f in results],
            "",
        ),
    ]
    for load in ("idle", "push"):
        rows.append(
            (
                f"CPUs busy during the {load} load: server / PostgreSQL / load generator",
                [
                    " / ".join(f"{getattr(f, load).cores(part):.2f}" for part in CPU_PARTS)
                    for f in results
                ],
                "",
            )
        )
        rows.append(
            (
                f"CPU µs per {'sync' if load == 'idle' else 'op'}: server / PostgreSQL",
                [
                    " / ".join(f"{getattr(f, load).cpu_per(part):.0f}" for part in CPU_PARTS[:2])
                    for f in results
                ],
                "",
            )
        )
    for name, values, target in rows:
        print(f"| {name} | " + " | ".join(values) + f" | {target} |")
    for f in results[1:]:
        print(
            f"{f.label}: idle ×{f.idle.rate() / base.idle.rate():.2f}, "
            f"pushes ×{f.push.rate() / base.push.rate():.2f}, "
            f"pulls ×{f.cases_per_s / base.cases_per_s:.2f} of SQLite"
        )
    if kill:
        print(f"kill -9 of one of 2 workers during pushes: {kill}")


if __name__ == "__main__":
    main()
