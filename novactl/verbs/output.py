"""What several verbs print the same way: tables, the cluster they read, an error's first line."""

from __future__ import annotations

import argparse
from pathlib import Path

from novactl.stack import declared


def print_table(rows: list[list[str]]) -> None:
    """Rows in columns as wide as their widest cell, the first row the header."""
    widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def cluster(args: argparse.Namespace, project_dir: Path, stack: str) -> tuple[str | None, str]:
    """The kubeconfig context a --live read uses (--context, else the stack's), and its words."""
    context: str | None = args.context or declared.kube_context(project_dir, stack)
    return context, f"context {context}" if context else "the kubeconfig's current context"


def first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
