"""Generation and rewards on a real Ray cluster on this machine's loopback.

The cluster is a head (no CPUs: it only drives) and two worker nodes of one CPU each, every one
its own raylet with its own worker processes, all bound to 127.0.0.1. Each node's worker opens
its own warm pool (one container: 1 CPU) on the local Docker engine. The demo models are
deterministic, so a seed gives the same problems wherever it runs: the cluster's accepted set
must equal the single-machine run's, also when a worker is SIGKILLed mid-seed.

Without Ray these tests skip; with GAPFORGE_REQUIRE_RAY=1 (CI) a missing Ray is a failure.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gapforge.config import RunConfig, demo_config
from gapforge.dataset.records import ProblemRecord, Seed, SeedRecord
from gapforge.dataset.store import finished_view, read_table
from gapforge.demo.bank import DEFAULT_TOPICS, FAMILIES, to_problem
from gapforge.demo.server import DemoServer
from gapforge.models import content_hash

REQUIRE_RAY = os.environ.get("GAPFORGE_REQUIRE_RAY") == "1"
SEEDS = [
    Seed(id="s-" + content_hash({"topic": t, "context": ""}, 12), topic=t, source="builtin")
    for t in DEFAULT_TOPICS[:4]
]  # fmt: skip

cluster_test = [pytest.mark.docker, pytest.mark.slow]


def need_ray() -> None:
    try:
        import ray  # noqa: F401
    except ImportError:
        if REQUIRE_RAY:
            pytest.fail(
                "GAPFORGE_REQUIRE_RAY=1 but Ray is not installed: pip install 'gapforge[ray]'", pytrace=False
            )
        pytest.skip(
            "Ray is not installed (pip install 'gapforge[ray]'); GAPFORGE_REQUIRE_RAY=1 makes this a failure"
        )


def small_demo(base_url: str) -> RunConfig:
    # The demo, with a smaller mutant budget so three runs fit in the time budget on 2 cores;
    # both sides of every comparison use this same config.
    cfg = demo_config(base_url)
    return cfg.model_copy(update={"loop": cfg.loop.model_copy(update={"max_mutants": 5})})


def accepted(run: Path) -> list[str]:
    return sorted(p.problem_id for p in finished_view(run)["problems"])


def run_containers(run: Path) -> list[str]:
    from gapforge.sandbox.docker import connect

    run_id = json.loads((run / "run.json").read_text())["run_id"]
    return [
        c.id[:12] for c in connect().containers.list(all=True, filters={"label": f"gapforge.run={run_id}"})
    ]


def assert_each_seed_once(run: Path) -> None:
    ids = [s.seed.id for s in read_table(run, "seeds", SeedRecord)]
    assert sorted(ids) == sorted(s.id for s in SEEDS), "every seed must be finished"
    assert len(ids) == len(set(ids)), f"a seed was finished twice: {ids}"
    problems = [p.problem_id for p in read_table(run, "problems", ProblemRecord)]
    assert len(problems) == len(set(problems)), "an accepted problem was written twice"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[Any]:
    # Ray maps 127.0.0.1 to the machine's outward address unless cluster mode is off (its
    # switch for single-machine platforms); off, every raylet, worker and the GCS stay on
    # loopback. It is read when Ray is imported, and the node processes inherit it.
    previous = os.environ.get("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER")
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    try:
        need_ray()
    except BaseException:
        _restore_env(previous)
        raise
    import ray
    from ray._private import ray_constants
    from ray.cluster_utils import Cluster

    assert not ray_constants.ENABLE_RAY_CLUSTER, "Ray was imported before this fixture set loopback mode"
    temp = tempfile.mkdtemp(prefix="gfray-", dir="/tmp")  # short: Ray's socket paths have a length cap
    # Cluster() records its address in Ray's default temp dir, which a fresh machine does not have
    os.makedirs("/tmp/ray", exist_ok=True)
    node = {"node_ip_address": "127.0.0.1", "temp_dir": temp, "object_store_memory": 80 * 1024 * 1024}
    cluster = Cluster(
        initialize_head=True, head_node_args={**node, "num_cpus": 0, "include_dashboard": False}
    )
    try:
        for _ in range(2):
            cluster.add_node(**node, num_cpus=1)
        ray.init(address=cluster.address, logging_level=logging.WARNING, log_to_driver=False)
        alive = [n for n in ray.nodes() if n["Alive"]]
        assert len(alive) == 3, alive
        assert {n["NodeManagerAddress"] for n in alive} == {"127.0.0.1"}
        cluster.gf_node_args = node  # for tests that replace a node they removed
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()
        shutil.rmtree(temp, ignore_errors=True)
        _restore_env(previous)


def _restore_env(previous: str | None) -> None:
    if previous is None:
        os.environ.pop("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", None)
    else:
        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = previous


@pytest.fixture(scope="module")
def demo_server() -> Iterator[DemoServer]:
    # 1 s per call: a seed takes at least three calls in series (challenger, weak, strong), so one
    # in flight is still in flight 1.5 s later however fast the sandbox is (the kill tests rely on it)
    with DemoServer(latency_s=1.0) as server:
        yield server


@pytest.fixture(scope="module")
def reference(demo_server: DemoServer, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The single-machine run's accepted set (gapforge.generators.run.generate)."""
    from gapforge.generators.run import generate

    out = tmp_path_factory.mktemp("single") / "run"
    with asyncio.Runner() as runner:
        summary = runner.run(generate(small_demo(demo_server.base_url), SEEDS, out, concurrency=4))
    assert summary.stats.seeds_done == len(SEEDS), summary.lines()
    ids = accepted(out)
    assert ids, "the single-machine run accepted nothing; the comparison would be empty"
    return ids


# --------------------------------------------------------------------------- generation


@pytest.mark.docker
@pytest.mark.slow
def test_cluster_run_equals_single_machine_run(
    ray_cluster: Any, demo_server: DemoServer, reference: list[str], tmp_path: Path, run: Any
) -> None:
    from gapforge.distributed import generate_on_ray

    out = tmp_path / "ray"
    # demo_latency_s: each node serves the demo models itself (what `gapforge demo --ray` does)
    summary = run(
        generate_on_ray(
            small_demo(demo_server.base_url), SEEDS, out, address=ray_cluster.address,
            demo_latency_s=0.0,
        )
    )  # fmt: skip
    assert accepted(out) == reference, summary.lines()
    assert_each_seed_once(out)
    assert summary.stats.accepted == len(reference)
    assert summary.stats.seeds_failed == 0, summary.stats.errors
    workers = {n.node_id for n in summary.nodes if n.seeds_finished}
    assert len(workers) == 2, f"both worker nodes should have run seeds: {summary.lines()}"
    assert len(set(summary.finished_by.values())) == 2
    assert summary.total_tokens > 0, "the nodes' token meters did not reach the driver"
    assert run_containers(out) == [], "a node's pool left containers behind"

    # The run dir is an ordinary one: rerunning resumes, finds nothing to do, writes nothing.
    before = (out / "records" / "seeds.jsonl").read_bytes()
    again = run(generate_on_ray(small_demo(demo_server.base_url), SEEDS, out, address=ray_cluster.address))
    assert again.stats.seeds_done == len(SEEDS)
    assert (out / "records" / "seeds.jsonl").read_bytes() == before
    assert len(json.loads((out / "run.json").read_text())["epochs"]) == 2


@pytest.mark.slow
def test_ray_runner_binds_and_checks_the_policy_like_the_local_one(
    ray_cluster: Any, demo_server: DemoServer, tmp_path: Path, run: Any
) -> None:
    """The run store owns the policy check: a Ray run records its policy in run.json and refuses
    to resume a directory bound to another one, exactly as a local run does."""
    from gapforge.distributed import generate_on_ray
    from gapforge.errors import RunStoreError
    from gapforge.generators.run import generate

    cfg = small_demo(demo_server.base_url)
    out = tmp_path / "run"
    # Nothing to do (no seeds): the run binds its policy and ends without starting workers.
    run(generate_on_ray(cfg, [], out, address=ray_cluster.address, policy_id="pol-ray", policy_rules=("r",)))
    meta = json.loads((out / "run.json").read_text())
    assert meta["policy"] == {"policy_id": "pol-ray", "policy": {"rules": ["r"]}}
    with pytest.raises(RunStoreError, match="challenger policy pol-ray, this run uses pol-other"):
        run(generate_on_ray(cfg, SEEDS, out, address=ray_cluster.address, policy_id="pol-other"))
    with pytest.raises(RunStoreError, match="challenger policy pol-ray, this run uses none"):
        run(generate(cfg, SEEDS, out))  # the local runner reads what the Ray one recorded
    # and the other way round: a directory a local run bound is refused on Ray
    local = tmp_path / "local"
    run(generate(cfg, [], local, policy_id="pol-local"))
    with pytest.raises(RunStoreError, match="challenger policy pol-local, this run uses none"):
        run(generate_on_ray(cfg, SEEDS, local, address=ray_cluster.address))
    assert read_table(local, "seeds", SeedRecord) == [], "a refused run must not work on any seed"


def _wait_for_alive_nodes(n: int, limit_s: float = 90.0) -> None:
    import ray

    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if sum(1 for node in ray.nodes() if node["Alive"]) == n:
            return
        time.sleep(0.5)
    raise AssertionError(f"the cluster did not settle at {n} live nodes: {ray.nodes()}")


async def _busy_workers(out: Path) -> list[Any]:
    """The node workers' WorkerInfo once all of them serve seeds (two each, mid-way)."""
    import ray

    for _ in range(1200):
        await asyncio.sleep(0.1)
        if not (out / "run.json").exists():
            continue
        run_id = json.loads((out / "run.json").read_text())["run_id"]
        names = [
            a["name"]
            for a in ray.util.list_named_actors(all_namespaces=True)
            if a["namespace"] == "gapforge" and a["name"].startswith(f"gapforge-{run_id}-")
        ]
        if len(names) < 2:
            continue
        infos = [await ray.get_actor(name, namespace="gapforge").ping.remote() for name in sorted(names)]
        if not all(info.ready for info in infos):
            continue
        # Seeds are dispatched once every worker is ready, and one takes well over a second, so
        # each worker holds its two seeds mid-way after this pause.
        await asyncio.sleep(1.5)
        return infos
    raise AssertionError("the node workers never became ready")


@pytest.mark.docker
@pytest.mark.slow
def test_demo_cli_on_ray_publishes_and_reports_like_the_single_machine_demo(
    ray_cluster: Any, tmp_path: Path
) -> None:
    out = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, "-m", "gapforge", "demo", "--ray", ray_cluster.address, "--seeds", "2",
         "--out", str(out), "--no-progress"],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    from gapforge.demo.bank import families

    # the two Python topics and the demo's C++ seeds (one per C++ family): the workers run both
    finished = [r.seed for r in read_table(out, "seeds", SeedRecord)]
    cpp = len(families("cpp"))
    assert len(finished) == len({s.id for s in finished}) == 2 + cpp, finished
    assert sum(s.language == "cpp" for s in finished) == cpp
    assert accepted(out), proc.stdout  # the demo's first two topics are accepted in their first rounds
    assert (out / "report.html").is_file(), proc.stdout
    assert list((out / "published").rglob("*.parquet")), proc.stdout
    assert "dataset:" in proc.stdout


def test_killed_worker_seeds_finish_exactly_once(
    ray_cluster: Any, demo_server: DemoServer, reference: list[str], tmp_path: Path, run: Any
) -> None:
    from gapforge.distributed import generate_on_ray

    out = tmp_path / "killed"

    async def scenario() -> tuple[Any, int]:
        job = asyncio.create_task(
            generate_on_ray(small_demo(demo_server.base_url), SEEDS, out, address=ray_cluster.address)
        )
        try:
            pid = int((await _busy_workers(out))[0].pid)
            os.kill(pid, signal.SIGKILL)
        except BaseException:
            job.cancel()
            raise
        return await job, pid

    summary, killed = run(scenario())
    assert summary.retried >= 1, f"no seed was in flight on the killed worker: {summary.lines()}"
    assert sum(n.seeds_lost for n in summary.nodes) >= 1
    assert sum(n.restarts for n in summary.nodes) >= 1, "Ray should have restarted the killed worker"
    assert all(not v.endswith(f"/{killed}") for v in summary.finished_by.values())
    assert_each_seed_once(out)
    assert accepted(out) == reference, summary.lines()
    assert summary.stats.seeds_failed == 0, summary.stats.errors
    assert run_containers(out) == [], "the killed worker's containers were not swept"


@pytest.mark.docker
@pytest.mark.slow
def test_lost_node_seeds_finish_on_the_other_node_exactly_once(
    ray_cluster: Any, demo_server: DemoServer, reference: list[str], tmp_path: Path, run: Any
) -> None:
    from gapforge.distributed import generate_on_ray

    out = tmp_path / "node-lost"

    async def scenario() -> tuple[Any, str]:
        job = asyncio.create_task(
            generate_on_ray(small_demo(demo_server.base_url), SEEDS, out, address=ray_cluster.address)
        )
        try:
            victim_id = (await _busy_workers(out))[-1].node_id
            victim = next(n for n in ray_cluster.worker_nodes if n.node_id == victim_id)
            # The whole node goes: its raylet, its workers, its object store.
            ray_cluster.remove_node(victim, allow_graceful=False)
        except BaseException:
            job.cancel()
            raise
        return await job, victim_id

    try:
        summary, lost_id = run(scenario())
    finally:
        # The later tests want two worker nodes again, and the removed one known dead.
        while len(ray_cluster.worker_nodes) < 2:
            ray_cluster.add_node(**ray_cluster.gf_node_args, num_cpus=1)
        _wait_for_alive_nodes(3)  # the head and two workers
    [lost] = [n for n in summary.nodes if n.node_id == lost_id]
    assert not lost.alive and lost.seeds_lost >= 1, summary.lines()
    assert summary.retried >= 1
    [survivor] = [n for n in summary.nodes if n.node_id != lost_id]
    assert survivor.alive and survivor.seeds_finished >= len(SEEDS) - lost.seeds_finished
    assert_each_seed_once(out)
    assert accepted(out) == reference, summary.lines()
    assert summary.stats.seeds_failed == 0, summary.stats.errors
    assert run_containers(out) == [], "the lost node's containers were not swept"


# --------------------------------------------------------------------------- images


@pytest.mark.docker
@pytest.mark.slow
def test_image_is_built_or_found_on_every_node(ray_cluster: Any) -> None:
    from gapforge.distributed import build_images_on_nodes
    from gapforge.images.build import resolve_runner_image
    from gapforge.sandbox.docker import connect

    results = build_images_on_nodes(None)
    assert len(results) == 2, "one result per CPU node (the head has no CPUs)"
    assert len({r.node_id for r in results}) == 2
    expected = resolve_runner_image(connect())
    assert [(r.tag, r.error) for r in results] == [(expected, None)] * 2


# --------------------------------------------------------------------------- rewards


def _completion(code: str) -> str:
    return f"Here is my solution.\n\n```python\n{code}\n```\n"


@pytest.mark.docker
@pytest.mark.slow
def test_ray_rewarder_scores_on_every_node_and_survives_a_lost_worker(ray_cluster: Any) -> None:
    from gapforge.distributed import RaySandboxRewarder
    from gapforge.reward import RewardTask, make_reward_func

    variants = [
        f.variants[0] for f in FAMILIES[:3] if f.variants[0].kind == "function" and f.variants[0].bugs
    ]
    assert len(variants) >= 2
    tasks, completions, expected = [], [], []
    for v in variants:
        p = to_problem(v)
        task = RewardTask(kind=p.kind, tests=p.tests, entry_point=p.entry_point)
        wrong = next(b for b in v.bugs if b.label != "too_slow")
        tasks += [task, task, task, task]
        completions += [
            _completion(p.reference_solution),
            _completion(wrong.code),
            "no code at all",
            _completion(p.reference_solution),
        ]
        expected += [1.0, 0.0, 0.0, 1.0]

    rewarder = RaySandboxRewarder(address=None, run_id="pytest-ray-reward")
    try:
        assert rewarder.score_batch(completions, tasks) == expected
        workers = rewarder.workers
        assert len(workers) == 2 and all(alive for *_, alive in workers)
        assert len({node for node, *_ in workers}) == 2, "one worker per node"
        stats = rewarder.stats
        # duplicates run once: per variant, the reference twice -> 3 distinct completions
        assert stats.scored == 3 * len(variants)
        assert stats.executions == 2 * len(variants)

        # The TRL reward function of gapforge.reward takes it as its rewarder.
        func = make_reward_func(rewarder)
        cols = {
            "kind": [t.kind for t in tasks],
            "tests": [t.tests for t in tasks],
            "entry_point": [t.entry_point for t in tasks],
        }
        assert func(prompts=[""] * len(tasks), completions=completions, **cols) == expected

        # A worker dies between batches: its chunk is rescored on the other node, same scores.
        os.kill(workers[0][2], signal.SIGKILL)
        fresh = [c.replace("Here is", "Here is again") for c in completions]  # not in any cache
        assert rewarder.score_batch(fresh, tasks) == expected
        assert [alive for *_, alive in rewarder.workers] == [False, True]
    finally:
        rewarder.close()
    from gapforge.sandbox.docker import connect

    left = [
        c.id[:12]
        for c in connect().containers.list(all=True, filters={"label": "gapforge"})
        if (c.labels or {}).get("gapforge.run", "").startswith("pytest-ray-reward")
    ]
    assert left == [], "the reward workers' pools (the killed one's too) left containers"


# --------------------------------------------------------------------------- without Ray


def test_without_ray_everything_else_works_and_ray_asks_for_the_extra(tmp_path: Path) -> None:
    """A real interpreter in which `import ray` fails: gapforge, its CLI and the distributed
    package import; --ray's entry points raise ConfigError naming the extra, before any work."""
    script = textwrap.dedent(
        f"""
        import asyncio, sys
        sys.modules["ray"] = None  # makes `import ray` raise ImportError, as without the package
        import gapforge, gapforge.cli, gapforge.reward, gapforge.generators.run
        import gapforge.distributed
        from gapforge.config import demo_config
        from gapforge.errors import ConfigError
        from gapforge.distributed import RaySandboxRewarder, build_images_on_nodes, generate_on_ray, require_ray
        from gapforge.reward import RewardTask
        out = {str(tmp_path / "out")!r}
        for attempt in (
            lambda: require_ray(),
            lambda: asyncio.run(generate_on_ray(demo_config("http://127.0.0.1:1/v1"), [], out, address="auto")),
            lambda: build_images_on_nodes("auto"),
            lambda: RaySandboxRewarder().score("x", RewardTask(kind="function", tests="def test_x(): pass")),
        ):
            try:
                attempt()
            except ConfigError as exc:
                assert "gapforge[ray]" in str(exc), exc
            else:
                raise SystemExit("no ConfigError")
        import os
        assert not os.path.exists(out), "the run dir was created before the Ray check"
        assert "ray" not in {{m.split(".")[0] for m, v in sys.modules.items() if v is not None}}
        print("ok")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-3000:]
    cli = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['ray'] = None; from gapforge.cli import main; sys.argv = ['gapforge', '--help']; main()"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert cli.returncode == 0 and "generate" in cli.stdout, cli.stderr[-2000:]


# --------------------------------------------------------------------------- pure parts


def test_slots_follow_cpus_or_split_the_total() -> None:
    from gapforge.distributed._ray import NodeSpec
    from gapforge.distributed.ray_runner import _slots

    nodes = [NodeSpec("a", "10.0.0.1", 4), NodeSpec("b", "10.0.0.2", 12)]
    assert _slots(nodes, None, 2.0) == {"a": 8, "b": 24}
    assert _slots(nodes, 8, 2.0) == {"a": 2, "b": 6}
    assert _slots(nodes, 1, 2.0) == {"a": 1, "b": 1}, "every node gets at least one slot"


def test_shared_endpoint_limits_are_split_and_loopback_ones_are_per_node() -> None:
    from gapforge.config import loads_config
    from gapforge.distributed.ray_runner import _role_shares

    cfg = loads_config(
        textwrap.dedent(
            """
            [roles.challenger]
            base_url = "https://api.example.com/v1"
            model = "big"
            api_key_env = "K"
            max_concurrency = 64
            [roles.weak]
            base_url = "http://127.0.0.1:8000/v1"
            model = "small"
            max_concurrency = 16
            [roles.strong]
            base_url = "https://api.example.com/v1"
            model = "big"
            api_key_env = "K"
            max_concurrency = 3
            """
        )
    )
    assert _role_shares(cfg, 4, 16, demo=False) == {"challenger": 16, "weak": 16, "strong": 1}
    assert _role_shares(cfg, 4, 16, demo=True) == {"challenger": 64, "weak": 16, "strong": 3}


def test_reward_chunks_cover_the_batch_in_proportion() -> None:
    from gapforge.distributed.ray_reward import _chunks

    assert _chunks(10, [1, 1]) == [range(0, 5), range(5, 10)]
    assert _chunks(10, [1, 3]) == [range(0, 2), range(2, 10)]
    assert _chunks(1, [1, 1, 1]) == [range(0, 1)]
    assert _chunks(0, [1]) == []
    assert _chunks(5, []) == []
