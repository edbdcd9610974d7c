"""A service's identity and its way in: the ServiceAccount both colours run as, the Secret of
its own secrets (`secretEnv`), the IAM policy of its statements, and its Ingress."""

from __future__ import annotations

from typing import Any

from components import conventions
from components.builders import Manifest
from components.builders.aws import IAM_VERSION, ROLE_ARN_ANNOTATION
from components.builders.core import secret
from components.config.services import ServiceSpec
from components.config.stack import Cloud

# The AWS Load Balancer Controller's annotations:
# https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/
ALB_ANNOTATIONS = {
    "alb.ingress.kubernetes.io/scheme": "internet-facing",
    "alb.ingress.kubernetes.io/target-type": "ip",  # straight to the pods of the live colour
    "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS": 443}]',
    "alb.ingress.kubernetes.io/ssl-redirect": "443",
}
DEFAULT_INGRESS_CLASS: dict[Cloud, str] = {"aws": "alb", "local": "nginx"}


def service_account(spec: ServiceSpec, namespace: str, role_arn: Any = None) -> Manifest:
    """The identity both colours run as; annotated with the IAM role when the service has one."""
    metadata: dict[str, Any] = {
        "name": conventions.service_account_name(spec.name),
        "namespace": namespace,
        "labels": {conventions.LABEL_NAME: spec.name, **conventions.owned_labels()},
    }
    if role_arn is not None:
        metadata["annotations"] = {ROLE_ARN_ANNOTATION: role_arn}
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata,
        # Only a service that talks to the Kubernetes API gets a token in its pods.
        "automountServiceAccountToken": spec.kubernetes_api,
    }


def env_secret(spec: ServiceSpec, namespace: str, values: dict[str, Any]) -> Manifest:
    """The service's own secrets, one key per variable (`secretEnv`); values are Pulumi secrets."""
    return secret(conventions.env_secret_name(spec.name), namespace, values)


def statements_policy(spec: ServiceSpec) -> dict[str, Any]:
    """The inline policy of a service's role: exactly its `aws.statements`."""
    statements = []
    for index, statement in enumerate(spec.aws_statements):
        document: dict[str, Any] = {
            "Sid": f"Statement{index}",
            "Effect": "Allow",
            "Action": list(statement.actions),
            "Resource": list(statement.resources),
        }
        if statement.conditions:
            document["Condition"] = {operator: dict(test) for operator, test in statement.conditions.items()}
        statements.append(document)
    return {"Version": IAM_VERSION, "Statement": statements}


def ingress(spec: ServiceSpec, namespace: str, cloud: Cloud) -> Manifest:
    """The way in: host -> the routing Service, so a switch moves external traffic too."""
    assert spec.ingress is not None
    settings = spec.ingress
    class_name = settings.class_name or DEFAULT_INGRESS_CLASS[cloud]
    annotations: dict[str, str] = {}
    if class_name == "alb":
        annotations.update(ALB_ANNOTATIONS)
        if settings.certificate_arn is not None:
            annotations["alb.ingress.kubernetes.io/certificate-arn"] = settings.certificate_arn
    annotations.update(settings.annotations)
    ingress_spec: dict[str, Any] = {
        "ingressClassName": class_name,
        "rules": [
            {
                "host": settings.host,
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {"service": {"name": spec.name, "port": {"name": conventions.HTTP_PORT_NAME}}},
                        }
                    ]
                },
            }
        ],
    }
    if settings.tls_secret is not None:
        ingress_spec["tls"] = [{"hosts": [settings.host], "secretName": settings.tls_secret}]
    metadata: dict[str, Any] = {
        "name": spec.name,
        "namespace": namespace,
        "labels": {conventions.LABEL_NAME: spec.name, **conventions.owned_labels()},
    }
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": metadata, "spec": ingress_spec}
