"""`promtool test rules` scenarios for the SLO rules of staging's graphql-gateway.

Its `error-rate` SLO (99.9% over 30 days: an error budget of 0.001) is burned at known rates
after three healthy days, so every long window is diluted as in production. The SRE
Workbook's detection time for a constant error ratio e against a window pair (W, burn B) is
W * B * budget / e; each scenario asserts silence just before it and the alert within one
evaluation interval after it (rule groups evaluate independently, so an alert may read the
recordings of the previous evaluation).
"""

from __future__ import annotations

from typing import Any

from tests.tools.scrape_labels import target_labels

RUNBOOKS = "https://github.com/proerror/nova-platform/blob/main/docs/runbooks"
DAY = 24 * 60
HISTORY_MINUTES = 3 * DAY  # healthy days before the errors start, so the 3d window is diluted
NAMESPACE, SERVICE, SLO = "nova-staging", "graphql-gateway", "error-rate"
VERSIONS = {"blue": "3.1.2", "green": "3.1.1"}


def _counters(
    ok_per_step: int, errors_per_step: int, onset: int, steps: int, color: str = "blue"
) -> list[dict[str, str]]:
    """Request counters of one colour, labelled as its PodMonitor labels them: `ok_per_step`
    good requests throughout, errors from step `onset` on."""
    target = target_labels(NAMESPACE, SERVICE, color, VERSIONS[color], f"{SERVICE}-{color}-1")
    labels = ", ".join(f'{key}="{value}"' for key, value in target.items())
    errors = (
        f"0x{onset} {errors_per_step}+{errors_per_step}x{steps - onset}" if onset else f"0+{errors_per_step}x{steps}"
    )
    return [
        {"series": f'http_requests_total{{{labels}, status="200"}}', "values": f"0+{ok_per_step}x{steps}"},
        {"series": f'http_requests_total{{{labels}, status="500"}}', "values": errors},
    ]


def _alert_labels(severity: str, **extra: str) -> dict[str, str]:
    """Labels every SLO alert of the error-rate SLO carries: the series' and the rule's."""
    return {
        "sloth_id": f"{SERVICE}-{SLO}",
        "sloth_service": SERVICE,
        "sloth_slo": SLO,
        "slo_kind": "availability",
        "service": SERVICE,
        "slo": SLO,
        "cluster": "nova-staging",
        "severity": severity,
        **extra,
    }


def burn_alert(severity: str, long: str, short: str, burn: str) -> dict[str, Any]:
    """The expected SLOErrorBudgetBurn alert of the error-rate SLO for one window pair."""
    return {
        "exp_labels": _alert_labels(severity, long_window=long, short_window=short, burn_rate=burn),
        "exp_annotations": {
            "summary": f"{SERVICE} {SLO}: error budget burning {burn}x too fast ({long} and {short})",
            "description": f"Over both the last {long} and {short}, more than {burn}x the error rate that "
            "99.9% over 30d allows failed; at this pace the budget runs out early.",
            "runbook_url": f"{RUNBOOKS}/SLOErrorBudgetBurn.md",
        },
    }


PAGE_FAST_ONSET = DAY


def _burn(at_minute: int, *alerts: dict[str, Any]) -> dict[str, Any]:
    return {"eval_time": f"{at_minute}m", "alertname": "SLOErrorBudgetBurn", "exp_alerts": list(alerts)}


def _document(rule_file: str, interval: str, tests: list[dict[str, Any]]) -> dict[str, Any]:
    return {"rule_files": [rule_file], "evaluation_interval": interval, "tests": tests}


def page_fast_burn(rule_file: str) -> dict[str, Any]:
    """15x the budget (1.5% errors): the 1h/5m pair predicts 60m * 14.4 / 15 = 57.6 minutes.
    One healthy day is history enough: no longer window comes near its threshold."""
    onset = PAGE_FAST_ONSET
    page = burn_alert("critical", "1h", "5m", "14.4")
    test = {
        "interval": "1m",
        "input_series": _counters(985, 15, onset, onset + 70),
        # The ratio crosses at 58m; the alert group may read the recording group's previous
        # evaluation (groups run independently, as in Prometheus), so it fires by 59m.
        "alert_rule_test": [_burn(onset + 57), _burn(onset + 59, page)],
    }
    return _document(rule_file, "1m", [test])


def page_slow_burn(rule_file: str) -> dict[str, Any]:
    """6.5x the budget (0.65% errors): the 6h/30m pair predicts 360m * 6 / 6.5 = 332.3 minutes;
    the 1h/5m pair (14.4x) never fires. Two healthy days keep the 3d/6h ticket quiet."""
    onset = 2 * DAY
    page = burn_alert("critical", "6h", "30m", "6")
    test = {
        "interval": "1m",
        "input_series": _counters(1987, 13, onset, onset + 340),
        "alert_rule_test": [_burn(onset + 60), _burn(onset + 332), _burn(onset + 334, page)],
    }
    return _document(rule_file, "1m", [test])


def ticket_three_times(rule_file: str) -> dict[str, Any]:
    """3.5x the budget, in 5-minute steps: the 1d/2h ticket predicts 1440m * 3 / 3.5 = 1234
    minutes, the 3d/6h ticket 4320m * 1 / 3.5 = 1234 minutes too; no page, ever."""
    onset = HISTORY_MINUTES // 5
    tickets = [burn_alert("warning", "1d", "2h", "3"), burn_alert("warning", "3d", "6h", "1")]
    test = {
        "interval": "5m",
        "input_series": _counters(9965, 35, onset, onset + 300),
        "alert_rule_test": [
            _burn(HISTORY_MINUTES + 600),
            _burn(HISTORY_MINUTES + 1200),
            _burn(HISTORY_MINUTES + 1250, *tickets),
            _burn(HISTORY_MINUTES + 1490, *tickets),
        ],
    }
    return _document(rule_file, "5m", [test])


def ticket_one_time(rule_file: str) -> dict[str, Any]:
    """1.2x the budget, in 5-minute steps: only the 3d/6h ticket, after 4320m / 1.2 = 60 hours."""
    onset = HISTORY_MINUTES // 5
    ticket = burn_alert("warning", "3d", "6h", "1")
    test = {
        "interval": "5m",
        "input_series": _counters(24970, 30, onset, onset + 760),
        "alert_rule_test": [
            _burn(HISTORY_MINUTES + 24 * 60),
            _burn(HISTORY_MINUTES + 59 * 60),
            _burn(HISTORY_MINUTES + 61 * 60, ticket),
        ],
    }
    return _document(rule_file, "5m", [test])


def half_burn_stays_silent(rule_file: str) -> dict[str, Any]:
    """0.5x the budget for four days: a healthy service, no page and no ticket."""
    onset = HISTORY_MINUTES // 5
    test = {
        "interval": "5m",
        "input_series": _counters(9995, 5, onset, onset + 4 * 288),
        "alert_rule_test": [_burn(HISTORY_MINUTES + day * 24 * 60) for day in (1, 2, 3, 4)],
    }
    return _document(rule_file, "5m", [test])


def _close_to(expr: str, value: float, extra_labels: str = "") -> dict[str, Any]:
    # Floating point makes 1/2000 come out as 4.999999999999999e-04: compare within 1e-9.
    identity = f'sloth_id="{SERVICE}-{SLO}", sloth_service="{SERVICE}", sloth_slo="{SLO}"'
    labels = f'{{{identity}, slo_kind="availability"{extra_labels}}}'
    return {
        "expr": f"abs({expr} - {value}) < bool 1e-9",
        "eval_time": "2h",
        "exp_samples": [{"labels": labels, "value": 1}],
    }


def budget_remaining(rule_file: str) -> dict[str, Any]:
    """A known history, 0.05% errors for 2 hours: half of a 0.1% budget is left (to 1e-9)."""
    test = {
        "interval": "1m",
        "input_series": _counters(1999, 1, 0, 180),
        "promql_expr_test": [
            _close_to(f'slo:period_error_budget_remaining:ratio{{sloth_id="{SERVICE}-{SLO}"}}', 0.5),
            _close_to(f'slo:sli_error:ratio_rate30d{{sloth_id="{SERVICE}-{SLO}"}}', 0.0005, ', sloth_window="30d"'),
        ],
    }
    return _document(rule_file, "1m", [test])


def both_colors_count(rule_file: str) -> dict[str, Any]:
    """Blue and green serve at once: the SLI is the ratio over both colours, 11 errors in 3000
    requests a minute, not an average of blue's 0.05% and green's 1%."""
    test = {
        "interval": "1m",
        "input_series": [*_counters(1999, 1, 0, 30), *_counters(990, 10, 0, 30, color="green")],
        "promql_expr_test": [
            {
                **_close_to(
                    f'slo:sli_error:ratio_rate5m{{sloth_id="{SERVICE}-{SLO}"}}', 11 / 3000, ', sloth_window="5m"'
                ),
                "eval_time": "20m",
            }
        ],
    }
    return _document(rule_file, "1m", [test])


def budget_low(rule_file: str, fraction_spent: float) -> dict[str, Any]:
    """SLOErrorBudgetLow fires once more than half the budget is spent (monitoring.sloBudgetAlert)."""
    errors = round(fraction_spent * 0.001 * 10000)  # per 10,000 requests a minute
    fires = fraction_spent > 0.5
    expected = []
    if fires:
        remaining = f"{(1 - fraction_spent) * 100:g}%"
        expected = [
            {
                "exp_labels": _alert_labels("warning"),
                "exp_annotations": {
                    "summary": f"{SERVICE} {SLO}: more than 50% of the 30d error budget is spent",
                    "description": f"{remaining} of the error budget remains; "
                    "slow releases down and prioritise reliability work.",
                    "runbook_url": f"{RUNBOOKS}/SLOErrorBudgetLow.md",
                },
            }
        ]
    test = {
        "interval": "1m",
        "input_series": _counters(10000 - errors, errors, 0, 60),
        "alert_rule_test": [{"eval_time": "30m", "alertname": "SLOErrorBudgetLow", "exp_alerts": expected}],
    }
    return _document(rule_file, "1m", [test])
