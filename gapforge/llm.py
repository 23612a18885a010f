"""Model access: one narrow :class:`ChatModel` protocol and its OpenAI-compatible implementation.

Roles are configuration, not classes: every role (challenger, weak, strong, reviewer) is an
:class:`OpenAIChatModel` built from its :class:`~gapforge.config.RoleConfig`.

What counts as a measurement failure: 429, 5xx, timeouts, connection errors, an empty completion
and a truncated one (``finish_reason == "length"``) are retried with exponential backoff and
jitter. So are broken transports, as proxies and gateways produce them: a 200 whose body is cut
off or is not JSON, an HTML error page, a reset mid-body, and a stall or a trickle after the
headers (``timeout_s`` bounds each whole request, not just each read); when retries run out they raise :class:`~gapforge.errors.ModelError` (or its subclass
:class:`~gapforge.errors.MalformedOutput`), which callers record as infrastructure failures and
never score as 0. Errors no retry can fix (400, 401, 403, 404, 422) raise at once with the fix.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Literal, Protocol, Self, TypeVar, cast, runtime_checkable

import openai
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel, ConfigDict, Field
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from gapforge.config import RoleConfig
from gapforge.errors import ConfigError, MalformedOutput, ModelError
from gapforge.models import Message as Message
from gapforge.models import TokenUsage

T = TypeVar("T")

# Sent as the key to loopback servers that need none: the OpenAI client refuses an empty key.
_NO_KEY = "EMPTY"
_EXCERPT = 300


class Completion(BaseModel):
    """One successful completion: the text and what it cost.

    ``unstored_usage`` is what the answers retried away before this one cost (empty or truncated
    completions are billed too); ``call_id`` is set by a caller that recorded the call.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    finish_reason: str
    usage: TokenUsage = TokenUsage()
    model: str
    latency_s: float = Field(ge=0)
    system_fingerprint: str | None = None
    unstored_usage: TokenUsage = TokenUsage()
    call_id: str | None = None


@runtime_checkable
class ChatModel(Protocol):
    """Anything that turns chat messages into a completion (an endpoint, the demo server, a script)."""

    async def complete(self, messages: Sequence[Message], *, seed: int | None = None) -> Completion: ...


def malformed(message: str, raw: str) -> MalformedOutput:
    """A MalformedOutput carrying the raw model text (``exc.raw``) for the run store."""
    return MalformedOutput(message, raw=raw)


def raw_text(exc: BaseException) -> str:
    """The raw model text attached to a MalformedOutput, or ''."""
    return exc.raw if isinstance(exc, MalformedOutput) else ""


# ---------------------------------------------------------------------------------------------
# Accounting


class UsageStats(BaseModel):
    """A snapshot of one role's usage (serialisable; what the progress display and report show)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: str
    model: str
    calls: int = 0
    failures: int = 0
    requests: int = 0
    retries: int = 0
    in_flight: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_s: float = 0.0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def mean_latency_s(self) -> float:
        return self.latency_s / self.requests if self.requests else 0.0

    @classmethod
    def combine(cls, stats: Iterable[UsageStats], role: str = "total") -> UsageStats:
        """Sum several roles' stats (e.g. the run total)."""
        items = list(stats)
        models = sorted({s.model for s in items})
        return cls(
            role=role,
            model=",".join(models),
            calls=sum(s.calls for s in items),
            failures=sum(s.failures for s in items),
            requests=sum(s.requests for s in items),
            retries=sum(s.retries for s in items),
            in_flight=sum(s.in_flight for s in items),
            prompt_tokens=sum(s.prompt_tokens for s in items),
            completion_tokens=sum(s.completion_tokens for s in items),
            cost_usd=sum(s.cost_usd for s in items),
            latency_s=sum(s.latency_s for s in items),
        )


@dataclass
class UsageMeter:
    """Live counters for one role, updated as requests complete; read them at any time.

    ``calls`` are completions returned, ``failures`` calls that raised after retries, ``requests``
    HTTP requests sent (``retries`` of them repeats). Tokens and cost include discarded responses
    (empty or truncated ones are billed too); ``latency_s`` sums the time of every request.
    """

    role: str
    model: str
    price_per_1k_prompt: float = 0.0
    price_per_1k_completion: float = 0.0
    calls: int = 0
    failures: int = 0
    requests: int = 0
    retries: int = 0
    in_flight: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0

    @property
    def cost_usd(self) -> float:
        return (
            self.prompt_tokens * self.price_per_1k_prompt
            + self.completion_tokens * self.price_per_1k_completion
        ) / 1000.0

    def add_response(self, usage: TokenUsage) -> None:
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens

    def snapshot(self) -> UsageStats:
        return UsageStats(
            role=self.role,
            model=self.model,
            calls=self.calls,
            failures=self.failures,
            requests=self.requests,
            retries=self.retries,
            in_flight=self.in_flight,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            cost_usd=self.cost_usd,
            latency_s=self.latency_s,
        )


# ---------------------------------------------------------------------------------------------
# The OpenAI-compatible client


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter between retries; a server's Retry-After wins when longer."""

    initial_s: float = 1.0
    max_s: float = 60.0
    jitter_s: float = 1.0

    def delay(self, retry_number: int, retry_after: float | None = None) -> float:
        base: float = min(self.max_s, self.initial_s * 2.0 ** max(0, retry_number - 1))
        wait = base + random.uniform(0, self.jitter_s)
        if retry_after is not None and math.isfinite(retry_after) and retry_after > 0:
            wait = max(wait, min(retry_after, self.max_s))
        return min(wait, self.max_s + self.jitter_s)


TransientKind = Literal["rate_limit", "server", "timeout", "connection", "empty", "truncated", "invalid"]


class _Transient(Exception):
    """A failure another request may not repeat. Internal: never leaves this module."""

    def __init__(
        self,
        kind: TransientKind,
        detail: str,
        *,
        raw: str = "",
        retry_after: float | None = None,
        cause: BaseException | None = None,
        usage: TokenUsage | None = None,
    ) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.raw = raw
        self.usage = usage or TokenUsage()  # what a billed but discarded answer cost
        self.retry_after = retry_after
        self.cause = cause


class OpenAIChatModel:
    """A role's model behind an OpenAI-compatible endpoint, with retries, a concurrency bound and a meter.

    Use it as an async context manager (or call :meth:`aclose`) so its connections are released.
    """

    def __init__(
        self,
        role: str,
        config: RoleConfig,
        *,
        backoff: Backoff | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.role = role
        self.config = config
        self.backoff = backoff or Backoff()
        self.meter = UsageMeter(
            role=role,
            model=config.model,
            price_per_1k_prompt=config.price_per_1k_prompt,
            price_per_1k_completion=config.price_per_1k_completion,
        )
        key = config.api_key(environ)
        if config.api_key_env is not None and key is None:
            raise ConfigError(
                f"roles.{role}.api_key_env: the environment variable {config.api_key_env} is not set; "
                f"export {config.api_key_env}=<key for {config.base_url}> before running"
            )
        self._semaphore = asyncio.Semaphore(config.max_concurrency)
        self._client = openai.AsyncOpenAI(
            api_key=key or _NO_KEY,
            base_url=config.base_url,
            # Retries are ours (they must also cover empty and truncated completions).
            max_retries=0,
            timeout=openai.Timeout(config.timeout_s, connect=min(config.timeout_s, 30.0)),
        )

    @property
    def model(self) -> str:
        return self.config.model

    def __repr__(self) -> str:
        return f"OpenAIChatModel(role={self.role!r}, model={self.model!r}, base_url={self.config.base_url!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await asyncio.shield(self._client.close())

    async def complete(self, messages: Sequence[Message], *, seed: int | None = None) -> Completion:
        """One completion, retried on transient failures; raises ModelError / MalformedOutput."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.config.max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            before_sleep=self._count_retry,
            reraise=True,
        )
        result: Completion | None = None
        discarded = TokenUsage()
        try:
            async with self._semaphore:
                async for attempt in retrying:
                    with attempt:
                        try:
                            result = await self._request(messages, seed)
                        except _Transient as exc:
                            discarded = discarded + exc.usage
                            raise
        except _Transient as exc:
            self.meter.failures += 1
            error = self._give_up(exc)
            error.unstored_usage = discarded
            raise error from exc.cause
        except Exception:  # a cancellation is not a failure of the endpoint
            self.meter.failures += 1
            raise
        assert result is not None
        self.meter.calls += 1
        return result.model_copy(update={"unstored_usage": discarded}) if discarded.total else result

    # -- internals ------------------------------------------------------------------------------

    def _where(self) -> str:
        return f"{self.role} model {self.model!r} at {self.config.base_url}"

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        retry_after = exc.retry_after if isinstance(exc, _Transient) else None
        return self.backoff.delay(state.attempt_number, retry_after)

    def _count_retry(self, state: RetryCallState) -> None:
        self.meter.retries += 1

    async def _request(self, messages: Sequence[Message], seed: int | None) -> Completion:
        cfg = self.config
        payload = cast("list[ChatCompletionMessageParam]", [m.model_dump() for m in messages])
        self.meter.requests += 1
        self.meter.in_flight += 1
        start = time.monotonic()
        try:
            # The client's timeout bounds each read; a server that trickles bytes never trips it.
            async with asyncio.timeout(cfg.timeout_s):
                response = await self._client.chat.completions.create(
                    model=cfg.model,
                    messages=payload,
                    temperature=cfg.temperature,
                    max_tokens=cfg.max_tokens if cfg.max_tokens_field == "max_tokens" else openai.omit,
                    max_completion_tokens=(
                        cfg.max_tokens if cfg.max_tokens_field == "max_completion_tokens" else openai.omit
                    ),
                    seed=openai.omit if seed is None else seed,
                    extra_body=dict(cfg.extra_body) or None,
                )
        except openai.APIStatusError as exc:
            raise self._status_error(exc) from exc
        except openai.APITimeoutError as exc:
            raise _Transient("timeout", f"no answer within timeout_s={cfg.timeout_s:g}", cause=exc) from exc
        except openai.APIConnectionError as exc:
            raise _Transient("connection", _connection_detail(exc), cause=exc) from exc
        except openai.APIError as exc:  # e.g. a 200 whose body is not a chat completion
            raise _Transient("invalid", f"unusable response ({exc})", cause=exc) from exc
        except TimeoutError as exc:
            raise _Transient(
                "timeout", f"the answer was not complete within timeout_s={cfg.timeout_s:g}", cause=exc
            ) from exc
        except ValueError as exc:  # a 200 whose body is cut off or not JSON (the client's json() raised)
            raise _Transient(
                "invalid", f"the response body is not valid JSON ({_excerpt(str(exc))})", cause=exc
            ) from exc
        finally:
            latency = time.monotonic() - start
            self.meter.latency_s += latency
            self.meter.in_flight -= 1
        return self._read(response, latency)

    def _read(self, response: object, latency: float) -> Completion:
        usage = _usage(getattr(response, "usage", None))
        self.meter.add_response(usage)
        choices = getattr(response, "choices", None)
        if not choices:
            raise _Transient("invalid", f"the response is not a chat completion: {_excerpt(repr(response))}")
        choice = choices[0]
        message = getattr(choice, "message", None)
        text = getattr(message, "content", None)
        text = text if isinstance(text, str) else ""
        finish = str(getattr(choice, "finish_reason", None) or "unknown")
        if finish == "length":
            raise _Transient(
                "truncated",
                f"the completion hit max_tokens={self.config.max_tokens} ({usage.completion_tokens} tokens)",
                raw=text,
                usage=usage,
            )
        if not text.strip():
            raise _Transient(
                "empty", f"the completion is empty (finish_reason={finish})", raw=text, usage=usage
            )
        served = getattr(response, "model", None)
        fingerprint = getattr(response, "system_fingerprint", None)
        return Completion(
            text=text,
            finish_reason=finish,
            usage=usage,
            model=served if isinstance(served, str) and served else self.model,
            latency_s=latency,
            system_fingerprint=fingerprint if isinstance(fingerprint, str) else None,
        )

    def _status_error(self, exc: openai.APIStatusError) -> Exception:
        code = exc.status_code
        detail = f"HTTP {code}: {_excerpt(_server_message(exc))}"
        where = self._where()
        path = f"roles.{self.role}"
        if code == 429:
            return _Transient("rate_limit", detail, retry_after=_retry_after(exc), cause=exc)
        if code in (408, 409) or code >= 500:
            return _Transient("server", detail, retry_after=_retry_after(exc), cause=exc)
        if code in (401, 403):
            key = self.config.api_key_env
            fix = (
                f"check that {path}.api_key_env {key} holds a valid key for this endpoint"
                if key
                else f"the server wants a key: set {path}.api_key_env to the variable that holds it"
            )
            return ModelError(f"{where} refused the request ({detail}); {fix}")
        if code == 404:
            return ModelError(
                f"{where}: model not served at URL ({detail}); check {path}.model against the server's "
                f"GET {self.config.base_url}/models list and that {path}.base_url ends with /v1"
            )
        hint = f"check {path}.max_tokens (context length), {path}.temperature and {path}.extra_body"
        if "max_tokens" in str(exc.body) or "max_completion_tokens" in str(exc.body):
            hint = f"try {path}.max_tokens_field = 'max_completion_tokens' or a smaller {path}.max_tokens"
        return ModelError(f"{where} rejected the request ({detail}); {hint}")

    def _give_up(self, exc: _Transient) -> ModelError:
        where = self._where()
        path = f"roles.{self.role}"
        attempts = self.config.max_retries + 1
        tried = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
        if exc.kind in ("empty", "truncated"):
            fix = (
                f"raise {path}.max_tokens (reasoning models need room to think)"
                if exc.kind == "truncated"
                else f"check the model's chat template and {path}.max_tokens"
            )
            return malformed(f"{where}: {exc.detail} {tried}; {fix}", exc.raw)
        if exc.kind == "connection":
            return ModelError(
                f"{where}: the endpoint at {self.config.base_url} is unreachable {tried} ({exc.detail}); "
                f"check that the server is running and {path}.base_url (host, port, http vs https)"
            )
        if exc.kind == "timeout":
            return ModelError(
                f"{where}: {exc.detail} {tried}; raise {path}.timeout_s or lower {path}.max_concurrency"
            )
        if exc.kind == "rate_limit":
            return ModelError(
                f"{where}: rate limited {tried} ({exc.detail}); lower {path}.max_concurrency "
                f"or raise {path}.max_retries"
            )
        return ModelError(
            f"{where}: failing {tried} ({exc.detail}); check the server's logs, or raise {path}.max_retries"
        )


def _usage(raw: object) -> TokenUsage:
    prompt = getattr(raw, "prompt_tokens", 0)
    completion = getattr(raw, "completion_tokens", 0)
    return TokenUsage(
        prompt_tokens=prompt if isinstance(prompt, int) and prompt > 0 else 0,
        completion_tokens=completion if isinstance(completion, int) and completion > 0 else 0,
    )


def _retry_after(exc: openai.APIStatusError) -> float | None:
    headers = exc.response.headers
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value) / scale
        except ValueError:
            continue
    return None


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    return str(exc.message)


def _connection_detail(exc: openai.APIConnectionError) -> str:
    cause: BaseException | None = exc.__cause__
    while cause is not None and cause.__cause__ is not None:
        cause = cause.__cause__
    text = str(cause) if cause is not None else ""
    return f"connection failed: {text}" if text else "connection failed"


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 3] + "..."


# ---------------------------------------------------------------------------------------------
# Structured output


async def complete_json(
    model: ChatModel,
    messages: Sequence[Message],
    parse: Callable[[str], T],
    *,
    attempts: int = 3,
    seed: int | None = None,
    feedback: bool = True,
) -> T:
    """Ask until ``parse`` accepts the completion; ``parse`` raises MalformedOutput to reject it.

    With ``feedback`` the next request shows the model its rejected reply and the reason (only the
    latest one, so the context does not grow). Retries use ``seed + i`` so a server that honours
    seeds does not return the same bad text. After ``attempts`` rejections raises MalformedOutput
    with the last raw text as ``raw``.
    """
    if attempts < 1:
        raise ValueError("attempts must be >= 1")
    base = list(messages)
    prompt = base
    last_raw = ""
    last_reason = ""
    for i in range(attempts):
        completion = await model.complete(prompt, seed=None if seed is None else seed + i)
        try:
            return parse(completion.text)
        except MalformedOutput as exc:
            last_raw, last_reason = completion.text, str(exc)
        if feedback:
            prompt = [
                *base,
                Message(role="assistant", content=completion.text),
                Message(
                    role="user",
                    content=f"Your reply could not be used: {last_reason}\n"
                    "Answer again, following the required format exactly.",
                ),
            ]
    raise malformed(f"unusable model output after {attempts} attempts; last problem: {last_reason}", last_raw)
