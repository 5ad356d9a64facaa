"""Entry point of ``python -m auth``: manage accounts."""

import sys

from auth.cli import main

sys.exit(main())
