"""The Grafana SLO dashboard: plain dashboard JSON over the recorded SLO series.

Shipped as a ConfigMap that the Grafana sidecar loads (label `grafana_dashboard: "1"`). Every
panel reads Sloth-named series, so the queries stay cheap however long the window.
"""

from __future__ import annotations

import json
from typing import Any

from components import conventions
from components.builders import Manifest
from components.builders.monitoring import GRAFANA_DASHBOARD_LABEL
from components.config.stack import PlatformConfig

DASHBOARD_UID = "nova-slos"
DASHBOARD_FILE = "nova-slos.json"
SERVICE_VARIABLE = "service"

_SERVICE = f'sloth_service="${SERVICE_VARIABLE}"'


# (title, panel type, unit, width of 24, [(query, legend)]), laid out left to right, 8 high.
_PANELS: tuple[tuple[str, str, str, int, list[tuple[str, str]]], ...] = (
    (
        "SLI over 30 days against the objective",
        "timeseries",
        "percentunit",
        12,
        [
            (f"1 - slo:sli_error:ratio_rate30d{{{_SERVICE}}}", "{{sloth_slo}} SLI"),
            (f"slo:objective:ratio{{{_SERVICE}}}", "{{sloth_slo}} objective"),
        ],
    ),
    (
        "Error budget remaining (30 days)",
        "stat",
        "percentunit",
        12,
        [(f"slo:period_error_budget_remaining:ratio{{{_SERVICE}}}", "{{sloth_slo}}")],
    ),
    (
        "Current burn rate (5m; 1 spends the budget exactly in 30 days)",
        "timeseries",
        "none",
        12,
        [(f"slo:current_burn_rate:ratio{{{_SERVICE}}}", "{{sloth_slo}}")],
    ),
    (
        "Error budget consumed over time",
        "timeseries",
        "percentunit",
        12,
        [(f"1 - slo:period_error_budget_remaining:ratio{{{_SERVICE}}}", "{{sloth_slo}}")],
    ),
    (
        "Latency SLO compliance (share of requests under the threshold)",
        "timeseries",
        "percentunit",
        24,
        [
            (f'1 - slo:sli_error:ratio_rate5m{{{_SERVICE}, slo_kind="latency"}}', "{{sloth_slo}} 5m"),
            (f'1 - slo:sli_error:ratio_rate30d{{{_SERVICE}, slo_kind="latency"}}', "{{sloth_slo}} 30d"),
            (f'slo:objective:ratio{{{_SERVICE}, slo_kind="latency"}}', "{{sloth_slo}} objective"),
        ],
    ),
)
_PANEL_HEIGHT = 8


def _panels() -> list[dict[str, Any]]:
    panels, x, y = [], 0, 0
    for panel_id, (title, kind, unit, width, targets) in enumerate(_PANELS, start=1):
        if x + width > 24:
            x, y = 0, y + _PANEL_HEIGHT
        panels.append(
            {
                "id": panel_id,
                "type": kind,
                "title": title,
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "gridPos": {"x": x, "y": y, "w": width, "h": _PANEL_HEIGHT},
                "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                "targets": [
                    {"refId": chr(ord("A") + index), "expr": expr, "legendFormat": legend}
                    for index, (expr, legend) in enumerate(targets)
                ],
            }
        )
        x += width
    return panels


def slo_dashboard() -> dict[str, Any]:
    """The dashboard JSON: a service variable and the five SLO panels."""
    panels = _panels()
    return {
        "uid": DASHBOARD_UID,
        "title": "Nova SLOs",
        "tags": ["nova", "slo"],
        "timezone": "utc",
        "schemaVersion": 39,
        "time": {"from": "now-30d", "to": "now"},
        "refresh": "1m",
        "templating": {
            "list": [
                {"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Data source"},
                {
                    "name": SERVICE_VARIABLE,
                    "type": "query",
                    "label": "Service",
                    "datasource": {"type": "prometheus", "uid": "${datasource}"},
                    "query": {"query": "label_values(slo:objective:ratio, sloth_service)", "refId": "services"},
                    "refresh": 2,
                    "sort": 1,
                },
            ]
        },
        "panels": panels,
    }


def panel_queries(dashboard: dict[str, Any]) -> list[str]:
    """Every PromQL expression the dashboard's panels run."""
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def dashboard_config_map(config: PlatformConfig) -> Manifest:
    """The ConfigMap the Grafana sidecar picks up (searchNamespace: ALL)."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "nova-slo-dashboard",
            "namespace": config.monitoring.namespace,
            "labels": {**conventions.owned_labels(), GRAFANA_DASHBOARD_LABEL: "1"},
        },
        "data": {DASHBOARD_FILE: json.dumps(slo_dashboard(), indent=2, sort_keys=True)},
    }
