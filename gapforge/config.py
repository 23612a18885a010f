"""Run configuration: one TOML file, validated into frozen pydantic models.

Secrets never live in the file: a role names the environment variable that holds its key
(``api_key_env``), and :func:`validate_environment` checks every one of them before any work starts.
Every problem is reported as one :class:`~gapforge.errors.ConfigError` that names the file, the
field path (``roles.weak.base_url``), what is wrong and what to do.
"""

from __future__ import annotations

import difflib
import hashlib
import ipaddress
import json
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from gapforge.errors import ConfigError
from gapforge.sandbox.base import LANGUAGES, Language, Limits
from gapforge.verifiers.gates import GATE_PRESETS, GateConfig, ProseGate

if TYPE_CHECKING:
    from gapforge.verifiers.oracle.models import OracleConfig

SandboxBackend = Literal["pool", "docker", "local"]
MaxTokensField = Literal["max_tokens", "max_completion_tokens"]

__all__ = [
    "LoopConfig",
    "OutputConfig",
    "RoleConfig",
    "RolesConfig",
    "RunConfig",
    "SandboxConfig",
    "SeedsConfig",
    "demo_config",
    "is_loopback_url",
    "load_config",
    "loads_config",
    "validate_environment",
]

EXAMPLES_HINT = "see examples/configs/openai.toml, vllm.toml or llamacpp.toml"

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def is_loopback_url(url: str) -> bool:
    """True when the URL's host is this machine (keys are optional there)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return False
    return addr.is_loopback or addr.is_unspecified


class RoleConfig(_Section):
    """One model endpoint playing one role (challenger, weak, strong, reviewer)."""

    base_url: str
    model: str = Field(min_length=1)
    api_key_env: str | None = None
    temperature: float = Field(default=1.0, ge=0.0, le=2.0)
    # Small budgets truncate reasoning models and fake a gap; truncation is retried, never scored.
    max_tokens: int = Field(default=4096, ge=16, le=1_000_000)
    # OpenAI's reasoning models reject ``max_tokens``; most local servers only know it.
    max_tokens_field: MaxTokensField = "max_tokens"
    samples: int = Field(default=4, ge=1, le=256)
    extra_body: dict[str, JsonValue] = Field(default_factory=dict)
    timeout_s: float = Field(default=300.0, gt=0, le=86_400)
    max_retries: int = Field(default=5, ge=0, le=50)
    max_concurrency: int = Field(default=8, ge=1, le=4096)
    price_per_1k_prompt: float = Field(default=0.0, ge=0)
    price_per_1k_completion: float = Field(default=0.0, ge=0)

    @field_validator("base_url")
    @classmethod
    def _url(cls, v: str) -> str:
        v = v.strip()
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"{v!r} is not an http(s) URL with a host; write the server's OpenAI-compatible base URL, "
                "e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1"
            )
        try:
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            raise ValueError(f"{v!r} has an invalid port; write it like http://127.0.0.1:8000/v1") from None
        return v.rstrip("/")

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if v.startswith(("sk-", "Bearer ")) or (len(v) > 40 and not v.isupper()):
            raise ValueError(
                "this looks like a key itself; put the NAME of an environment variable here "
                "(e.g. OPENAI_API_KEY) and export the key in it. Never write keys into config files"
            )
        if not _ENV_NAME.fullmatch(v):
            raise ValueError(f"{v!r} is not an environment variable name; use letters, digits and _")
        return v

    @model_validator(mode="after")
    def _key_required_off_loopback(self) -> RoleConfig:
        if self.api_key_env is None and not is_loopback_url(self.base_url):
            raise ValueError(
                f"api_key_env: missing for the remote endpoint {self.base_url}; set it to the name of the "
                'environment variable that holds the key (e.g. api_key_env = "OPENAI_API_KEY"); for a '
                "server without authentication export any value, e.g. VLLM_API_KEY=EMPTY"
            )
        return self

    def api_key(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The key from the environment, or None when no variable is configured or it is unset."""
        if self.api_key_env is None:
            return None
        return (os.environ if environ is None else environ).get(self.api_key_env) or None


class RolesConfig(_Section):
    challenger: RoleConfig
    weak: RoleConfig
    strong: RoleConfig
    reviewer: RoleConfig | None = None
    # The optimizer's roles (`gapforge optimize`): generation never calls them, so they are not
    # in configured() and not in the config hash.
    analyzer: RoleConfig | None = None
    editor: RoleConfig | None = None

    def configured(self) -> dict[str, RoleConfig]:
        """The configured roles by name, in a fixed order."""
        named = {"challenger": self.challenger, "weak": self.weak, "strong": self.strong}
        return named | ({"reviewer": self.reviewer} if self.reviewer is not None else {})


class SandboxConfig(_Section):
    backend: SandboxBackend = "pool"
    limits: Limits = Field(default_factory=Limits)
    # None: one execution per core, so machine load cannot flip verdicts.
    max_concurrency: int | None = Field(default=None, ge=1, le=1024)
    # Solver rollouts get max(this, 4 x the reference's CPU time), capped at limits.cpu_seconds.
    # EvalPlus uses a 4 s floor because its limits are wall-clock time, which load inflates;
    # these are CPU time. The limit used is recorded with each problem and reused by rewards.
    rollout_cpu_floor_s: float = Field(default=1.0, gt=0, le=3600)
    # How long a run waits for a lost Docker engine to come back (rebuilding its containers and
    # carrying on) before it stops with exit code 3; rerunning the command resumes.
    engine_wait_s: float = Field(default=600.0, ge=0, le=7 * 86_400)


class OutputConfig(_Section):
    # The run store checks the free space of the run directory's filesystem before each seed and
    # stops the run cleanly (resumable) below this many MiB, before a write can fail mid-record.
    min_free_mb: int = Field(default=256, ge=0, le=1 << 30)


class LoopConfig(_Section):
    max_rounds: int = Field(default=10, ge=1, le=1000)
    repair_turns: int = Field(default=1, ge=0, le=3)
    validity_runs: int = Field(default=5, ge=1, le=50)
    min_tests: int = Field(default=5, ge=1, le=1000)
    mutation_threshold: float = Field(default=0.7, ge=0.0, le=1.0)
    max_mutants: int = Field(default=20, ge=0, le=1000)
    # None: on exactly when a [roles.reviewer] table is configured.
    reviewer: bool | None = None
    # Ask the weak solver while the validity checks run, so the round waits on the models and the
    # sandbox at once, not one after the other. A draft that proves invalid costs the weak calls
    # already answered (counted in the round's usage); the ones still in flight are cancelled.
    speculative_weak: bool = True


class OracleSection(_Section):
    """The test oracle (``[oracle]``), for problems that carry an input generator: ``n_inputs``
    drawn inputs (seeded by ``seed``: the same seed draws the same inputs) plus up to
    ``max_mutations`` boundary variants and mutations of the tests' inputs, answered by the
    reference, become an extra hidden suite: ``answer_factor`` x ``max_cases`` of them are
    answered, and the suite is cut after hardening to ``max_cases`` cases (``max_cases_stdio``
    for stdio problems, whose every case is a process in every judged run);
    surviving mutants it kills are recorded as hardening; a problem is accepted only when none of
    its known-wrong programs passes the final tests (``known_wrong_rechecks`` of them run again).
    ``enabled = false`` judges every problem on the challenger's tests alone, as before."""

    enabled: bool = True
    n_inputs: int = Field(default=50, ge=0, le=10_000)
    seed: int = 0
    max_mutations: int = Field(default=50, ge=0, le=10_000)
    cpu_per_input_s: float = Field(default=1.0, gt=0, le=60)
    max_cases: int = Field(default=30, ge=1, le=10_000)
    max_cases_stdio: int = Field(default=15, ge=1, le=10_000)
    answer_factor: int = Field(default=2, ge=1, le=100)
    known_wrong_rechecks: int = Field(default=4, ge=0, le=1000)

    def oracle_config(self) -> OracleConfig:
        from gapforge.verifiers.oracle.models import OracleConfig  # the oracle loads when used

        return OracleConfig(
            n_inputs=self.n_inputs, seed=self.seed, max_mutations=self.max_mutations,
            cpu_per_input_s=self.cpu_per_input_s, max_cases=self.max_cases,
            max_cases_stdio=self.max_cases_stdio, answer_factor=self.answer_factor,
        )  # fmt: skip


class SeedsConfig(_Section):
    """Where seeds come from: at most one source; none means the built-in topic list.

    Relative paths are resolved against the config file's directory when loaded from a file.
    """

    topics: tuple[str, ...] | None = None
    topics_file: Path | None = None
    source_dir: Path | None = None
    dataset: Path | None = None
    # The languages problems are written in: seed i gets languages[i % len(languages)] (in the
    # seeds' stable order), unless its dataset row names its own ``language``.
    languages: tuple[Language, ...] = ("python",)

    @field_validator("languages", mode="before")
    @classmethod
    def _languages(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list | tuple):
            return v
        if not v:
            raise ValueError(f"the language list is empty; give one or more of {', '.join(LANGUAGES)}")
        out = []
        for item in v:
            name = item.strip().lower() if isinstance(item, str) else item
            if name not in LANGUAGES:
                raise ValueError(f"unknown language {item!r}; use one of {', '.join(LANGUAGES)}")
            if name not in out:
                out.append(name)
        return tuple(out)

    @field_validator("topics")
    @classmethod
    def _topics(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if v is None:
            return v
        cleaned = tuple(t.strip() for t in v if t.strip())
        if not cleaned:
            raise ValueError("the topic list is empty; give at least one topic or remove the field")
        return cleaned

    @model_validator(mode="after")
    def _one_source(self) -> SeedsConfig:
        given = [name for name in ("topics", "topics_file", "source_dir", "dataset") if getattr(self, name)]
        if len(given) > 1:
            raise ValueError(f"give at most one seed source, got {' and '.join(given)}; keep one of them")
        return self

    @property
    def source(self) -> Literal["builtin", "topics", "topics_file", "source_dir", "dataset"]:
        if self.topics:
            return "topics"
        if self.topics_file:
            return "topics_file"
        if self.source_dir:
            return "source_dir"
        if self.dataset:
            return "dataset"
        return "builtin"


# Fields that change how fast or how expensively a run goes, not what it produces: a run may be
# resumed after changing them.
_OPERATIONAL_ROLE_FIELDS = {
    # where a model is served is not what it is: a run may move to another host serving the same model
    "base_url",
    "api_key_env",
    "timeout_s",
    "max_retries",
    "max_concurrency",
    "price_per_1k_prompt",
    "price_per_1k_completion",
}


class RunConfig(_Section):
    roles: RolesConfig
    gate: GateConfig = Field(default_factory=ProseGate)
    sandbox: SandboxConfig = Field(default_factory=SandboxConfig)
    loop: LoopConfig = Field(default_factory=LoopConfig)
    seeds: SeedsConfig = Field(default_factory=SeedsConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    oracle: OracleSection = Field(default_factory=OracleSection)
    seed: int = 0
    name: str = Field(default="gapforge-run", min_length=1, max_length=200)
    # The published dataset's licence (an SPDX id or a Hugging Face licence tag); None: `other`,
    # until you set it. `gapforge publish --license` overrides it.
    license: str | None = Field(default=None, min_length=1, max_length=100)

    @model_validator(mode="before")
    @classmethod
    def _default_preset(cls, data: Any) -> Any:
        # A [gate] table that only overrides numbers means the default preset.
        if isinstance(data, dict) and isinstance(data.get("gate"), dict) and "preset" not in data["gate"]:
            return data | {"gate": data["gate"] | {"preset": "prose"}}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> RunConfig:
        if self.loop.reviewer and self.roles.reviewer is None:
            raise ValueError(
                "loop.reviewer: is true but no reviewer model is configured; add a [roles.reviewer] "
                "table or set loop.reviewer = false"
            )
        return self

    @property
    def reviewer_enabled(self) -> bool:
        return self.roles.reviewer is not None if self.loop.reviewer is None else self.loop.reviewer

    @property
    def config_hash(self) -> str:
        """Content hash of everything that changes what a run produces (not its name, keys or pacing)."""
        data = self.model_dump(
            mode="json",
            exclude={
                "name": True,
                "license": True,
                "output": True,  # where and how records are kept, not what they say
                "sandbox": {"max_concurrency", "backend", "engine_wait_s"},
                "roles": {"analyzer", "editor"},
                "loop": {"speculative_weak"},  # when the weak solver is asked, not what it is asked
            },
        )
        if self.oracle == OracleSection():
            # the defaults hash as "not set", so configs written before [oracle] keep their hash
            data.pop("oracle")
        for role in data["roles"].values():
            if role is not None:
                for field in _OPERATIONAL_ROLE_FIELDS:
                    role.pop(field, None)
        blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------
# Loading and error reporting


def load_config(path: str | os.PathLike[str]) -> RunConfig:
    """Read and validate a TOML run config; relative seed paths resolve against its directory."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"config file {p} does not exist; create one ({EXAMPLES_HINT})")
    if not p.is_file():
        raise ConfigError(f"config path {p} is not a file; pass the path of a .toml run config")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"config file {p} is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"config file {p} cannot be read ({exc.strerror}); check its permissions") from None
    return loads_config(text, source=str(p), base_dir=p.resolve().parent)


def loads_config(text: str, *, source: str = "<string>", base_dir: Path | None = None) -> RunConfig:
    """Validate TOML text as a run config. ``source`` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"config file {source} is not valid TOML: {exc}; fix the syntax (strings need quotes, "
            "tables are written [roles.weak])"
        ) from None
    cfg = _validate(data, source)
    if base_dir is not None:
        cfg = _resolve_seed_paths(cfg, base_dir, source)
    return cfg


def validate_environment(
    cfg: RunConfig, *, source: str | None = None, environ: Mapping[str, str] | None = None
) -> None:
    """Check that every role's ``api_key_env`` variable is set, before any work starts."""
    env = os.environ if environ is None else environ
    missing: list[str] = []
    for role, rc in cfg.roles.configured().items():
        if rc.api_key_env is not None and not env.get(rc.api_key_env):
            missing.append(
                f"  roles.{role}.api_key_env: the environment variable {rc.api_key_env} is not set; "
                f"export {rc.api_key_env}=<key for {rc.base_url}> before running"
            )
    if missing:
        where = f" (config {source})" if source else ""
        raise ConfigError(f"missing API keys{where}:\n" + "\n".join(dict.fromkeys(missing)))


def demo_config(base_url: str) -> RunConfig:
    """The embedded config for the offline demo model server at ``base_url`` (loopback, no key)."""

    def role(model: str, temperature: float) -> dict[str, Any]:
        # challenger drafts reach ~3k tokens: a generous budget, so no draft is cut short
        tokens = 8192 if model == "demo-challenger" else 4096
        return {
            "base_url": base_url, "model": model, "temperature": temperature,
            "max_concurrency": 16, "max_tokens": tokens,
        }  # fmt: skip

    data = {
        "name": "demo",
        # The demo's problems come from gapforge's own bundled bank: the project's licence.
        "license": "apache-2.0",
        "roles": {
            "challenger": role("demo-challenger", 1.0),
            "weak": role("demo-weak", 1.0),
            "strong": role("demo-strong", 1.0),
            "reviewer": role("demo-reviewer", 0.0),
        },
    }
    return _validate(data, "<demo config>")


def _validate(data: dict[str, Any], source: str) -> RunConfig:
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        lines = [_describe(err) for err in exc.errors()]
        raise ConfigError(f"invalid config {source}:\n" + "\n".join(f"  {line}" for line in lines)) from None


def _resolve_seed_paths(cfg: RunConfig, base_dir: Path, source: str) -> RunConfig:
    updates: dict[str, Path] = {}
    expect = {"topics_file": "file", "source_dir": "directory", "dataset": "file"}
    for name, kind in expect.items():
        value: Path | None = getattr(cfg.seeds, name)
        if value is None:
            continue
        resolved = (base_dir / value.expanduser()).resolve()
        ok = resolved.is_dir() if kind == "directory" else resolved.is_file()
        if not ok:
            raise ConfigError(
                f"invalid config {source}:\n  seeds.{name}: {kind} {resolved} does not exist; "
                f"fix the path (relative paths are relative to the config file's directory)"
            )
        updates[name] = resolved
    if not updates:
        return cfg
    return cfg.model_copy(update={"seeds": cfg.seeds.model_copy(update=updates)})


_PREFIXED = re.compile(r"([a-z_][a-z0-9_.]*): (.*)", re.DOTALL)


def _describe(err: ErrorDetails) -> str:
    """One readable line: field path, what is wrong, what to do."""
    loc = [str(part) for part in err["loc"]]
    kind = err["type"]
    msg = err["msg"]
    gate_tag: str | None = None
    if len(loc) >= 2 and loc[0] == "gate" and loc[1] in GATE_PRESETS:
        # A discriminated union puts the preset's tag into the path: gate.prose.min_gap.
        gate_tag = loc.pop(1)
    if kind == "union_tag_invalid":
        tags = ", ".join(repr(t) for t in GATE_PRESETS)
        tag = (err.get("ctx") or {}).get("tag")
        return f"{'.'.join(loc)}.preset: {tag!r} is not a gate preset; use one of {tags}"
    if kind in ("value_error", "assertion_error"):
        msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        # Cross-field validators name the field they blame as "field: reason".
        m = _PREFIXED.fullmatch(msg)
        if m:
            loc = [*loc, *m.group(1).split(".")] if loc else m.group(1).split(".")
            msg = m.group(2)
        return f"{'.'.join(loc) or '(top level)'}: {msg}"
    path = ".".join(loc) or "(top level)"
    if kind == "missing":
        return f"{path}: missing; {_missing_hint(loc)}"
    if kind == "extra_forbidden":
        if gate_tag is not None:
            return f"{path}: unknown field of the {gate_tag!r} gate; {_unknown_hint(loc, GATE_PRESETS[gate_tag])}"
        return f"{path}: unknown field; {_unknown_hint(loc)}"
    got = _show(err.get("input"))
    if kind == "literal_error":
        return f"{path}: {got} is not allowed; {msg[0].lower()}{msg[1:]}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{path}: expected a table ([{path}] or {{ ... }}), got {got}; write it as a TOML table"
    return f"{path}: {msg}, got {got}; {_type_hint(kind)}"


def _type_hint(kind: str) -> str:
    if kind == "int_from_float":
        return "write a whole number"
    if kind.startswith(("int_", "float_")):
        return "write a number without quotes"
    if kind.startswith("bool_"):
        return "write true or false without quotes"
    if kind.startswith("string_"):
        return 'write a quoted string, e.g. "value"'
    if kind.startswith(("list_", "tuple_")):
        return 'write a list, e.g. ["a", "b"]'
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return "use a value within the allowed range"
    return "fix the value"


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _missing_hint(loc: list[str]) -> str:
    if loc == ["roles"]:
        return "add [roles.challenger], [roles.weak] and [roles.strong] tables with base_url and model"
    if len(loc) == 2 and loc[0] == "roles":
        return f"add a [roles.{loc[1]}] table with at least base_url and model ({EXAMPLES_HINT})"
    field, table = loc[-1], ".".join(loc[:-1])
    where = f"the [{table}] table" if table else "the top level of the file"
    return f"add {field} = ... to {where}"


def _unknown_hint(loc: list[str], model: type[BaseModel] | None = None) -> str:
    model = model or _model_at(loc[:-1])
    if model is None:
        return "remove it"
    valid = list(model.model_fields)
    close = difflib.get_close_matches(loc[-1], valid, n=1)
    guess = f"did you mean {close[0]!r}? " if close else ""
    return f"{guess}remove it or fix its spelling; valid fields here: {', '.join(valid)}"


def _model_at(loc: list[str]) -> type[BaseModel] | None:
    model: type[BaseModel] = RunConfig
    for part in loc:
        field = model.model_fields.get(part)
        if field is None:
            return None
        inner = _model_in(field.annotation)
        if inner is None:
            return None
        model = inner
    return model


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
