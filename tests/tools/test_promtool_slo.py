"""The SLO rules through promtool: valid, burn-rate alerts at the Workbook's detection times,
the 30-day budget exact, and every dashboard query valid PromQL."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from components.builders.dashboard import panel_queries
from tests.conftest import STACKS
from tests.tools import slo_cases
from tests.tools.conftest import run_tool


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return run_tool("promtool", "prometheus", *args)


def run_case(document: dict, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    test_file = tmp_path / "slo.test.yaml"
    test_file.write_text(yaml.safe_dump(document, sort_keys=False))
    return promtool("test", "rules", str(test_file))


@pytest.fixture(scope="module")
def gateway_rules(written, tmp_path_factory) -> str:
    """The rendered rules of staging's graphql-gateway `error-rate` SLO, alone in a file:
    its other SLOs would only make promtool evaluate four times the rules."""
    (path,) = [p for p in written["staging"].rule_files if p.name == "nova-slo-graphql-gateway.rules.yaml"]
    groups = yaml.safe_load(path.read_text())["groups"]
    for group in groups:
        # Recording rules carry sloth_slo, alerts carry slo.
        group["rules"] = [
            rule
            for rule in group["rules"]
            if rule["labels"].get("sloth_slo", rule["labels"].get("slo")) == "error-rate"
        ]
        assert group["rules"]
    subset = tmp_path_factory.mktemp("slo") / "graphql-gateway-error-rate.rules.yaml"
    subset.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    return str(subset)


@pytest.mark.parametrize("stack", STACKS)
def test_every_slo_rule_file_passes_promtool_check(written, stack):
    files = [p for p in written[stack].rule_files if p.name.startswith("nova-slo-")]
    assert len(files) == 13
    outcome = promtool("check", "rules", *map(str, files))
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr


def test_staging_carries_the_roadmaps_gateway_slos(written):
    (path,) = [p for p in written["staging"].rule_files if p.name == "nova-slo-graphql-gateway.rules.yaml"]
    groups = yaml.safe_load(path.read_text())["groups"]
    objectives = {
        rule["labels"]["sloth_slo"]: rule["expr"]
        for group in groups
        for rule in group["rules"]
        if rule.get("record") == "slo:objective:ratio"
    }
    assert objectives == {
        "availability": "vector(0.995)",
        "latency-500ms": "vector(0.99)",
        "latency-1s": "vector(0.95)",
        "error-rate": "vector(0.999)",
    }


@pytest.mark.parametrize(
    "case",
    [
        slo_cases.page_fast_burn,
        slo_cases.page_slow_burn,
        slo_cases.ticket_three_times,
        slo_cases.ticket_one_time,
        slo_cases.half_burn_stays_silent,
        slo_cases.budget_remaining,
        slo_cases.both_colors_count,
    ],
    ids=lambda case: case.__name__,
)
def test_slo_scenario(gateway_rules, case, tmp_path):
    outcome = run_case(case(gateway_rules), tmp_path)
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr


@pytest.mark.parametrize("fraction_spent", [0.6, 0.4])
def test_budget_alert_fires_at_the_configured_fraction(gateway_rules, fraction_spent, tmp_path):
    outcome = run_case(slo_cases.budget_low(gateway_rules, fraction_spent), tmp_path)
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr


def test_a_page_one_step_early_fails(gateway_rules, tmp_path):
    # Proves the timing assertions bite: the fast burn cannot page at 57 minutes.
    document = slo_cases.page_fast_burn(gateway_rules)
    onset = slo_cases.PAGE_FAST_ONSET
    document["tests"][0]["alert_rule_test"] = [
        {
            "eval_time": f"{onset + 57}m",
            "alertname": "SLOErrorBudgetBurn",
            "exp_alerts": [slo_cases.burn_alert("critical", "1h", "5m", "14.4")],
        }
    ]
    assert run_case(document, tmp_path).returncode != 0


def test_every_dashboard_query_is_valid_promql(written, tmp_path):
    (dashboard_file,) = written["staging"].dashboards
    queries = panel_queries(json.loads(dashboard_file.read_text()))
    assert len(queries) >= 5
    # promtool checks PromQL inside rule files: each query becomes a recording rule, with the
    # dashboard's $service variable given a value as Grafana would.
    rules = [
        {"record": f"dashboard:query_{index}", "expr": query.replace("$service", "feed-service")}
        for index, query in enumerate(queries)
    ]
    rule_file = tmp_path / "dashboard.rules.yaml"
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    outcome = promtool("check", "rules", str(rule_file))
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert f"SUCCESS: {len(queries)} rules found" in outcome.stdout
