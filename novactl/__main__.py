"""Entry point of `python -m novactl`."""

from novactl.cli.main import run

run()
