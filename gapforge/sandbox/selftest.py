"""`gapforge doctor`: engine, image, a live confinement self-test, disk. Each check says how to fix."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass
from typing import Any

from gapforge.errors import GapforgeError
from gapforge.sandbox.base import Limits, Program, Status

NETWORK_PROBE = Program(
    solution="""
import socket

def probe():
    for host, port in (("1.1.1.1", 53), ("8.8.8.8", 443), ("10.0.0.1", 80)):
        try:
            socket.create_connection((host, port), timeout=2).close()
            return "reached %s" % host
        except OSError:
            continue
    return "blocked"
""",
    tests="from solution import probe\n\ndef test_network_is_blocked():\n    assert probe() == 'blocked'\n",
)

PIDS_PROBE = Program(
    solution="""
import os, time

def spawn(n):
    made = 0
    for _ in range(n):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        made += 1
    return made
""",
    tests="from solution import spawn\n\ndef test_pids_are_capped():\n    assert spawn(400) < 100\n",
)

MEMORY_PROBE = Program(
    solution="def grab(mb):\n    blocks = [bytearray(1024 * 1024) for _ in range(mb)]\n    return len(blocks)\n",
    tests="from solution import grab\n\ndef test_grab():\n    assert grab(1024) == 1024\n",
)

HEALTHY = Program(
    solution="def add(a, b):\n    return a + b\n",
    tests="from solution import add\n\ndef test_add():\n    assert add(2, 3) == 5\n",
)

PROBE_LIMITS = Limits(cpu_seconds=10, wall_seconds=30, memory_mb=128, pids=64)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _language_runners(client: Any) -> Check:
    """Which other languages' runners are built. Informational: Python alone needs none of them,
    and a run whose seeds use a language checks its runner before it starts."""
    from gapforge.images.build import resolve_runner_image
    from gapforge.sandbox.base import LANGUAGES

    built, missing = [], []
    for lang in LANGUAGES:
        if lang == "python":
            continue
        try:
            resolve_runner_image(client, lang)
            built.append(lang)
        except GapforgeError:
            missing.append(lang)
    detail = f"built: {', '.join(built) or 'none'}"
    if missing:
        detail += (
            f"; not built: {', '.join(missing)} (needed only for seeds in them: "
            f"`gapforge images build --base debootstrap --language {','.join(missing)}`)"
        )
    return Check("language runners", True, detail)


async def run_doctor() -> list[Check]:
    from gapforge.images.build import resolve_runner_image
    from gapforge.sandbox.docker import DockerSandbox, connect

    checks: list[Check] = []
    try:
        client = await asyncio.to_thread(connect)
        version = client.version().get("Version", "?")
        checks.append(Check("docker engine", True, f"server {version}"))
    except GapforgeError as exc:
        checks.append(Check("docker engine", False, str(exc)))
        checks.append(_disk("/"))
        checks.append(_bwrap())
        return checks
    try:
        image = await asyncio.to_thread(resolve_runner_image, client)
        checks.append(Check("sandbox image", True, image))
    except GapforgeError as exc:
        checks.append(Check("sandbox image", False, str(exc)))
        checks.append(_disk(client.info().get("DockerRootDir", "/")))
        return checks
    checks.append(await asyncio.to_thread(_language_runners, client))
    async with DockerSandbox(image, client=client, run_id="doctor") as sb:
        healthy, net, pids, mem = await asyncio.gather(
            sb.run(HEALTHY, PROBE_LIMITS),
            sb.run(NETWORK_PROBE, PROBE_LIMITS),
            sb.run(PIDS_PROBE, PROBE_LIMITS),
            sb.run(MEMORY_PROBE, PROBE_LIMITS),
        )
    checks.append(
        Check(
            "runs a program",
            healthy.passed,
            f"{healthy.status.value} in {healthy.wall_s:.2f} s {healthy.message}",
        )
    )
    checks.append(
        Check(
            "network blocked",
            net.passed,
            "no route out of the sandbox" if net.passed else f"the sandbox reached the network: {net.tests}",
        )
    )
    checks.append(
        Check(
            "pids limit holds",
            pids.passed,
            f"fork bomb stopped below {PROBE_LIMITS.pids} processes"
            if pids.passed
            else f"{pids.status.value}: {pids.message}",
        )
    )
    checks.append(
        Check(
            "memory limit holds",
            mem.status is Status.MEMORY_EXCEEDED,
            f"1 GB allocation stopped at {PROBE_LIMITS.memory_mb} MB ({mem.status.value})"
            if mem.status is Status.MEMORY_EXCEEDED
            else f"expected memory_exceeded, got {mem.status.value}: {mem.message}",
        )
    )
    checks.append(_disk(client.info().get("DockerRootDir", "/")))
    checks.append(_bwrap())
    return checks


def _disk(path: str) -> Check:
    try:
        free = shutil.disk_usage(path).free / 2**30
    except OSError:
        free = shutil.disk_usage("/").free / 2**30
    return Check(
        "free disk", free >= 5, f"{free:.1f} GiB free" + ("" if free >= 5 else "; free at least 5 GiB")
    )


def _bwrap() -> Check:
    from gapforge.sandbox.local import bwrap_available

    ok = bwrap_available()
    return Check(
        "local backend isolation (optional)",
        True,
        "bubblewrap works: --backend local uses namespaces"
        if ok
        else "bubblewrap missing: --backend local would use rlimits only (apt-get install bubblewrap)",
    )
