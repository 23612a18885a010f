"""The HTML report: one offline file with the five plots, numbers from the run, text escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _dataset_runs import Built, build_run

from gapforge.dataset.report import _ticks, report

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_run(tmp_path_factory.mktemp("run") / "run")


@pytest.fixture(scope="module")
def page(built: Built, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("report") / "report.html"
    result = report(built.root, out)
    assert result.accepted == 4
    assert result.seeds == 5
    return out.read_text(encoding="utf-8")


def svgs(page: str) -> list[ET.Element]:
    return [ET.fromstring(s) for s in re.findall(r"<svg.*?</svg>", page, flags=re.S)]


def titles(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}title")]


def test_the_page_is_self_contained(page: str) -> None:
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()
    assert "src=" not in page
    urls = set(re.findall(r"https?://[^\s'\"<>]+", page))
    assert urls == {"http://www.w3.org/2000/svg"}  # the SVG namespace, never fetched

    class Check(HTMLParser):
        pass

    Check().feed(page)  # parses as HTML


def test_the_five_plots_are_there(page: str) -> None:
    for heading in (
        "Weak vs strong pass rate",
        "Rounds per seed",
        "Rejection reasons",
        "Tokens and cost per accepted problem",
        "Acceptance by topic",
    ):
        assert f"<h2>{heading}</h2>" in page
    assert len(svgs(page)) == 5  # each one well-formed XML


def test_scatter_has_one_point_per_round_where_both_solvers_ran(page: str) -> None:
    scatter = svgs(page)[0]
    points = list(scatter.iter(f"{SVG}circle"))
    assert len(points) == 5  # 4 accepted + 1 failed on strong; too-easy rounds have no strong side
    tips = [c.find(f"{SVG}title").text for c in points]  # type: ignore[union-attr]
    assert "Best adjacent pair: weak 0.00, strong 0.75 (accepted)" in tips
    assert "Fewest coins: weak 0.00, strong 0.00 (failed_on_strong)" in tips
    dashed = [t for t in titles(scatter) if "bound" in t or "floor" in t]
    assert sorted(dashed) == ["strong mean floor 0.65", "weak mean bound 0.5"]


def test_rounds_rejections_topics_and_costs(page: str) -> None:
    rounds, rejections, costs, topics = svgs(page)[1:]
    assert "1: accepted 3" in titles(rounds)  # three seeds accepted in their first round
    assert "3: no problem accepted 1" in titles(rounds)
    assert "too_easy: rounds 2" in titles(rejections)
    assert "strings: accepted 1" in titles(topics)
    assert "strings: not accepted 1" in titles(topics)
    # tokens come from the seeds' usage: 700 challenger completion tokens per round
    assert "challenger: completion 1,575" in titles(costs)  # 700 x 9 rounds / 4 accepted
    # prices from the run's config: challenger $1 per 1k prompt and $2 per 1k completion tokens
    assert "<td>challenger</td><td>14,400</td><td>3,600</td><td>$20.7000</td><td>$5.1750</td>" in page


def test_titles_are_escaped(built: Built, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(built.root, copy)
    rounds = copy / "records" / "rounds.jsonl"
    rounds.write_text(rounds.read_text().replace("Fewest coins", "<script>alert(1)</script> coins"))
    page = report(copy, tmp_path / "r.html").path.read_text()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; coins" in page


@pytest.mark.parametrize(
    ("vmax", "integer", "ticks"),
    [
        (2, True, [0, 1, 2]),
        (5, True, [0, 1, 2, 3, 4, 5]),
        (17, True, [0, 5, 10, 15, 20]),
        (3600, False, [0, 1000, 2000, 3000, 4000]),
        (0, True, [0, 1]),
        (0.9, False, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    ],
)
def test_axis_ticks_are_round(vmax: float, integer: bool, ticks: list[float]) -> None:
    assert _ticks(vmax, integer=integer) == pytest.approx(ticks)


def test_a_run_with_nothing_finished_still_reports(tmp_path: Path) -> None:
    from _dataset_runs import config

    from gapforge.dataset.store import RunStore

    cfg, h = config()
    RunStore.open(tmp_path / "empty", config_hash=h, config=cfg).close()
    result = report(tmp_path / "empty", tmp_path / "r.html")
    page = result.path.read_text()
    assert (result.accepted, result.rounds, result.seeds) == (0, 0, 0)
    assert len(svgs(page)) == 4  # the cost section says there is nothing to divide by
    assert "no accepted problems or no token usage recorded" in page
