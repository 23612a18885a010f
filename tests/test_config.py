"""Run configuration: example files load; every mistake gives a readable ConfigError with a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from gapforge.config import (
    RoleConfig,
    RunConfig,
    demo_config,
    is_loopback_url,
    load_config,
    loads_config,
    validate_environment,
)
from gapforge.errors import ConfigError
from gapforge.sandbox.base import Limits
from gapforge.verifiers.gates import ProseGate

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "configs"

LOCAL_ROLES = """
[roles.challenger]
base_url = "http://127.0.0.1:8000/v1"
model = "c"
[roles.weak]
base_url = "http://127.0.0.1:8001/v1"
model = "w"
[roles.strong]
base_url = "http://localhost:8000/v1"
model = "s"
"""


def write(tmp_path: Path, text: str, name: str = "run.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message  # names the file
    assert "Traceback" not in message
    return message


@pytest.mark.parametrize("name", ["openai.toml", "vllm.toml", "llamacpp.toml"])
def test_example_configs_load(name: str) -> None:
    cfg = load_config(EXAMPLES / name)
    assert isinstance(cfg, RunConfig)
    assert cfg.roles.weak.model != cfg.roles.strong.model
    assert len(cfg.config_hash) == 16
    for role in cfg.roles.configured().values():
        assert role.max_tokens >= 2048  # small budgets produce false gaps


def test_example_configs_cover_the_endpoints() -> None:
    openai_cfg = load_config(EXAMPLES / "openai.toml")
    assert {r.api_key_env for r in openai_cfg.roles.configured().values()} == {"OPENAI_API_KEY"}
    assert openai_cfg.roles.weak.base_url == "https://api.openai.com/v1"
    assert openai_cfg.reviewer_enabled
    assert openai_cfg.seeds.source == "topics"
    for name in ("vllm.toml", "llamacpp.toml"):
        cfg = load_config(EXAMPLES / name)
        assert all(is_loopback_url(r.base_url) for r in cfg.roles.configured().values())
        validate_environment(cfg, environ={})  # local servers need no key


def test_defaults() -> None:
    cfg = loads_config(LOCAL_ROLES)
    weak = cfg.roles.weak
    assert (weak.temperature, weak.max_tokens, weak.samples) == (1.0, 4096, 4)
    assert weak.api_key_env is None
    assert cfg.gate.preset == "prose"
    assert cfg.sandbox.backend == "pool"
    assert cfg.sandbox.limits == Limits()
    assert (cfg.loop.max_rounds, cfg.loop.repair_turns, cfg.loop.validity_runs) == (10, 1, 5)
    assert (cfg.loop.min_tests, cfg.loop.mutation_threshold, cfg.loop.max_mutants) == (5, 0.7, 20)
    assert cfg.seeds.source == "builtin"
    assert cfg.roles.reviewer is None
    assert not cfg.reviewer_enabled


def test_full_config_round_trip(tmp_path: Path) -> None:
    (tmp_path / "topics.txt").write_text("graphs\nstrings\n", encoding="utf-8")
    text = (
        LOCAL_ROLES
        + """
[roles.reviewer]
base_url = "https://reviewer.example.com/v1"
api_key_env = "REVIEWER_KEY"
model = "r"
temperature = 0.0
extra_body = { chat_template_kwargs = { enable_thinking = false } }
price_per_1k_prompt = 0.001
[gate]
preset = "deployed"
strong_max_mean = 1.01
[sandbox]
backend = "local"
max_concurrency = 2
[sandbox.limits]
cpu_seconds = 4
memory_mb = 256
[loop]
repair_turns = 3
reviewer = false
[seeds]
topics_file = "topics.txt"
"""
    )
    cfg = load_config(write(tmp_path, text))
    assert cfg.roles.reviewer is not None
    assert cfg.roles.reviewer.extra_body == {"chat_template_kwargs": {"enable_thinking": False}}
    assert cfg.gate.preset == "deployed"
    assert cfg.gate.strong_max_mean == 1.01
    assert cfg.sandbox.limits.cpu_seconds == 4
    assert not cfg.reviewer_enabled  # explicitly off although configured
    # Relative seed paths resolve against the config file's directory.
    assert cfg.seeds.topics_file == (tmp_path / "topics.txt").resolve()
    again = RunConfig.model_validate_json(cfg.model_dump_json())
    assert again == cfg
    assert again.config_hash == cfg.config_hash


def test_gate_table_without_preset_means_prose() -> None:
    cfg = loads_config(LOCAL_ROLES + "[gate]\nmin_gap = 0.3\n")
    assert cfg.gate.preset == "prose"
    assert cfg.gate.min_gap == 0.3
    assert loads_config(LOCAL_ROLES).gate == ProseGate()


def test_config_hash_ignores_pacing_but_not_substance() -> None:
    base = loads_config(LOCAL_ROLES)

    def weak_with(extra: str) -> RunConfig:
        return loads_config(LOCAL_ROLES.replace('model = "w"', f'model = "w"\n{extra}'))

    paced = weak_with("max_concurrency = 99\ntimeout_s = 5\nmax_retries = 1\nprice_per_1k_prompt = 3")
    assert paced.config_hash == base.config_hash
    assert loads_config('name = "other"\n' + LOCAL_ROLES).config_hash == base.config_hash
    assert loads_config(LOCAL_ROLES + "[sandbox]\nmax_concurrency = 1\n").config_hash == base.config_hash
    for change in ("temperature = 0.5", "samples = 8", "max_tokens = 8192", "extra_body = { top_k = 5 }"):
        assert weak_with(change).config_hash != base.config_hash, change
    assert loads_config(LOCAL_ROLES.replace('model = "w"', 'model = "w2"')).config_hash != base.config_hash
    assert loads_config("seed = 7\n" + LOCAL_ROLES).config_hash != base.config_hash
    assert loads_config(LOCAL_ROLES + '[gate]\npreset = "exact-count"\n').config_hash != base.config_hash
    # when the weak solver is asked is pacing; the rollouts' CPU floor changes verdicts
    assert loads_config(LOCAL_ROLES + "[loop]\nspeculative_weak = false\n").config_hash == base.config_hash
    assert loads_config(LOCAL_ROLES + "[sandbox]\nrollout_cpu_floor_s = 4\n").config_hash != base.config_hash


def test_demo_config() -> None:
    cfg = demo_config("http://127.0.0.1:8765/v1")
    models = {name: r.model for name, r in cfg.roles.configured().items()}
    assert models == {
        "challenger": "demo-challenger",
        "weak": "demo-weak",
        "strong": "demo-strong",
        "reviewer": "demo-reviewer",
    }
    assert all(r.api_key_env is None for r in cfg.roles.configured().values())
    assert cfg.reviewer_enabled
    validate_environment(cfg, environ={})
    with pytest.raises(ConfigError, match=r"roles\.weak\.api_key_env"):
        demo_config("https://demo.example.com/v1")  # no key is allowed only on loopback


@pytest.mark.parametrize(
    ("text", "path", "hint"),
    [
        (LOCAL_ROLES.split("[roles.strong]")[0], "roles.strong: missing", "add a [roles.strong] table"),
        ("seed = 1\n", "roles: missing", "add [roles.challenger], [roles.weak] and [roles.strong]"),
        (
            LOCAL_ROLES + '[gate]\npreset = "strict"\n',
            "gate.preset: 'strict' is not a gate preset",
            "use one of 'prose', 'exact-count', 'deployed'",
        ),
        (
            LOCAL_ROLES.replace("http://127.0.0.1:8001/v1", "localhost:8001"),
            "roles.weak.base_url: 'localhost:8001' is not an http(s) URL",
            "http://127.0.0.1:8000/v1",
        ),
        (
            LOCAL_ROLES.replace("http://127.0.0.1:8001/v1", "ftp://host/v1"),
            "roles.weak.base_url",
            "OpenAI-compatible base URL",
        ),
        (
            LOCAL_ROLES.replace("http://localhost:8000/v1", "https://api.openai.com/v1"),
            "roles.strong.api_key_env: missing for the remote endpoint https://api.openai.com/v1",
            'api_key_env = "OPENAI_API_KEY"',
        ),
        (
            LOCAL_ROLES.replace('model = "w"', 'model = "w"\napi_key_env = "sk-proj-abc123"'),
            "roles.weak.api_key_env: this looks like a key itself",
            "NAME of an environment variable",
        ),
        (
            LOCAL_ROLES.replace('model = "w"', 'model = "w"\napi_key_env = "MY KEY"'),
            "roles.weak.api_key_env",
            "letters, digits and _",
        ),
        (
            LOCAL_ROLES.replace('model = "w"', 'model = "w"\ntemprature = 0.2'),
            "roles.weak.temprature: unknown field",
            "did you mean 'temperature'?",
        ),
        (
            LOCAL_ROLES + "[loop]\nmax_round = 3\n",
            "loop.max_round: unknown field",
            "did you mean 'max_rounds'?",
        ),
        ("colour = 1\n" + LOCAL_ROLES, "  colour: unknown field", "valid fields here: roles, gate"),
        (
            LOCAL_ROLES.replace('model = "w"', 'model = "w"\nsamples = "four"'),
            "roles.weak.samples: Input should be a valid integer",
            "write a number without quotes",
        ),
        (
            LOCAL_ROLES.replace('model = "w"', "model = 3"),
            "roles.weak.model: Input should be a valid string",
            "write a quoted string",
        ),
        (LOCAL_ROLES + "[loop]\nrepair_turns = 5\n", "loop.repair_turns", "within the allowed range"),
        (
            LOCAL_ROLES + "[sandbox.limits]\nmemory = 5\n",
            "sandbox.limits.memory: unknown field",
            "'memory_mb'",
        ),
        (LOCAL_ROLES + '[sandbox]\nbackend = "podman"\n', "sandbox.backend: 'podman'", "'docker' or 'local'"),
        (
            LOCAL_ROLES + "[loop]\nreviewer = true\n",
            "loop.reviewer: is true but no reviewer",
            "[roles.reviewer]",
        ),
        (
            LOCAL_ROLES + "[gate]\nmax_weak_passes = 2\n",
            "gate.max_weak_passes: unknown field of the 'prose' gate",
            "valid fields here: preset, min_measured",
        ),
        (
            LOCAL_ROLES + '[gate]\npreset = "exact-count"\nweak_max_passes = 9\n',
            "gate: weak_max_passes (9)",
            "must be <= samples (4)",
        ),
        (
            LOCAL_ROLES + '[seeds]\ntopics = ["a"]\ndataset = "x.jsonl"\n',
            "seeds: give at most one seed source",
            "keep one of them",
        ),
        (LOCAL_ROLES + "[seeds]\ntopics = []\n", "seeds.topics", "give at least one topic"),
        (LOCAL_ROLES + '[seeds]\ntopics_file = "nope.txt"\n', "seeds.topics_file: file", "does not exist"),
        ("roles = 3\n", "roles: expected a table", "TOML table"),
        ("[roles\n", "is not valid TOML", "line 1"),
    ],
    ids=lambda v: v if len(v) < 40 else None,
)
def test_bad_configs_name_the_field_and_the_fix(tmp_path: Path, text: str, path: str, hint: str) -> None:
    message = config_error(tmp_path, text)
    assert path in message
    assert hint in message


def test_every_error_is_reported_at_once(tmp_path: Path) -> None:
    text = LOCAL_ROLES.replace("http://127.0.0.1:8001/v1", "nope").replace(
        'model = "s"', 'model = "s"\nfoo = 1'
    )
    message = config_error(tmp_path, text + '[gate]\npreset = "x"\n')
    assert "roles.weak.base_url" in message
    assert "roles.strong.foo" in message
    assert "gate.preset" in message


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"does not exist.*examples/configs"):
        load_config(tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match="is not a file"):
        load_config(tmp_path)
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'name = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(bad)


def test_validate_environment_lists_every_missing_key(tmp_path: Path) -> None:
    text = LOCAL_ROLES.replace('model = "c"', 'model = "c"\napi_key_env = "CHALLENGER_KEY"').replace(
        'model = "s"', 'model = "s"\napi_key_env = "STRONG_KEY"'
    )
    path = write(tmp_path, text)
    cfg = load_config(path)
    with pytest.raises(ConfigError) as info:
        validate_environment(cfg, source=str(path), environ={"STRONG_KEY": ""})
    message = str(info.value)
    assert str(path) in message
    assert "roles.challenger.api_key_env: the environment variable CHALLENGER_KEY is not set" in message
    assert (
        "roles.strong.api_key_env: the environment variable STRONG_KEY is not set" in message
    )  # empty = unset
    assert "export CHALLENGER_KEY=" in message
    validate_environment(cfg, environ={"CHALLENGER_KEY": "k1", "STRONG_KEY": "k2"})


def test_role_api_key_and_loopback() -> None:
    role = RoleConfig(base_url="https://x.example.com/v1/", model="m", api_key_env="X_KEY")
    assert role.base_url == "https://x.example.com/v1"  # trailing slash dropped
    assert role.api_key({"X_KEY": "v"}) == "v"
    assert role.api_key({}) is None
    for url in (
        "http://127.0.0.1:1/v1",
        "http://localhost/v1",
        "http://[::1]:8000/v1",
        "http://127.8.0.1/v1",
    ):
        assert is_loopback_url(url), url
    for url in ("http://10.0.0.1/v1", "https://api.openai.com/v1", "http://localhost.evil.com/v1"):
        assert not is_loopback_url(url), url


def test_configs_are_frozen() -> None:
    cfg = loads_config(LOCAL_ROLES)
    with pytest.raises(ValueError, match="frozen"):
        cfg.seed = 3  # type: ignore[misc]


def test_an_exact_count_gate_reads_samples_or_k_and_hashes_the_same() -> None:
    gate = '[gate]\npreset = "exact-count"\n{} = 8\nweak_max_passes = 2\n'
    old, new = (loads_config(LOCAL_ROLES + gate.format(name)) for name in ("k", "samples"))
    assert old == new and old.config_hash == new.config_hash
    assert new.model_dump(mode="json")["gate"]["k"] == 8, "dumped as before: a run made with k resumes"
