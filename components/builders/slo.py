"""SLO recording rules and multiwindow, multi-burn-rate alerts, generated natively.

Semantics are the Google SRE Workbook's (chapter 5, "Alerting on SLOs"), and names and labels
are Sloth's (`slo:sli_error:ratio_rate5m{sloth_id, sloth_service, sloth_slo}`, ...), so Sloth's
public Grafana dashboards work on top of these series too. One deliberate difference: the 30-day
ratio is computed from event rates summed over the window, not by averaging 5m ratios, which
would weigh a quiet night like a busy peak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.config.services import ServiceSpec
from components.config.slo import SLO_WINDOW_DAYS, SloSpec
from components.config.stack import PlatformConfig

SLI_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
PERIOD = f"{SLO_WINDOW_DAYS}d"
BURN_ALERT = "SLOErrorBudgetBurn"
BUDGET_ALERT = "SLOErrorBudgetLow"


@dataclass(frozen=True)
class BurnWindow:
    """One window pair of the Workbook's table: both windows must burn faster than `burn_rate`."""

    severity: str
    burn_rate: float
    long: str
    short: str


BURN_WINDOWS = (
    BurnWindow("critical", 14.4, "1h", "5m"),  # 2% of a 30-day budget in 1 hour
    BurnWindow("critical", 6, "6h", "30m"),  # 5% in 6 hours
    BurnWindow("warning", 3, "1d", "2h"),  # 10% in 1 day
    BurnWindow("warning", 1, "3d", "6h"),  # 10% in 3 days
)


def slo_id(service: ServiceSpec, slo: SloSpec) -> str:
    """Sloth's id of one SLO: `<service>-<slo>`."""
    return f"{service.name}-{slo.name}"


def _number(value: float) -> str:
    # 1 - 0.995 is 0.0050000000000000044 in floating point; rules carry the decimal meant.
    return f"{value:.10g}"


def _le(threshold: float) -> str:
    # Clients write `le="1"`, Prometheus 3 normalises to "1.0": match either spelling.
    text = _number(threshold)
    return f'le=~"{text}|{text}\\\\.0"' if "." not in text and "e" not in text else f'le="{text}"'


def event_rates(config: PlatformConfig, service: ServiceSpec, slo: SloSpec, window: str) -> tuple[str, str]:
    """PromQL for (bad events per second, all events per second) of one SLI over `window`."""
    selector = f'namespace="{config.namespace}", service="{service.name}"'
    if slo.kind == "availability":
        errors = f'sum(rate(http_requests_total{{{selector}, status=~"5.."}}[{window}]))'
        total = f"sum(rate(http_requests_total{{{selector}}}[{window}]))"
        return errors, total
    if slo.threshold is None:  # pragma: no cover - config parsing guarantees a threshold
        raise ValueError(f"latency SLO {slo.name} has no threshold")
    total = f"sum(rate(http_request_duration_seconds_count{{{selector}}}[{window}]))"
    fast = f"sum(rate(http_request_duration_seconds_bucket{{{selector}, {_le(slo.threshold)}}}[{window}]))"
    return f"({total} - {fast})", total


def _labels(service: ServiceSpec, slo: SloSpec) -> dict[str, str]:
    return {
        "sloth_id": slo_id(service, slo),
        "sloth_service": service.name,
        "sloth_slo": slo.name,
        "slo_kind": slo.kind,
    }


def recording_rules(config: PlatformConfig, service: ServiceSpec, slo: SloSpec) -> list[dict[str, Any]]:
    """The SLI ratios over every alert window, the event rates, and the 30-day ratio."""
    labels = _labels(service, slo)
    rules = []
    for window in SLI_WINDOWS:
        errors, total = event_rates(config, service, slo, window)
        rules.append(
            {
                "record": f"slo:sli_error:ratio_rate{window}",
                "expr": f"{errors}\n/\n{total}",
                "labels": {**labels, "sloth_window": window},
            }
        )
    errors, total = event_rates(config, service, slo, "5m")
    rules.append({"record": "slo:sli_error_events:rate5m", "expr": errors, "labels": labels})
    rules.append({"record": "slo:sli_total_events:rate5m", "expr": total, "labels": labels})
    selector = f'{{sloth_id="{labels["sloth_id"]}"}}'
    rules.append(
        {
            "record": f"slo:sli_error:ratio_rate{PERIOD}",
            # Events over the period, not an average of 5m ratios.
            "expr": f"sum_over_time(slo:sli_error_events:rate5m{selector}[{PERIOD}])\n/\n"
            f"sum_over_time(slo:sli_total_events:rate5m{selector}[{PERIOD}])",
            "labels": {**labels, "sloth_window": PERIOD},
        }
    )
    return rules


def meta_rules(service: ServiceSpec, slo: SloSpec) -> list[dict[str, Any]]:
    """Objective, budget, burn rates and the budget remaining, per SLO."""
    labels = _labels(service, slo)
    selector = f'{{sloth_id="{labels["sloth_id"]}"}}'
    join = "on (sloth_id, sloth_slo, sloth_service) group_left"
    return [
        {"record": "slo:objective:ratio", "expr": f"vector({_number(slo.objective_ratio)})", "labels": labels},
        {"record": "slo:error_budget:ratio", "expr": f"vector({_number(slo.error_budget)})", "labels": labels},
        {"record": "slo:time_period:days", "expr": f"vector({SLO_WINDOW_DAYS})", "labels": labels},
        {
            "record": "slo:current_burn_rate:ratio",
            "expr": f"sum without (sloth_window) (slo:sli_error:ratio_rate5m{selector})\n/ {join}\n"
            f"slo:error_budget:ratio{selector}",
            "labels": labels,
        },
        {
            "record": "slo:period_burn_rate:ratio",
            "expr": f"sum without (sloth_window) (slo:sli_error:ratio_rate{PERIOD}{selector})\n/ {join}\n"
            f"slo:error_budget:ratio{selector}",
            "labels": labels,
        },
        {
            "record": "slo:period_error_budget_remaining:ratio",
            "expr": f"1 - slo:period_burn_rate:ratio{selector}",
            "labels": labels,
        },
    ]


def alert_rules(config: PlatformConfig, service: ServiceSpec, slo: SloSpec) -> list[dict[str, Any]]:
    """Page and ticket burn-rate alerts, one rule per window pair, and the budget alert."""
    selector = f'{{sloth_id="{slo_id(service, slo)}"}}'
    runbooks = config.monitoring.runbook_base_url
    common = {"service": service.name, "slo": slo.name, "cluster": config.cluster_name}
    rules = []
    for window in BURN_WINDOWS:
        limit = _number(window.burn_rate * slo.error_budget)
        rules.append(
            {
                "alert": BURN_ALERT,
                # max without: one alert per SLO, not one per window series.
                "expr": f"max without (sloth_window) (slo:sli_error:ratio_rate{window.long}{selector} > {limit})\n"
                "and\n"
                f"max without (sloth_window) (slo:sli_error:ratio_rate{window.short}{selector} > {limit})",
                "labels": {
                    **common,
                    "severity": window.severity,
                    "long_window": window.long,
                    "short_window": window.short,
                    "burn_rate": _number(window.burn_rate),
                },
                "annotations": {
                    "summary": f"{service.name} {slo.name}: error budget burning "
                    f"{_number(window.burn_rate)}x too fast ({window.long} and {window.short})",
                    "description": f"Over both the last {window.long} and {window.short}, more than "
                    f"{_number(window.burn_rate)}x the error rate that {slo.objective:g}% over {PERIOD} allows "
                    "failed; at this pace the budget runs out early.",
                    "runbook_url": f"{runbooks}/{BURN_ALERT}.md",
                },
            }
        )
    fraction = config.monitoring.slo_budget_alert
    rules.append(
        {
            "alert": BUDGET_ALERT,
            "expr": f"slo:period_error_budget_remaining:ratio{selector} < {_number(1 - fraction)}",
            "for": "5m",
            "labels": {**common, "severity": "warning"},
            "annotations": {
                "summary": f"{service.name} {slo.name}: more than {_number(fraction * 100)}% of the "
                f"{PERIOD} error budget is spent",
                "description": "{{ $value | humanizePercentage }} of the error budget remains; "
                "slow releases down and prioritise reliability work.",
                "runbook_url": f"{runbooks}/{BUDGET_ALERT}.md",
            },
        }
    )
    return rules


def rule_groups(config: PlatformConfig, service: ServiceSpec) -> list[dict[str, Any]]:
    """Sloth's three groups per service: SLI recordings, meta recordings, alerts."""
    sli, meta, alerts = [], [], []
    for slo in service.slos:
        sli += recording_rules(config, service, slo)
        meta += meta_rules(service, slo)
        alerts += alert_rules(config, service, slo)
    name = f"sloth-slo-{service.name}"
    return [
        {"name": f"{name}-sli-recordings", "rules": sli},
        {"name": f"{name}-meta-recordings", "rules": meta},
        {"name": f"{name}-alerts", "rules": alerts},
    ]
