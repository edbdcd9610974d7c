"""What a validator has already passed, remembered by content hash, so that `novactl check`
re-validates only what changed since the last check (as pre-commit and mypy keep caches).

A pass is remembered under sha256(the validator's identity, the content): the identity names
the tool and its version (or the hash of its code and lockfile), so a new version forgets every
old pass. Only passes are kept: anything that failed, or was never seen, is validated again.
The cache lives in $NOVACTL_CACHE_DIR, else $XDG_CACHE_HOME/novactl, else ~/.cache/novactl;
NOVACTL_CACHE=off, or `novactl check --no-cache` (a PassCache that is not enabled), validates
everything.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def cache_root() -> Path | None:
    """Where passes are kept, or None when caching is off."""
    if os.environ.get("NOVACTL_CACHE", "").lower() in ("off", "0", "false", "no"):
        return None
    if os.environ.get("NOVACTL_CACHE_DIR"):
        return Path(os.environ["NOVACTL_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "novactl"


class PassCache:
    """The passes of one validator (`identity`: its name and version)."""

    def __init__(self, identity: str, root: Path | None = None):
        self.identity = identity
        self.folder = root / "passed" if root is not None else None

    @classmethod
    def default(cls, identity: str | None, enabled: bool = True) -> PassCache:
        """The cache at cache_root(); one that is not `enabled` (`check --no-cache`), or of an
        unknown identity (a validator whose version cannot be told), remembers nothing."""
        return cls(identity or "", cache_root() if identity is not None and enabled else None)

    def _entry(self, content: str) -> Path | None:
        if self.folder is None:
            return None
        digest = hashlib.sha256(f"{self.identity}\0{content}".encode()).hexdigest()
        return self.folder / digest[:2] / digest[2:]

    def passed(self, content: str) -> bool:
        """Whether this validator has passed exactly `content` before."""
        entry = self._entry(content)
        return entry is not None and entry.exists()

    def remember(self, content: str) -> None:
        """Record a pass; a cache that cannot be written only costs time, never a result."""
        entry = self._entry(content)
        if entry is None:
            return
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            entry.touch()
        except OSError:
            pass


def file_digest(*paths: Path) -> str:
    """One hash over files (a tool's code and lockfile), for its identity."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()
