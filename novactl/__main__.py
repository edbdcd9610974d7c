"""Entry point of `python -m novactl`."""

from novactl.cli import run

run()
