"""Entry point of `python -m novactl`."""

import sys

from novactl.cli import main

sys.exit(main())
