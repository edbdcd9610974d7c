"""Results files: the native format and the importers for Criterion, hyperfine and k6."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from novactl.perf.compare import compare, threshold_value
from novactl.perf.influx import Context, line_protocol
from novactl.perf.results import ResultsError, load_results


def write(path: Path, document) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return path


def test_criterion_estimates_are_nanoseconds_named_after_their_folder(tmp_path):
    path = write(
        tmp_path / "criterion/feed_rank/new/estimates.json",
        {"mean": {"point_estimate": 1520.5, "standard_error": 3.1}, "median": {"point_estimate": 1500.0}},
    )
    (result,) = load_results(path)
    assert (result.name, result.value, result.unit, result.lower_is_better) == ("feed_rank", 1520.5, "ns", True)


def test_hyperfine_means_are_seconds_per_command(tmp_path):
    path = write(
        tmp_path / "hyperfine.json",
        {"results": [{"command": "nova-cli sync", "mean": 0.42, "stddev": 0.01, "median": 0.41}]},
    )
    (result,) = load_results(path)
    assert (result.name, result.value, result.unit, result.lower_is_better) == ("nova-cli sync", 0.42, "s", True)


def test_k6_summaries_give_latency_and_throughput(tmp_path):
    path = write(
        tmp_path / "k6.json",
        {"metrics": {"http_req_duration": {"avg": 80.0, "p(95)": 190.0}, "http_reqs": {"count": 6000, "rate": 100.0}}},
    )
    results = {result.name: result for result in load_results(path)}
    assert results["http_req_duration p95"].value == 190.0
    assert results["http_reqs rate"].unit == "req/s"
    assert results["http_reqs rate"].lower_is_better is False


def test_the_native_format_takes_an_explicit_direction(tmp_path):
    path = write(
        tmp_path / "r.json", [{"name": "cache hit ratio", "value": 0.93, "unit": "ratio", "lowerIsBetter": False}]
    )
    (result,) = load_results(path)
    assert result.lower_is_better is False


def test_duplicate_names_are_refused(tmp_path):
    path = write(
        tmp_path / "r.json", [{"name": "a", "value": 1, "unit": "ms"}, {"name": "a", "value": 2, "unit": "ms"}]
    )
    with pytest.raises(ResultsError, match="name 'a' appears twice"):
        load_results(path)


def test_line_protocol_escapes_tags_and_keeps_the_commit_as_a_field():
    (result,) = load_results_from([{"name": "render 13 services", "value": 5.5, "unit": "ms"}])
    (line,) = line_protocol("render", [result], Context("proerror/nova-platform", "main", "ubuntu-24.04", "abc"), 1)
    assert line == (
        "benchmark,suite=render,name=render\\ 13\\ services,unit=ms,repository=proerror/nova-platform,"
        'branch=main,runner=ubuntu-24.04 value=5.5,commit="abc" 1'
    )


def load_results_from(items):
    with tempfile.TemporaryDirectory() as folder:
        return load_results(write(Path(folder) / "r.json", items))


def test_thresholds_and_verdicts():
    assert threshold_value("10%") == pytest.approx(0.1)
    assert threshold_value("0.25") == 0.25
    with pytest.raises(ResultsError):
        threshold_value("ten")
    (slower,) = load_results_from([{"name": "a", "value": 111, "unit": "ms"}])
    (verdict,) = compare([slower], {"a": (100.0, "ms")}, 0.1)
    assert verdict.status == "REGRESSION"
    (same,) = compare([slower], {"a": (105.0, "ms")}, 0.1)
    assert same.status == "ok"


def test_the_runner_tag_is_the_kind_of_machine_not_the_instance():
    actions = {
        "GITHUB_REPOSITORY": "nova-social/feed",
        "GITHUB_REF_NAME": "main",
        "GITHUB_SHA": "abc123",
        "RUNNER_NAME": "GitHub Actions 17",
        "RUNNER_ENVIRONMENT": "github-hosted",
        "RUNNER_OS": "Linux",
        "RUNNER_ARCH": "X64",
    }
    context = Context.from_environment(actions)
    assert (context.repository, context.branch, context.runner, context.commit) == (
        "nova-social/feed",
        "main",
        "github-hosted-linux-x64",
        "abc123",
    )
    assert Context.from_environment({**actions, "PERF_RUNNER": "bench-metal"}).runner == "bench-metal"


def test_a_criterion_folder_gives_every_benchmark_by_its_path(tmp_path):
    criterion = tmp_path / "target/criterion"
    for group, bench, mean in (("feed", "rank", 1520.5), ("feed", "merge", 310.0), ("media", "rank", 88.0)):
        write(criterion / group / bench / "new/estimates.json", {"mean": {"point_estimate": mean}})
    write(criterion / "feed/rank/base/estimates.json", {"mean": {"point_estimate": 1.0}})  # the previous run
    results = load_results(criterion)
    assert [(result.name, result.value, result.unit) for result in results] == [
        ("feed/merge", 310.0, "ns"),
        ("feed/rank", 1520.5, "ns"),
        ("media/rank", 88.0, "ns"),
    ]
    with pytest.raises(ResultsError, match=r"criterion: a folder holds Criterion results; --input-format k6"):
        load_results(criterion, "k6")
    with pytest.raises(ResultsError, match=r"no Criterion results"):
        load_results(tmp_path / "target/criterion/feed/rank/base")


@pytest.mark.parametrize(("text", "expected"), [("10%", 0.1), ("0.1", 0.1), ("5%", 0.05), ("150%", 1.5), ("0.3", 0.3)])
def test_a_threshold_is_a_percentage_or_a_fraction(text, expected):
    assert threshold_value(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5", "--threshold: '5' is ambiguous: write a percentage (5%) or a fraction below 1 (0.05 for 5%)"),
        ("10", "--threshold: '10' is ambiguous: write a percentage (10%) or a fraction below 1 (0.1 for 10%)"),
        ("0", "--threshold: '0' must be a number above 0, as 10% or 0.1"),
        ("-5%", "--threshold: '-5%' must be a number above 0, as 10% or 0.1"),
        ("nan", "--threshold: 'nan' must be a number above 0, as 10% or 0.1"),
        ("inf%", "--threshold: 'inf%' must be a number above 0, as 10% or 0.1"),
    ],
)
def test_a_bare_threshold_above_one_or_a_non_number_is_refused_with_how_to_write_it(text, message):
    with pytest.raises(ResultsError) as caught:
        threshold_value(text)
    assert str(caught.value) == message


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_a_result_that_is_not_a_finite_number_is_refused_with_file_and_field(tmp_path, literal):
    native = tmp_path / "native.json"
    native.write_text(f'[{{"name": "a", "value": {literal}, "unit": "ms"}}]')
    with pytest.raises(ResultsError, match=rf"^{native}: results\[0\].value: .* is not a finite number$"):
        load_results(native)
    hyperfine = tmp_path / "hyperfine.json"
    hyperfine.write_text(f'{{"results": [{{"command": "a", "mean": {literal}}}]}}')
    with pytest.raises(ResultsError, match=r"results\[0\]"):
        load_results(hyperfine)
    k6 = tmp_path / "k6.json"
    k6.write_text(f'{{"metrics": {{"http_reqs": {{"rate": {literal}}}}}}}')
    with pytest.raises(ResultsError, match=r"metrics.http_reqs.rate: .* is not a finite number$"):
        load_results(k6)
    criterion = tmp_path / "bench" / "new" / "estimates.json"
    criterion.parent.mkdir(parents=True)
    criterion.write_text(f'{{"mean": {{"point_estimate": {literal}}}}}')
    with pytest.raises(ResultsError, match=r"mean.point_estimate: .* is not a finite number$"):
        load_results(criterion)
