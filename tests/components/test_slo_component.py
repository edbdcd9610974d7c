"""ServiceLevelObjectives in the whole program: one rule per service, after the chart."""

from __future__ import annotations

SLO_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"


def test_each_service_gets_its_slo_rule_after_the_chart(rendered):
    recording = rendered["staging"].recording
    release = next(r for r in recording.by_type("kubernetes:helm.sh/v3:Release") if r.name == "kube-prometheus-stack")
    slo_rules = [r for r in recording.by_type(SLO_RULE) if r.name.startswith("nova-slo-")]
    assert len(slo_rules) == 13
    for rule in slo_rules:
        assert release.urn in rule.options["dependsOn"]
        assert rule.inputs["metadata"]["labels"]["release"] == "kube-prometheus-stack"
        assert rule.parent.endswith("nova:platform:ServiceLevelObjectives::slos")


def test_the_dashboard_ships_as_a_sidecar_config_map(rendered):
    (config_map,) = [
        r
        for r in rendered["staging"].recording.by_type("kubernetes:core/v1:ConfigMap")
        if r.name == "nova-slo-dashboard"
    ]
    assert config_map.inputs["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert config_map.inputs["metadata"]["namespace"] == "monitoring"
