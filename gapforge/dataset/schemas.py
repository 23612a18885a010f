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

DATASET_SCHEMA_VERSION = 1
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
    ]
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
    ]
)

_PROBLEM_FIELDS: list[tuple[str, pa.DataType]] = [(f.name, f.type) for f in PROBLEM]


def _schema(table: str, fields: list[tuple[str, pa.DataType]], description: str) -> pa.Schema:
    return pa.schema(
        fields,
        metadata={
            "gapforge.table": table,
            "gapforge.schema_version": str(DATASET_SCHEMA_VERSION),
            "gapforge.description": description,
        },
    )


PROBLEMS_SCHEMA = _schema(
    "problems",
    [
        ("problem_id", pa.string()),
        *_PROBLEM_FIELDS,
        ("num_tests", pa.int32()),
        ("seed_id", pa.string()),
        ("seed_topic", pa.string()),
        ("round", pa.int32()),
        ("rounds_used", pa.int32()),
        ("weak_pass_rate", pa.float64()),
        ("strong_pass_rate", pa.float64()),
        ("weak_scores", SCORES),
        ("strong_scores", SCORES),
        ("gate", GATE),
        ("validity", VALIDITY),
        ("flags", STRINGS),  # short codes: near_duplicate, contamination (flagged, never deleted)
        ("flag_details", pa.list_(FLAG)),
        ("run_id", pa.string()),
        ("epoch", pa.int32()),
        ("created_at", pa.string()),
        ("provenance", PROVENANCE),
        ("record_schema_version", pa.int32()),
    ],
    "accepted problems with hidden tests, reference solution, pass rates, gate and quality flags",
)

ROUNDS_SCHEMA = _schema(
    "rounds",
    [
        ("run_id", pa.string()),
        ("seed_id", pa.string()),
        ("round", pa.int32()),
        ("verdict", pa.string()),
        ("reason", pa.string()),
        ("problem_id", pa.string()),
        ("title", pa.string()),  # problem.title, flat for browsing
        ("problem", PROBLEM),
        ("raw_output", pa.string()),
        ("static_problems", STRINGS),
        ("validity", VALIDITY),
        ("gate", GATE),
        ("weak_scores", SCORES),
        ("strong_scores", SCORES),
        ("review", pa.string()),
        ("usage", USAGE),
        ("started_at", pa.string()),
        ("finished_at", pa.string()),
        ("epoch", pa.int32()),
        ("provenance", PROVENANCE),
        ("record_schema_version", pa.int32()),
    ],
    "every challenger draft with its verdict and the reason",
)

ATTEMPTS_SCHEMA = _schema(
    "attempts",
    [
        ("run_id", pa.string()),
        ("seed_id", pa.string()),
        ("round", pa.int32()),
        ("problem_id", pa.string()),
        ("role", pa.string()),
        ("model", pa.string()),
        ("sample", pa.int32()),
        ("turn", pa.int32()),  # 0 = rollout, >= 1 = repair turn
        ("parent_sample", pa.int32()),
        ("completion", pa.string()),
        ("code", pa.string()),
        ("status", pa.string()),  # null when the attempt has no execution result
        ("score", pa.float64()),  # 1.0 all tests passed, 0.0 otherwise, null = unmeasured
        ("fraction_passed", pa.float64()),
        ("tests_passed", pa.int32()),
        ("tests_total", pa.int32()),
        ("test_results", pa.list_(TEST_RESULT)),
        ("stdout", pa.string()),
        ("stderr", pa.string()),
        ("output_truncated", pa.bool_()),  # the sandbox capped the output at the source
        ("output_capped", pa.bool_()),  # this table keeps only the tail of stdout/stderr
        ("cpu_s", pa.float64()),
        ("wall_s", pa.float64()),
        ("result_message", pa.string()),
        ("backend", pa.string()),
        ("infra_error", pa.string()),
        ("prompt_tokens", pa.int64()),
        ("completion_tokens", pa.int64()),
        ("created_at", pa.string()),
        ("epoch", pa.int32()),
        ("provenance", PROVENANCE),
        ("record_schema_version", pa.int32()),
    ],
    "every solver attempt with its verdict, per-test results and capped error output",
)

TRAJECTORIES_SCHEMA = _schema(
    "trajectories",
    [
        ("trajectory_id", pa.string()),
        ("problem_id", pa.string()),
        ("seed_id", pa.string()),
        ("round", pa.int32()),
        ("round_verdict", pa.string()),
        ("role", pa.string()),
        ("model", pa.string()),
        ("sample", pa.int32()),
        ("turns", pa.int32()),  # solver turns in the transcript (1 = no repair)
        ("messages", MESSAGES),
        ("label", pa.string()),  # positive: the last turn passes every test; negative otherwise
        ("repaired", pa.bool_()),  # positive after at least one repair turn
        ("statuses", STRINGS),  # the sandbox verdict of each turn
        ("final_status", pa.string()),
        ("final_score", pa.float64()),
        ("final_fraction_passed", pa.float64()),
        ("prompt_tokens", pa.int64()),
        ("completion_tokens", pa.int64()),
        ("run_id", pa.string()),
    ],
    "chat transcripts problem -> attempt -> execution feedback -> fix, labelled positive or negative",
)

PREFERENCES_SCHEMA = _schema(
    "preferences",
    [
        ("pair_id", pa.string()),
        ("problem_id", pa.string()),
        ("seed_id", pa.string()),
        ("round", pa.int32()),
        ("round_verdict", pa.string()),
        ("prompt", MESSAGES),
        ("chosen", MESSAGES),
        ("rejected", MESSAGES),
        ("chosen_source", pa.string()),  # solver | reference
        ("chosen_role", pa.string()),
        ("chosen_model", pa.string()),
        ("chosen_sample", pa.int32()),
        ("rejected_role", pa.string()),
        ("rejected_model", pa.string()),
        ("rejected_sample", pa.int32()),
        ("rejected_status", pa.string()),
        ("rejected_error", pa.string()),
        ("rejected_fraction_passed", pa.float64()),
        ("run_id", pa.string()),
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
