"""ImageRegistry: an ECR repository per service, scanned on push, tags immutable."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components import conventions
from components.builders import aws as policies
from components.config.stack import PlatformConfig


class ImageRegistry(pulumi.ComponentResource):
    """`nova/<service>` for every service of the stack; `repository_urls` feed the Deployments."""

    repository_urls: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, config: PlatformConfig, opts: pulumi.ResourceOptions | None = None):
        super().__init__("nova:platform:ImageRegistry", name, None, opts)
        assert config.aws is not None
        lifecycle = json.dumps(policies.ecr_lifecycle_policy(config.aws.ecr_keep_images))
        self.repository_urls = {}
        for spec in config.services:
            repository_name = conventions.repository_name(spec.name)
            repository = aws.ecr.Repository(
                spec.name,
                name=repository_name,
                # Immutable: a tag names one image forever, so a colour's tag is what was tested.
                image_tag_mutability="IMMUTABLE",
                image_scanning_configuration={"scan_on_push": True},
                encryption_configurations=[{"encryption_type": "AES256"}],
                force_delete=False,
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.ecr.LifecyclePolicy(
                spec.name,
                repository=repository.name,
                policy=lifecycle,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.repository_urls[spec.name] = repository.repository_url
        self.register_outputs({"repositoryUrls": self.repository_urls})
