"""SLO config and the generated SLO rules, straight from the parser and the pure builders."""

from __future__ import annotations

import pytest

from components.builders import dashboard, slo
from components.config.fields import ConfigError
from components.config.stack import parse_platform_config

GATEWAY_SLOS = [
    {"name": "latency-500ms", "kind": "latency", "threshold": 0.5, "objective": 99},
    {"name": "error-rate", "kind": "availability", "objective": 99.9},
]


@pytest.fixture
def config(raw_config):
    raw_config["serviceDefaults"] = {"slos": [{"name": "availability", "kind": "availability", "objective": 99.5}]}
    raw_config["services"]["feed-service"]["slos"] = GATEWAY_SLOS
    return parse_platform_config(raw_config, "staging")


def rules_by_record(config, service_name):
    service = config.service(service_name)
    groups = slo.rule_groups(config, service)
    return [rule for group in groups for rule in group["rules"]]


def test_service_slos_add_to_the_defaults_by_name(config):
    assert [s.name for s in config.service("feed-service").slos] == ["availability", "latency-500ms", "error-rate"]
    assert [s.name for s in config.service("search-service").slos] == ["availability"]


def test_a_service_entry_with_a_default_name_replaces_it(raw_config):
    raw_config["serviceDefaults"] = {"slos": [{"name": "availability", "objective": 99.5}]}
    raw_config["services"]["feed-service"]["slos"] = [{"name": "availability", "objective": 99.0}]
    spec = parse_platform_config(raw_config, "staging").service("feed-service")
    assert [(s.name, s.objective) for s in spec.slos] == [("availability", 99.0)]


def test_objective_and_budget_ratios(config):
    error_rate = config.service("feed-service").slos[2]
    assert error_rate.objective_ratio == pytest.approx(0.999)
    assert error_rate.error_budget == pytest.approx(0.001)


@pytest.mark.parametrize(
    ("slos", "key", "message"),
    [
        ([{"name": "a", "objective": 100}], "services.feed-service.slos[0].objective", "outside (0, 100)"),
        ([{"name": "a", "objective": 0}], "services.feed-service.slos[0].objective", "outside (0, 100)"),
        ([{"name": "a", "objective": "high"}], "services.feed-service.slos[0].objective", "expected a percentage"),
        (
            [{"name": "a", "kind": "latency", "threshold": 0.3, "objective": 99}],
            "services.feed-service.slos[0].threshold",
            "0.3 is not a histogram bucket boundary",
        ),
        (
            [{"name": "a", "kind": "latency", "objective": 99}],
            "services.feed-service.slos[0].threshold",
            "expected seconds",
        ),
        (
            [{"name": "a", "kind": "availability", "threshold": 1, "objective": 99}],
            "services.feed-service.slos[0].threshold",
            "only latency SLOs have a threshold",
        ),
        (
            [{"name": "a", "objective": 99}, {"name": "a", "objective": 98}],
            "services.feed-service.slos[1].name",
            "duplicate SLO name 'a'",
        ),
        ([{"name": "A B", "objective": 99}], "services.feed-service.slos[0].name", "not a valid SLO name"),
        ([{"name": "a", "kind": "throughput", "objective": 99}], "services.feed-service.slos[0].kind", "not one of"),
        ([{"name": "a", "objective": 99, "target": 1}], "services.feed-service.slos[0].target", "unknown key"),
        ({"name": "a"}, "services.feed-service.slos", "expected a list of SLOs"),
    ],
)
def test_bad_slo_input_is_a_config_error(raw_config, slos, key, message):
    raw_config["services"]["feed-service"]["slos"] = slos
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw_config, "staging")
    assert caught.value.key == key
    assert message in caught.value.message


def test_a_custom_bucket_makes_a_threshold_measurable(raw_config):
    raw_config["services"]["feed-service"]["histogramBuckets"] = [0.1, 0.3, 1]
    raw_config["services"]["feed-service"]["slos"] = [
        {"name": "a", "kind": "latency", "threshold": 0.3, "objective": 99}
    ]
    assert parse_platform_config(raw_config, "staging").service("feed-service").slos[0].threshold == 0.3


def test_sli_ratios_are_recorded_for_every_alert_window_with_sloth_labels(config):
    rules = rules_by_record(config, "feed-service")
    records = {(r.get("record"), r["labels"].get("sloth_slo")) for r in rules if "record" in r}
    for window in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"):
        assert (f"slo:sli_error:ratio_rate{window}", "error-rate") in records
    for name in ("objective", "error_budget", "current_burn_rate", "period_burn_rate", "period_error_budget_remaining"):
        assert (f"slo:{name}:ratio", "latency-500ms") in records
    sample = next(r for r in rules if r.get("record") == "slo:sli_error:ratio_rate5m")
    assert {"sloth_service", "sloth_slo", "sloth_id"} <= set(sample["labels"])
    assert sample["labels"]["sloth_id"] == "feed-service-availability"


def test_the_30_day_ratio_sums_events_instead_of_averaging_ratios(config):
    (rule,) = [
        r
        for r in rules_by_record(config, "feed-service")
        if r.get("record") == "slo:sli_error:ratio_rate30d" and r["labels"]["sloth_slo"] == "error-rate"
    ]
    assert "sum_over_time(slo:sli_error_events:rate5m" in rule["expr"]
    assert "sum_over_time(slo:sli_total_events:rate5m" in rule["expr"]
    assert "ratio_rate5m" not in rule["expr"]


def test_latency_sli_counts_requests_slower_than_the_threshold_bucket(config):
    (rule,) = [
        r
        for r in rules_by_record(config, "feed-service")
        if r.get("record") == "slo:sli_error:ratio_rate1h" and r["labels"]["sloth_slo"] == "latency-500ms"
    ]
    assert (
        'http_request_duration_seconds_bucket{namespace="nova-test", service="feed-service", le="0.5"}' in rule["expr"]
    )
    assert "http_request_duration_seconds_count" in rule["expr"]


def test_burn_rate_alerts_follow_the_workbook_table(config):
    alerts = [r for r in rules_by_record(config, "feed-service") if r.get("alert") == "SLOErrorBudgetBurn"]
    error_rate = [a for a in alerts if a["labels"]["slo"] == "error-rate"]
    table = {
        (a["labels"]["severity"], a["labels"]["long_window"], a["labels"]["short_window"], a["labels"]["burn_rate"])
        for a in error_rate
    }
    assert table == {
        ("critical", "1h", "5m", "14.4"),
        ("critical", "6h", "30m", "6"),
        ("warning", "1d", "2h", "3"),
        ("warning", "3d", "6h", "1"),
    }
    page = next(a for a in error_rate if a["labels"]["long_window"] == "1h")
    assert "ratio_rate1h" in page["expr"]
    assert "ratio_rate5m" in page["expr"]
    assert "> 0.0144" in page["expr"]
    for alert in alerts:
        assert {"service", "slo", "severity"} <= set(alert["labels"])


def test_budget_alert_uses_the_configured_fraction(raw_config):
    raw_config["monitoring"] = {"sloBudgetAlert": 0.75}
    raw_config["services"]["feed-service"]["slos"] = GATEWAY_SLOS
    config = parse_platform_config(raw_config, "staging")
    (alert,) = [
        r
        for r in rules_by_record(config, "feed-service")
        if r.get("alert") == "SLOErrorBudgetLow" and r["labels"]["slo"] == "error-rate"
    ]
    assert alert["expr"].endswith("< 0.25")


def test_dashboard_has_a_service_variable_and_the_five_panels():
    board = dashboard.slo_dashboard()
    assert [v["name"] for v in board["templating"]["list"]] == ["datasource", "service"]
    titles = [panel["title"] for panel in board["panels"]]
    assert len(titles) == 5
    assert all('sloth_service="$service"' in query for query in dashboard.panel_queries(board))


def test_dashboard_config_map_is_labelled_for_the_grafana_sidecar(config):
    config_map = dashboard.dashboard_config_map(config)
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert list(config_map["data"]) == ["nova-slos.json"]
