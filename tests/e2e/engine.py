"""The real Pulumi engine for `make e2e`: the CLI, the Python language host and the Kubernetes
provider that tools/engine/build.sh built, run on a copy of the program with a local file
backend and a passphrase secrets provider, against the e2e control plane.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from components.cluster import read_cluster
from novactl.engine.program import copy_program
from novactl.engine.render import Rendered, render_stack
from tests.conftest import PROJECT_DIR

STACK = "e2e"
NAMESPACE = "nova-e2e"
COMMAND_TIMEOUT = 600
# A service's secret, set as docs/stacks.md tells a user to; its value must reach no output.
SECRET_KEY = "feedDatabaseUrl"
SECRET_VALUE = "postgres://feed:e2e-s3cret@db.internal/feed"


def engine_home() -> Path:
    """Where tools/engine/build.sh put the engine (`make e2e` sets it)."""
    folder = os.environ.get("NOVA_ENGINE_HOME")
    if not folder or not (Path(folder) / "bin" / "pulumi").exists():
        raise RuntimeError("NOVA_ENGINE_HOME names no built engine: run `make e2e`")
    return Path(folder)


def e2e_stack(dev: dict[str, Any], context: str, cluster_uid: str) -> dict[str, Any]:
    """Pulumi.e2e.yaml, from dev: all 13 services, no AWS (dev is `cloud: local`), and nothing
    from a Helm chart (charts cannot be fetched here): monitoring against an operator the
    cluster already runs, no Loki, no Tempo. It names its cluster, as the AWS stacks must, so
    the program's cluster check runs under the engine on every preview and up."""
    config = dict(dev["config"])
    config["kubernetes:context"] = context
    config["nova-platform:clusterUid"] = cluster_uid
    config["nova-platform:namespace"] = NAMESPACE
    config["nova-platform:monitoring"] = {
        **config.get("nova-platform:monitoring", {}),
        "install": False,
        "ruleSelector": {"prometheus": "platform"},
        "monitorSelector": {"prometheus": "platform"},
        "prometheusUrl": "http://prometheus-operated.monitoring.svc:9090",
    }
    config["nova-platform:logging"] = {"enabled": False}
    config["nova-platform:tracing"] = {"enabled": False}
    return {**dev, "config": config}


@dataclass
class Engine:
    """One project copy and one stack under the real CLI."""

    project: Path
    environment: dict[str, str]

    @classmethod
    def create(cls, folder: Path, kubeconfig: Path, context: str, cluster_uid: str | None = None) -> Engine:
        """A project copy whose stack names the cluster `context` reaches (or `cluster_uid`)."""
        home = engine_home()
        cluster_uid = cluster_uid or read_cluster(context, str(kubeconfig)).uid
        project = copy_program(PROJECT_DIR, folder / "project")
        for stack_file in project.glob("Pulumi.*.yaml"):
            stack_file.unlink()
        dev = yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml").read_text())
        (project / f"Pulumi.{STACK}.yaml").write_text(
            yaml.safe_dump(e2e_stack(dev, context, cluster_uid), sort_keys=False)
        )
        (folder / "state").mkdir()
        environment = {
            **os.environ,
            "PATH": f"{home / 'bin'}{os.pathsep}{os.environ['PATH']}",
            # The language host predates the CLI's way of passing `runtime.options.virtualenv`
            # (tools/engine/build.sh); PULUMI_PYTHON_CMD points it at the project's interpreter.
            "PULUMI_PYTHON_CMD": sys.executable,
            "PULUMI_HOME": str(folder / "pulumi-home"),
            "PULUMI_BACKEND_URL": f"file://{folder / 'state'}",
            "PULUMI_CONFIG_PASSPHRASE": secrets.token_hex(16),
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "KUBECONFIG": str(kubeconfig),
        }
        engine = cls(project, environment)
        provider = home / "plugins" / "pulumi-resource-kubernetes"
        engine.pulumi("plugin", "install", "resource", "kubernetes", engine.provider_version(), "--file", str(provider))
        engine.pulumi("stack", "init", STACK)
        engine.pulumi("config", "set", "--path", "services.feed-service.secretEnv.DATABASE_URL", SECRET_KEY)
        engine.pulumi("config", "set", "--secret", SECRET_KEY, SECRET_VALUE)
        return engine

    @staticmethod
    def provider_version() -> str:
        """The pulumi-kubernetes version the program's resources ask the engine for."""
        for line in (PROJECT_DIR / "requirements.txt").read_text().splitlines():
            if line.startswith("pulumi-kubernetes=="):
                return line.split("==", 1)[1]
        raise RuntimeError("requirements.txt pins no pulumi-kubernetes")

    def pulumi(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        outcome = subprocess.run(
            ["pulumi", *args, "--non-interactive"],
            check=False,
            cwd=self.project,
            env=self.environment,
            text=True,
            capture_output=True,
            timeout=COMMAND_TIMEOUT,
        )
        if check and outcome.returncode != 0:
            raise AssertionError(
                f"pulumi {' '.join(args)} exited {outcome.returncode}:\n{outcome.stdout}\n{outcome.stderr}"
            )
        return outcome

    def up(self) -> None:
        self.pulumi("up", "--yes", "--skip-preview")

    def render(self) -> Rendered:
        """The same stack through the offline engine, with the secret the engine decrypts."""
        return render_stack(self.project, STACK, secrets=[f"{SECRET_KEY}={SECRET_VALUE}"])

    def preview_json(self) -> dict[str, Any]:
        """`pulumi preview --json`: the engine's plan, each step with the inputs the provider checked."""
        document: dict[str, Any] = json.loads(self.pulumi("preview", "--json").stdout)
        return document

    def stack_file(self) -> Path:
        return self.project / f"Pulumi.{STACK}.yaml"

    @contextlib.contextmanager
    def stack_file_restored(self) -> Iterator[Path]:
        """The stack file, put back as it was when the block ends, however it ends."""
        path = self.stack_file()
        original = path.read_text()
        try:
            yield path
        finally:
            path.write_text(original)
