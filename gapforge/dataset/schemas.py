"""Explicit, versioned Arrow schemas of the published tables.

Every table is written with one of these schemas (never an inferred one), so a column's type does
not depend on which rows a run happened to produce, and the schema version travels in the Parquet
metadata (``gapforge.schema_version``). Bump :data:`DATASET_SCHEMA_VERSION` on any change that
breaks readers (a removed or retyped column); adding a nullable column is compatible.

Tables (one config each in the published dataset):

* ``problems``: accepted problems with tests, reference, pass rates, gate, validity, provenance and
  quality flags.
* ``rounds``: every challenger draft with its verdict and reason.
* ``attempts``: every solver rollout and repair turn with its verdict and per-test results.
* ``trajectories``: chat transcripts problem -> attempt -> execution feedback -> fix, labelled
  ``positive`` (ends in a pass) or ``negative``.
* ``preferences``: a passing and a failing solution of the same problem, for DPO.

Maps (role -> model, prompt -> hash, role -> tokens) are stored as lists of key/value structs:
Hugging Face ``datasets`` has no map type.
"""

from __future__ import annotations

import pyarrow as pa

# 2: attempts.test_results renamed hidden_test_results; join keys, recorded prompts, docs per column.
DATASET_SCHEMA_VERSION = 2
TABLE_NAMES: tuple[str, ...] = ("problems", "rounds", "attempts", "trajectories", "preferences")

MESSAGE = pa.struct([("role", pa.string()), ("content", pa.string())])
MESSAGES = pa.list_(MESSAGE)
TEST_RESULT = pa.struct([("name", pa.string()), ("status", pa.string()), ("message", pa.string())])
EXAMPLE = pa.struct([("input", pa.string()), ("output", pa.string()), ("explanation", pa.string())])
SCORES = pa.list_(pa.float64())  # one per rollout; null = unmeasured (never scored as 0)
STRINGS = pa.list_(pa.string())
GATE = pa.struct(
    [
        ("preset", pa.string()),
        ("outcome", pa.string()),
        ("reason", pa.string()),
        ("weak_mean", pa.float64()),
        ("strong_mean", pa.float64()),
        ("gap", pa.float64()),
    ]
)
VALIDITY = pa.struct(
    [
        ("valid", pa.bool_()),
        ("reason", pa.string()),
        ("failed_check", pa.string()),
        ("flaky_tests", STRINGS),
        ("trivial_passed", STRINGS),
        ("mutation_score", pa.float64()),
        ("surviving_mutants", STRINGS),
        ("reference_cpu_s", pa.float64()),
        ("cpu_limit_s", pa.float64()),
        ("mutants_uncompiled", pa.int64()),
    ]
)
# An extra hidden suite (gapforge.models.HiddenSuite): judged as its own execution, after `tests`.
SUITE = pa.struct(
    [("name", pa.string()), ("kind", pa.string()), ("tests", pa.string()), ("cpu_limit_s", pa.float64())]
)
ORACLE_MEASURES = pa.struct(
    [
        ("inputs_drawn", pa.int64()),
        ("inputs_kept", pa.int64()),
        ("rejected_by_validator", pa.int64()),
        ("duplicates", pa.int64()),
        ("generator_errors", pa.int64()),
        ("test_inputs_rejected", pa.int64()),
        ("reference_failures", pa.int64()),
        ("inputs_trimmed", pa.int64()),
        ("mutants_killed_by_hardening", pa.int64()),
        ("probably_equivalent", pa.int64()),
        ("false_passes", pa.int64()),
        ("known_wrong_checked", pa.int64()),
    ]
)
# What the test oracle found for a draft with an input generator (dataset.records.OracleSummary).
ORACLE = pa.struct(
    [
        ("suites", pa.list_(SUITE)),
        ("measures", ORACLE_MEASURES),
        ("defects", STRINGS),
        ("hardening_cases", STRINGS),
        ("killed_by_hardening", STRINGS),
        ("probably_equivalent", STRINGS),
        ("false_passes", STRINGS),
        ("verdict_changed", STRINGS),
        ("sandbox_cpu_s", pa.float64()),
    ]
)
ORACLE_DOC = (
    "the test oracle (problems with an input_generator; null otherwise): suites = the extra hidden "
    "suites (the final hidden tests are `tests` plus these, each run on its own, all must pass); "
    "measures; defects; hardening_cases (differential cases that kill a mutant `tests` missed); "
    "killed_by_hardening and probably_equivalent mutants; false_passes (known-wrong programs that "
    "pass the final tests); verdict_changed (attempts `role/sample/turn` that pass `tests` and fail "
    "the final tests)"
)
PROVENANCE = pa.struct(
    [
        ("gapforge_version", pa.string()),
        ("config_hash", pa.string()),
        ("models", pa.list_(pa.struct([("role", pa.string()), ("model", pa.string())]))),
        ("prompt_hashes", pa.list_(pa.struct([("name", pa.string()), ("sha256", pa.string())]))),
        ("sandbox_image", pa.string()),
        ("sandbox_backend", pa.string()),
        ("policy_id", pa.string()),
    ]
)
USAGE = pa.list_(
    pa.struct([("role", pa.string()), ("prompt_tokens", pa.int64()), ("completion_tokens", pa.int64())])
)
PHASES = pa.list_(
    pa.struct(
        [("phase", pa.string()), ("runs", pa.int64()), ("cpu_s", pa.float64()), ("wall_s", pa.float64())]
    )
)
FLAG = pa.struct(
    [("flag", pa.string()), ("source", pa.string()), ("match_id", pa.string()), ("score", pa.float64())]
)
# The whole draft as the challenger wrote it (rounds table; null when it could not be parsed).
PROBLEM = pa.struct(
    [
        ("title", pa.string()),
        ("statement", pa.string()),
        ("kind", pa.string()),
        ("entry_point", pa.string()),
        ("signature", pa.string()),
        ("io_contract", pa.string()),
        ("reference_solution", pa.string()),
        ("tests", pa.string()),
        ("examples", pa.list_(EXAMPLE)),
        ("tags", STRINGS),
        ("difficulty", pa.string()),
        ("input_generator", pa.string()),
        ("input_validator", pa.string()),
        ("checker", pa.string()),
        ("language", pa.string()),
    ]
)

PROBLEM_DOCS = {
    "title": "the problem's title",
    "statement": "the statement solvers see",
    "kind": "`function` (tests call an entry point) or `stdio` (a program reads stdin, writes stdout)",
    "entry_point": "function problems: the function solvers must define",
    "signature": "function problems: its signature",
    "io_contract": "stdio problems: input/output formats and comparison rules",
    "reference_solution": "the challenger's solution; passes every hidden test on every validity run",
    "tests": "the hidden tests (a pytest module, or JSON stdin/stdout cases); never shown to solvers",
    "examples": "public examples shown in the statement",
    "tags": "the challenger's tags",
    "difficulty": "the challenger's own difficulty label; null when it gave none (see measured_difficulty)",
    "input_generator": "the challenger's input generator (Python source defining `generate(rng)`); null when none",
    "input_validator": "the challenger's input validator (Python source defining `validate`); null when none",
    "checker": "for problems with several right answers: source defining `check(input, expected, got)`; else null",
    "language": "programming language of the reference and the solutions (python, cpp, rust, go, java, "
    "javascript); the input generator, validator and checker are Python in every language",
}
_PROBLEM_FIELDS: list[tuple[str, pa.DataType, str]] = [
    (f.name, f.type, PROBLEM_DOCS[f.name]) for f in PROBLEM
]
Column = tuple[str, pa.DataType, str]

# Columns several tables share.
RUN_ID: Column = ("run_id", pa.string(), "the run (one `gapforge generate` output directory)")
ROUND_ID: Column = ("round_id", pa.string(), "join key of the round (rounds.round_id)")
PROBLEM_ID: Column = (
    "problem_id",
    pa.string(),
    "content hash of the problem; join key (problems.problem_id)",
)
SEED_ID: Column = ("seed_id", pa.string(), "the seed the round grew from")
ROUND: Column = ("round", pa.int32(), "round number within the seed (1 = first draft)")
EPOCH: Column = ("epoch", pa.int32(), "which process run of the run directory wrote the record")
PROVENANCE_COL: Column = (
    "provenance",
    PROVENANCE,
    "gapforge version, config hash, models by role, prompt hashes, sandbox image and backend",
)
RECORD_VERSION: Column = ("record_schema_version", pa.int32(), "version of the run-store record it came from")
LANGUAGE: Column = ("language", pa.string(), "programming language of the problem and solutions")


def _schema(table: str, fields: list[Column], description: str) -> pa.Schema:
    return pa.schema(
        [pa.field(name, dtype, metadata={"description": doc}) for name, dtype, doc in fields],
        metadata={
            "gapforge.table": table,
            "gapforge.schema_version": str(DATASET_SCHEMA_VERSION),
            "gapforge.description": description,
        },
    )


def column_docs(table: str) -> list[tuple[str, str, str]]:
    """(column, Arrow type, description) for each column of a table, for the dataset card."""
    return [
        (f.name, str(f.type), (f.metadata or {}).get(b"description", b"").decode()) for f in schema_for(table)
    ]


PROBLEMS_SCHEMA = _schema(
    "problems",
    [
        PROBLEM_ID,
        ROUND_ID,
        *_PROBLEM_FIELDS,  # language included (its last field)
        ("prompt", MESSAGES, "the exact solver prompt (system + user) the pass rates were measured with"),
        ("num_tests", pa.int32(), "number of hidden tests (test functions and literal parametrize cases)"),
        SEED_ID,
        ("seed_topic", pa.string(), "the seed's topic"),
        ROUND,
        ("rounds_used", pa.int32(), "rounds the seed took to reach this problem"),
        ("weak_pass_rate", pa.float64(), "share of measured weak rollouts that passed every hidden test"),
        ("strong_pass_rate", pa.float64(), "share of measured strong rollouts that passed every hidden test"),
        ("solve_rate", pa.float64(), "mean of weak_pass_rate and strong_pass_rate"),
        (
            "measured_difficulty",
            pa.string(),
            "from solve_rate: easy >= 0.6 > medium >= 0.4 > hard; relative to the run's two solvers",
        ),
        ("weak_scores", SCORES, "each weak rollout's score: 1.0 pass, 0.0 fail, null unmeasured"),
        ("strong_scores", SCORES, "each strong rollout's score: 1.0 pass, 0.0 fail, null unmeasured"),
        ("gate", GATE, "the gap gate's decision, recomputable from the rollouts"),
        ("validity", VALIDITY, "validity checks; cpu_limit_s is the CPU limit rollouts were judged under"),
        ("oracle", ORACLE, ORACLE_DOC),
        (
            "differential_inputs",
            pa.int32(),
            "cases of the differential suite (drawn inputs, boundary variants and mutations of the "
            "tests' inputs, answered by the reference); null: no test oracle",
        ),
        (
            "mutants_killed_by_hardening",
            pa.int32(),
            "mutants of the reference that pass `tests` but fail the differential suite; null: no test oracle",
        ),
        (
            "probably_equivalent_mutants",
            pa.int32(),
            "mutants that pass `tests` and every differential case; null: no test oracle",
        ),
        (
            "attempt_false_passes",
            pa.int32(),
            "recorded solver attempts that pass `tests` but fail the final hidden tests (false passes "
            "the oracle caught); null: no test oracle",
        ),
        ("flags", STRINGS, "quality flags: near_duplicate, contamination (flagged, never deleted)"),
        ("flag_details", pa.list_(FLAG), "what each flag matched and how closely"),
        RUN_ID,
        EPOCH,
        ("created_at", pa.string(), "when the problem was accepted (UTC, ISO 8601)"),
        PROVENANCE_COL,
        RECORD_VERSION,
    ],
    "accepted problems with hidden tests, reference solution, pass rates, gate and quality flags",
)

USAGE_DOC = "tokens by role: every billed token of the round, discarded answers included"

ROUNDS_SCHEMA = _schema(
    "rounds",
    [
        RUN_ID,
        ROUND_ID,
        SEED_ID,
        ROUND,
        (
            "verdict",
            pa.string(),
            "accepted, too_easy, failed_on_strong, invalid, malformed, ambiguous or infra",
        ),
        ("reason", pa.string(), "why, in words (the gate's numbers, the failed check)"),
        ("problem_id", pa.string(), "the draft's problem id; null when the draft could not be parsed"),
        ("title", pa.string(), "problem.title, flat for browsing"),
        ("problem", PROBLEM, "the whole draft as the challenger wrote it; null when unparseable"),
        ("language", pa.string(), "the language the seed asked for (the draft's language when it parsed)"),
        ("challenger_messages", MESSAGES, "the exact messages the challenger was sent (null: not recorded)"),
        ("raw_output", pa.string(), "the challenger's last answer as it came (capped at 20,000 characters)"),
        ("static_problems", STRINGS, "what the static checks found"),
        ("validity", VALIDITY, "the sandbox validity checks (null when not reached)"),
        ("gate", GATE, "the gap gate's decision (null when not reached)"),
        ("weak_scores", SCORES, "each weak rollout's score: 1.0 pass, 0.0 fail, null unmeasured"),
        ("strong_scores", SCORES, "each strong rollout's score (empty when the strong solver was not asked)"),
        ("review", pa.string(), "the reviewer's reason, when it was asked"),
        ("oracle", ORACLE, ORACLE_DOC + "; null when not reached"),
        (
            "sandbox",
            PHASES,
            "the round's sandbox work by phase (reference, validity, oracle, rollouts, repair): executions, "
            "CPU and wall seconds inside the sandbox; empty: not recorded (runs before it was)",
        ),
        ("usage", USAGE, USAGE_DOC),
        ("unstored_usage", USAGE, "of usage: answers stored nowhere (empty or truncated ones retried away)"),
        ("call_ids", STRINGS, "the model calls of the round, in the run store's records/calls.jsonl"),
        ("started_at", pa.string(), "UTC, ISO 8601"),
        ("finished_at", pa.string(), "UTC, ISO 8601"),
        EPOCH,
        PROVENANCE_COL,
        RECORD_VERSION,
    ],
    "every challenger draft with its verdict and the reason",
)

ATTEMPTS_SCHEMA = _schema(
    "attempts",
    [
        RUN_ID,
        ("attempt_id", pa.string(), "join key of the attempt"),
        ROUND_ID,
        ("call_id", pa.string(), "the model call that produced the completion (null: not recorded)"),
        SEED_ID,
        ROUND,
        PROBLEM_ID,
        ("role", pa.string(), "weak or strong"),
        ("model", pa.string(), "the solver model"),
        ("sample", pa.int32(), "rollout number within the role"),
        ("turn", pa.int32(), "0 = rollout, >= 1 = repair turn"),
        ("parent_sample", pa.int32(), "repair turns: the rollout being repaired"),
        ("prompt", MESSAGES, "the exact messages the solver was sent (null: not recorded)"),
        ("completion", pa.string(), "the solver's raw answer"),
        ("code", pa.string(), "the code extracted from it (null: none found)"),
        LANGUAGE,
        ("status", pa.string(), "the sandbox verdict; null when the attempt has no execution result"),
        ("score", pa.float64(), "1.0 all hidden tests passed, 0.0 otherwise, null = unmeasured"),
        ("fraction_passed", pa.float64(), "share of hidden tests passed (null = unmeasured)"),
        ("tests_passed", pa.int32(), "hidden tests passed"),
        ("tests_total", pa.int32(), "hidden tests run"),
        (
            "hidden_summary",
            pa.string(),
            "what a solver may learn of the failure: counts and error classes of the failing hidden tests",
        ),
        (
            "feedback",
            pa.string(),
            "the execution feedback the next repair turn was shown, exactly (null: no turn followed)",
        ),
        (
            "hidden_test_results",
            pa.list_(TEST_RESULT),
            "ANALYSTS ONLY: each hidden test's name, status and message, which can quote hidden inputs "
            "and expected values; never train a solver on it",
        ),
        ("stdout", pa.string(), "the program's stdout (its last 8,000 characters)"),
        ("stderr", pa.string(), "the run's stderr (its last 8,000 characters)"),
        ("output_truncated", pa.bool_(), "the sandbox capped the output at the source"),
        ("output_capped", pa.bool_(), "this table keeps only the tail of stdout/stderr"),
        ("cpu_s", pa.float64(), "CPU seconds the program used"),
        ("wall_s", pa.float64(), "wall seconds of the execution"),
        ("result_message", pa.string(), "the sandbox's message about the run as a whole"),
        ("backend", pa.string(), "the sandbox backend that ran it"),
        ("infra_error", pa.string(), "set when the attempt could not be measured (never scored)"),
        ("prompt_tokens", pa.int64(), "prompt tokens of the call"),
        ("completion_tokens", pa.int64(), "completion tokens of the call"),
        ("created_at", pa.string(), "UTC, ISO 8601"),
        EPOCH,
        PROVENANCE_COL,
        RECORD_VERSION,
    ],
    "every solver attempt with its verdict, per-test results and capped error output",
)

TRAJECTORIES_SCHEMA = _schema(
    "trajectories",
    [
        ("trajectory_id", pa.string(), "join key of the transcript"),
        PROBLEM_ID,
        ROUND_ID,
        ("attempt_ids", STRINGS, "the attempts of the transcript, turn by turn (attempts.attempt_id)"),
        ("problem_accepted", pa.bool_(), "the problem passed the gate (it is in the problems table)"),
        SEED_ID,
        ROUND,
        ("round_verdict", pa.string(), "the round's verdict"),
        ("role", pa.string(), "weak or strong"),
        ("model", pa.string(), "the solver model"),
        ("sample", pa.int32(), "rollout number within the role"),
        ("turns", pa.int32(), "solver turns in the transcript (1 = no repair)"),
        (
            "messages",
            MESSAGES,
            "problem -> attempt -> execution feedback -> fix, as the solver saw it; feedback on hidden "
            "tests is counts and error classes only",
        ),
        ("messages_source", pa.string(), "recorded (exactly as sent) or rebuilt (runs before recording)"),
        ("label", pa.string(), "positive: the last turn passes every hidden test; negative otherwise"),
        ("repaired", pa.bool_(), "positive after at least one repair turn"),
        ("statuses", STRINGS, "the sandbox verdict of each turn"),
        ("final_status", pa.string(), "the last turn's verdict"),
        ("final_score", pa.float64(), "the last turn's score"),
        ("final_fraction_passed", pa.float64(), "share of hidden tests the last turn passed"),
        ("final_feedback", pa.string(), "negatives: what the last turn's failure says (counts and classes)"),
        LANGUAGE,
        ("prompt_tokens", pa.int64(), "prompt tokens over the transcript's calls"),
        ("completion_tokens", pa.int64(), "completion tokens over the transcript's calls"),
        RUN_ID,
    ],
    "chat transcripts problem -> attempt -> execution feedback -> fix, labelled positive or negative",
)

PREFERENCES_SCHEMA = _schema(
    "preferences",
    [
        ("pair_id", pa.string(), "join key of the pair"),
        PROBLEM_ID,
        ROUND_ID,
        ("problem_accepted", pa.bool_(), "the problem passed the gate (it is in the problems table)"),
        SEED_ID,
        ROUND,
        ("round_verdict", pa.string(), "the round's verdict"),
        ("prompt", MESSAGES, "the solver prompt both answers were given"),
        ("chosen", MESSAGES, "a passing answer (or the reference solution)"),
        ("rejected", MESSAGES, "a failing answer"),
        ("chosen_source", pa.string(), "solver or reference"),
        ("chosen_attempt_id", pa.string(), "attempts.attempt_id of the chosen answer (null: reference)"),
        ("chosen_role", pa.string(), "weak or strong"),
        ("chosen_model", pa.string(), "the model of the chosen answer"),
        ("chosen_sample", pa.int32(), "its rollout number"),
        ("rejected_attempt_id", pa.string(), "attempts.attempt_id of the rejected answer"),
        ("rejected_role", pa.string(), "weak or strong"),
        ("rejected_model", pa.string(), "the model of the rejected answer"),
        ("rejected_sample", pa.int32(), "its rollout number"),
        ("rejected_status", pa.string(), "its sandbox verdict"),
        ("rejected_error", pa.string(), "why it failed: counts and error classes of the hidden tests"),
        ("rejected_fraction_passed", pa.float64(), "share of hidden tests it passed"),
        LANGUAGE,
        RUN_ID,
    ],
    "a passing (chosen) and a failing (rejected) solution of the same problem",
)

SCHEMAS: dict[str, pa.Schema] = {
    "problems": PROBLEMS_SCHEMA,
    "rounds": ROUNDS_SCHEMA,
    "attempts": ATTEMPTS_SCHEMA,
    "trajectories": TRAJECTORIES_SCHEMA,
    "preferences": PREFERENCES_SCHEMA,
}


def schema_for(table: str) -> pa.Schema:
    try:
        return SCHEMAS[table]
    except KeyError:
        raise KeyError(f"unknown table {table!r}; tables are: {', '.join(TABLE_NAMES)}") from None


def to_table(table: str, rows: list[dict[str, object]]) -> pa.Table:
    """Rows (plain dicts) as an Arrow table with the table's explicit schema."""
    return pa.Table.from_pylist(rows, schema=schema_for(table))
