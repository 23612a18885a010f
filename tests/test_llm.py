"""OpenAIChatModel against a real HTTP server on loopback, driven by the real openai client."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from fakes_openai import FakeOpenAI, Reply, empty, error, ok, slow, truncated

from gapforge.config import RoleConfig
from gapforge.errors import ConfigError, MalformedOutput, ModelError
from gapforge.llm import (
    Backoff,
    ChatModel,
    Completion,
    Message,
    OpenAIChatModel,
    UsageStats,
    complete_json,
    raw_text,
)

FAST = Backoff(initial_s=0.01, max_s=0.05, jitter_s=0.01)
HELLO = [Message(role="system", content="be brief"), Message(role="user", content="hi")]


@pytest.fixture
def srv() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def role(base_url: str, **kw: Any) -> RoleConfig:
    fields: dict[str, Any] = {"base_url": base_url, "model": "fake-model", "max_retries": 3} | kw
    return RoleConfig(**fields)


def make(srv_or_url: FakeOpenAI | str, name: str = "weak", **kw: Any) -> OpenAIChatModel:
    url = srv_or_url.base_url if isinstance(srv_or_url, FakeOpenAI) else srv_or_url
    environ = kw.pop("environ", None)
    return OpenAIChatModel(name, role(url, **kw), backoff=FAST, environ=environ)


def test_success_returns_completion_and_request_is_well_formed(srv: FakeOpenAI, run: Any) -> None:
    srv.then(ok("def f():\n    return 1\n", prompt_tokens=12, completion_tokens=7))

    async def go() -> Completion:
        async with make(srv, temperature=0.7, max_tokens=1234, extra_body={"top_k": 20}) as m:
            assert isinstance(m, ChatModel)
            return await m.complete(HELLO, seed=41)

    c = run(go())
    assert c.text == "def f():\n    return 1\n"
    assert c.finish_reason == "stop"
    assert c.model == "fake-model"
    assert (c.usage.prompt_tokens, c.usage.completion_tokens) == (12, 7)
    assert c.latency_s >= 0
    body = srv.bodies[0]
    assert body["messages"] == [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]
    assert body["seed"] == 41
    assert body["temperature"] == 0.7
    assert body["max_tokens"] == 1234
    assert "max_completion_tokens" not in body
    assert body["top_k"] == 20  # extra_body passes through


def test_max_completion_tokens_field_and_no_seed(srv: FakeOpenAI, run: Any) -> None:
    async def go() -> None:
        async with make(srv, max_tokens=999, max_tokens_field="max_completion_tokens") as m:
            await m.complete(HELLO)

    run(go())
    body = srv.bodies[0]
    assert body["max_completion_tokens"] == 999
    assert "max_tokens" not in body
    assert "seed" not in body


def test_transient_errors_are_retried_then_succeed(srv: FakeOpenAI, run: Any) -> None:
    srv.then(error(429), error(500), error(503), ok("finally"))

    async def go() -> tuple[Completion, UsageStats]:
        async with make(srv, max_retries=3) as m:
            c = await m.complete(HELLO)
            return c, m.meter.snapshot()

    c, stats = run(go())
    assert c.text == "finally"
    assert srv.requests == 4
    assert (stats.calls, stats.failures, stats.requests, stats.retries) == (1, 0, 4, 3)


def test_retries_run_out_with_a_clear_error(srv: FakeOpenAI, run: Any) -> None:
    srv.set_default(error(502, "bad gateway upstream"))

    async def go() -> UsageStats:
        async with make(srv, max_retries=2) as m:
            with pytest.raises(ModelError) as info:
                await m.complete(HELLO)
            assert not isinstance(info.value, MalformedOutput)
            msg = str(info.value)
            assert "after 3 attempts" in msg
            assert "502" in msg
            assert "bad gateway upstream" in msg
            assert "roles.weak.max_retries" in msg
            return m.meter.snapshot()

    stats = run(go())
    assert srv.requests == 3
    assert (stats.calls, stats.failures, stats.retries) == (0, 1, 2)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, "check that roles.weak.api_key_env FAKE_KEY holds a valid key"),
        (403, "FAKE_KEY"),
        (404, "model not served at URL"),
        (400, "rejected the request"),
        (422, "rejected the request"),
    ],
)
def test_client_errors_are_not_retried(srv: FakeOpenAI, run: Any, status: int, expected: str) -> None:
    srv.set_default(error(status, "scripted refusal"))

    async def go() -> str:
        async with make(srv, api_key_env="FAKE_KEY", environ={"FAKE_KEY": "secret-1"}) as m:
            with pytest.raises(ModelError) as info:
                await m.complete(HELLO)
            assert m.meter.failures == 1
            assert m.meter.retries == 0
            return str(info.value)

    msg = run(go())
    assert srv.requests == 1
    assert expected in msg
    assert "'fake-model'" in msg
    assert srv.base_url in msg
    assert "scripted refusal" in msg
    assert srv.state.headers[0]["authorization"] == "Bearer secret-1"


def test_bad_request_about_max_tokens_suggests_the_other_field(srv: FakeOpenAI, run: Any) -> None:
    srv.set_default(error(400, "Unsupported parameter: 'max_tokens'. Use 'max_completion_tokens' instead."))

    async def go() -> str:
        async with make(srv, name="strong") as m:
            with pytest.raises(ModelError) as info:
                await m.complete(HELLO)
            return str(info.value)

    assert "roles.strong.max_tokens_field = 'max_completion_tokens'" in run(go())
    assert srv.requests == 1


@pytest.mark.parametrize(("bad", "word"), [(empty(), "empty"), (truncated(), "max_tokens")])
def test_empty_or_truncated_is_retried_then_succeeds(
    srv: FakeOpenAI, run: Any, bad: Reply, word: str
) -> None:
    srv.then(bad, bad, ok("good"))

    async def go() -> tuple[Completion, UsageStats]:
        async with make(srv, max_retries=3) as m:
            return await m.complete(HELLO), m.meter.snapshot()

    c, stats = run(go())
    assert c.text == "good"
    assert stats.retries == 2
    assert srv.requests == 3


@pytest.mark.parametrize(
    ("bad", "expected_raw", "hint"),
    [
        (empty(), "", "is empty"),
        (Reply(content=None), "", "is empty"),
        (Reply(content="   \n"), "   \n", "is empty"),
        (truncated("def f(x):\n    return"), "def f(x):\n    return", "raise roles.weak.max_tokens"),
    ],
)
def test_empty_or_truncated_becomes_malformed_output(
    srv: FakeOpenAI, run: Any, bad: Reply, expected_raw: str, hint: str
) -> None:
    srv.set_default(bad)

    async def go() -> tuple[MalformedOutput, UsageStats]:
        async with make(srv, max_retries=2, max_tokens=64) as m:
            with pytest.raises(MalformedOutput) as info:
                await m.complete(HELLO)
            return info.value, m.meter.snapshot()

    exc, stats = run(go())
    assert srv.requests == 3  # counts toward max_retries
    assert hint in str(exc)
    assert "after 3 attempts" in str(exc)
    assert raw_text(exc) == expected_raw
    assert (stats.calls, stats.failures, stats.retries) == (0, 1, 2)
    # Discarded responses were billed: their tokens are counted.
    assert stats.prompt_tokens == 30


def test_non_json_200_is_retried(srv: FakeOpenAI, run: Any) -> None:
    srv.then(Reply(raw_body=b"<html>proxy error</html>"), ok("fine"))

    async def go() -> Completion:
        async with make(srv) as m:
            return await m.complete(HELLO)

    assert run(go()).text == "fine"
    assert srv.requests == 2


def test_usage_and_cost_are_summed(srv: FakeOpenAI, run: Any) -> None:
    srv.then(
        ok("a", prompt_tokens=1000, completion_tokens=200),
        truncated("b", prompt_tokens=1000, completion_tokens=500),  # billed, then retried
        ok("c", prompt_tokens=1000, completion_tokens=300),
        ok("d", prompt_tokens=500, completion_tokens=100),
    )

    async def go() -> UsageStats:
        async with make(srv, price_per_1k_prompt=0.5, price_per_1k_completion=2.0) as m:
            for _ in range(3):
                await m.complete(HELLO)
            return m.meter.snapshot()

    stats = run(go())
    assert stats.calls == 3
    assert stats.requests == 4
    assert stats.retries == 1
    assert stats.prompt_tokens == 3500
    assert stats.completion_tokens == 1100
    assert stats.total_tokens == 4600
    assert stats.cost_usd == pytest.approx(3.5 * 0.5 + 1.1 * 2.0)
    assert stats.in_flight == 0
    assert stats.latency_s > 0
    # Serialisable for the run store and the report.
    again = UsageStats.model_validate_json(stats.model_dump_json())
    assert again == stats
    total = UsageStats.combine([stats, stats])
    assert total.cost_usd == pytest.approx(2 * stats.cost_usd)
    assert total.role == "total"


def test_concurrency_bound_is_observed_by_the_server(srv: FakeOpenAI, run: Any) -> None:
    srv.set_default(slow(0.4, "x"))

    async def go() -> list[int]:
        async with make(srv, max_concurrency=2) as m:
            seen: list[int] = []

            async def one(i: int) -> None:
                await m.complete(HELLO, seed=i)
                seen.append(m.meter.in_flight)

            await asyncio.gather(*(one(i) for i in range(6)))
            return seen

    seen = run(go())
    assert srv.requests == 6
    assert srv.max_in_flight == 2
    assert max(seen) <= 2


def test_concurrency_bound_is_per_model(srv: FakeOpenAI, run: Any) -> None:
    srv.set_default(slow(0.4, "x"))

    async def go() -> None:
        async with make(srv, "weak", max_concurrency=1) as a, make(srv, "strong", max_concurrency=2) as b:
            await asyncio.gather(
                *(a.complete(HELLO) for _ in range(3)), *(b.complete(HELLO) for _ in range(4))
            )

    run(go())
    assert srv.max_in_flight == 3


def test_timeouts_are_retried(srv: FakeOpenAI, run: Any) -> None:
    srv.then(slow(3.0, "late"), ok("on time"))

    async def go() -> tuple[Completion, UsageStats]:
        async with make(srv, timeout_s=1.0) as m:
            return await m.complete(HELLO), m.meter.snapshot()

    c, stats = run(go())
    assert c.text == "on time"
    assert stats.retries == 1
    assert srv.requests == 2


def test_timeouts_run_out(srv: FakeOpenAI, run: Any) -> None:
    srv.set_default(slow(2.0, "late"))

    async def go() -> str:
        async with make(srv, timeout_s=0.3, max_retries=1) as m:
            with pytest.raises(ModelError) as info:
                await m.complete(HELLO)
            return str(info.value)

    msg = run(go())
    assert "timeout_s=0.3" in msg
    assert "raise roles.weak.timeout_s" in msg
    assert srv.requests == 2


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_connection_refused_names_the_endpoint(run: Any) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"

    async def go() -> tuple[str, UsageStats]:
        async with make(url, name="challenger", max_retries=2) as m:
            with pytest.raises(ModelError) as info:
                await m.complete(HELLO)
            return str(info.value), m.meter.snapshot()

    msg, stats = run(go())
    assert f"the endpoint at {url} is unreachable" in msg
    assert "roles.challenger.base_url" in msg
    assert "after 3 attempts" in msg
    assert (stats.requests, stats.retries, stats.failures) == (3, 2, 1)


def test_retry_after_header_is_honoured(srv: FakeOpenAI, run: Any) -> None:
    srv.then(error(429, headers=(("retry-after-ms", "300"),)), ok("after the pause"))

    async def go() -> float:
        loop = asyncio.get_running_loop()
        async with OpenAIChatModel("weak", role(srv.base_url), backoff=Backoff(0.01, 1.0, 0.0)) as m:
            start = loop.time()
            await m.complete(HELLO)
            return loop.time() - start

    assert run(go()) >= 0.29


def test_backoff_grows_and_is_capped() -> None:
    b = Backoff(initial_s=1.0, max_s=8.0, jitter_s=0.0)
    assert [b.delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert b.delay(1, retry_after=5.0) == 5.0
    assert b.delay(1, retry_after=100.0) == 8.0
    jittered = Backoff(initial_s=1.0, max_s=8.0, jitter_s=0.5)
    assert all(1.0 <= jittered.delay(1) <= 1.5 for _ in range(50))


def test_missing_key_variable_is_a_config_error() -> None:
    cfg = RoleConfig(base_url="https://api.example.com/v1", model="m", api_key_env="NOT_SET_ANYWHERE")
    with pytest.raises(ConfigError, match=r"roles\.strong\.api_key_env.*NOT_SET_ANYWHERE is not set"):
        OpenAIChatModel("strong", cfg, environ={})


def _parse_answer(text: str) -> int:
    try:
        value = json.loads(text)["answer"]
    except (ValueError, KeyError, TypeError) as exc:
        raise MalformedOutput(f"expected a JSON object with an integer 'answer' ({exc})") from None
    if not isinstance(value, int):
        raise MalformedOutput("'answer' must be an integer")
    return value


def test_complete_json_retries_with_feedback_and_new_seeds(srv: FakeOpenAI, run: Any) -> None:
    srv.then(ok("Sure! The answer is 42."), ok('{"answer": "42"}'), ok('{"answer": 42}'))

    async def go() -> int:
        async with make(srv) as m:
            return await complete_json(m, HELLO, _parse_answer, attempts=3, seed=10)

    assert run(go()) == 42
    bodies = srv.bodies
    assert [b["seed"] for b in bodies] == [10, 11, 12]
    assert len(bodies[0]["messages"]) == 2
    # The retry shows only the latest rejected reply and why, so the context does not grow.
    last = bodies[2]["messages"]
    assert len(last) == 4
    assert last[2] == {"role": "assistant", "content": '{"answer": "42"}'}
    assert "'answer' must be an integer" in last[3]["content"]


def test_complete_json_gives_up_with_the_raw_text(srv: FakeOpenAI, run: Any) -> None:
    srv.set_default(ok("no json here"))

    async def go() -> MalformedOutput:
        async with make(srv) as m:
            with pytest.raises(MalformedOutput) as info:
                await complete_json(m, HELLO, _parse_answer, attempts=2, feedback=False)
            return info.value

    exc = run(go())
    assert raw_text(exc) == "no json here"
    assert "after 2 attempts" in str(exc)
    assert "integer 'answer'" in str(exc)
    assert srv.requests == 2
    assert all(len(b["messages"]) == 2 for b in srv.bodies)  # no feedback
