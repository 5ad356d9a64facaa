"""Entry point of ``python -m reports``: make the Word briefing report."""

import sys

from reports.cli import main

sys.exit(main())
