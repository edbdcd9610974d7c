"""Fixtures of the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import git_repository


@pytest.fixture
def repo(project_copy: Path) -> Path:
    """The project copy as a git repository whose one commit is the base."""
    return git_repository(project_copy)
