"""A service's container settings, identity, secrets, Ingress and NetworkPolicy, from the pure builders."""

from __future__ import annotations

from components.builders import access, network
from components.builders import bluegreen as build
from components.config.access import IngressSpec
from components.config.stack import parse_platform_config
from tests.conftest import AWS_STACK

NS = "nova-test"
IMAGE = "registry.example.com/nova/feed-service:1.1.0"


def container(manifest):
    return manifest["spec"]["template"]["spec"]["containers"][0]


def test_the_container_gets_literal_env_then_secrets_by_reference(make_spec, raw_config):
    spec = make_spec(
        env={"B_VAR": "2", "A_VAR": "1"},
        colorEnv={"green": {"A_VAR": "green-only"}},
        secretEnv={"STRIPE_KEY": "stripeKey"},
    )
    blue, green = (container(build.deployment(spec, color, NS, IMAGE)) for color in ("blue", "green"))
    assert blue["env"] == [
        {"name": "A_VAR", "value": "1"},
        {"name": "B_VAR", "value": "2"},
        {"name": "STRIPE_KEY", "valueFrom": {"secretKeyRef": {"name": "feed-service-env", "key": "STRIPE_KEY"}}},
    ]
    assert green["env"][0] == {"name": "A_VAR", "value": "green-only"}, "colorEnv wins for its colour only"


def test_env_from_command_args_and_extra_ports(make_spec):
    spec = make_spec(
        envFrom=[{"configMap": "feed-settings"}, {"secret": "feed-db", "optional": True}],
        command=["/app/feed"],
        args=["serve"],
        ports={"grpc": 9090},
    )
    main = container(build.deployment(spec, "blue", NS, IMAGE))
    assert main["envFrom"] == [
        {"configMapRef": {"name": "feed-settings", "optional": False}},
        {"secretRef": {"name": "feed-db", "optional": True}},
    ]
    assert (main["command"], main["args"]) == (["/app/feed"], ["serve"])
    assert {"name": "grpc", "containerPort": 9090, "protocol": "TCP"} in main["ports"]
    for service in (build.color_service(spec, "blue", NS), build.active_service(spec, NS)):
        assert [(p["name"], p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [
            ("http", 8080, "http"),
            ("grpc", 9090, "grpc"),
        ]


def test_both_colors_run_as_the_services_account_without_a_token_by_default(make_spec):
    for spec, mounted in ((make_spec(), False), (make_spec(kubernetesApi=True), True)):
        pod = build.deployment(spec, "green", NS, IMAGE)["spec"]["template"]["spec"]
        assert (pod["serviceAccountName"], pod["automountServiceAccountToken"]) == ("feed-service", mounted)
        account = access.service_account(spec, NS)
        assert account["automountServiceAccountToken"] is mounted
        assert "annotations" not in account["metadata"]
    annotated = access.service_account(make_spec(), NS, "arn:aws:iam::1:role/r")
    assert annotated["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/r"}


def test_the_role_policy_is_exactly_the_statements(make_spec, raw_config):
    raw_config.pop("imageRegistry")
    raw_config.update(AWS_STACK)
    raw_config["services"]["feed-service"]["aws"] = {
        "statements": [
            {
                "actions": ["s3:GetObject"],
                "resources": ["arn:aws:s3:::b/*"],
                "conditions": {"StringEquals": {"s3:ExistingObjectTag/team": "feed"}},
            }
        ]
    }
    spec = parse_platform_config(raw_config, "staging").service("feed-service")
    assert access.statements_policy(spec) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Statement0",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": ["arn:aws:s3:::b/*"],
                "Condition": {"StringEquals": {"s3:ExistingObjectTag/team": "feed"}},
            }
        ],
    }


def test_the_ingress_targets_the_routing_service_with_the_clouds_class(make_spec):
    spec = make_spec(ingress={"host": "api.example.com", "tls": {"secretName": "api-tls"}})
    local = access.ingress(spec, NS, "local")
    assert local["spec"]["ingressClassName"] == "nginx"
    (rule,) = local["spec"]["rules"]
    assert rule["http"]["paths"][0]["backend"] == {"service": {"name": "feed-service", "port": {"name": "http"}}}
    assert local["spec"]["tls"] == [{"hosts": ["api.example.com"], "secretName": "api-tls"}]
    assert "annotations" not in local["metadata"]
    alb = access.ingress(spec, NS, "aws")
    assert alb["spec"]["ingressClassName"] == "alb"
    assert alb["metadata"]["annotations"]["alb.ingress.kubernetes.io/target-type"] == "ip"


def test_user_annotations_and_class_override_the_defaults(make_spec):
    settings = IngressSpec("api.example.com", "alb", None, "arn:aws:acm:r:1:certificate/x", {"a/b": "c"})
    spec = make_spec()
    spec = type(spec)(**{**spec.__dict__, "ingress": settings})
    manifest = access.ingress(spec, NS, "local")
    assert manifest["spec"]["ingressClassName"] == "alb"
    annotations = manifest["metadata"]["annotations"]
    assert annotations["alb.ingress.kubernetes.io/certificate-arn"] == "arn:aws:acm:r:1:certificate/x"
    assert annotations["a/b"] == "c"


def test_a_services_policy_lets_in_its_namespace_prometheus_and_the_ingress(raw_config):
    raw_config["networkPolicy"] = {"ingressNamespace": "ingress-nginx", "ingressCidrs": ["10.0.0.0/24"]}
    raw_config["services"]["feed-service"]["ingress"] = {"host": "api.example.com"}
    raw_config["services"]["feed-service"]["metrics"] = {"port": 9090}
    config = parse_platform_config(raw_config, "staging")
    assert config.network is not None
    policy = network.service_policy(config.service("feed-service"), config, config.network)
    rules = policy["spec"]["ingress"]
    assert rules[0] == {"from": [{"podSelector": {}}], "ports": [{"protocol": "TCP", "port": "http"}]}
    assert rules[1]["ports"] == [{"protocol": "TCP", "port": "metrics"}]
    assert rules[2]["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}},
        {"ipBlock": {"cidr": "10.0.0.0/24"}},
    ]
    assert policy["spec"]["policyTypes"] == ["Ingress"]


def test_network_policy_can_be_switched_off(raw_config):
    raw_config["networkPolicy"] = {"enabled": False}
    assert parse_platform_config(raw_config, "staging").network is None
