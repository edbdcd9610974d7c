"""`novactl status --live` as a user runs it: a kubeconfig, and the command reading through it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tests.support import novactl


def write_kubeconfig(path: Path, server: str, context: str, token: str, ca_file: Path | None = None) -> Path:
    """A kubeconfig whose one (current) context reaches `server` with `token`."""
    cluster: dict[str, str] = {"server": server}
    if ca_file is not None:
        cluster["certificate-authority"] = str(ca_file)
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "cluster", "cluster": cluster}],
                "users": [{"name": "user", "user": {"token": token}}],
                "contexts": [{"name": context, "context": {"cluster": "cluster", "user": "user"}}],
                "current-context": context,
            }
        )
    )
    return path


def status_live(project: Path, kubeconfig: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`novactl status ARGUMENTS --live` in `project`, through `kubeconfig`."""
    return novactl("status", *arguments, "--live", cwd=project, env={"KUBECONFIG": str(kubeconfig)}, timeout=120)
