"""Entry point of ``python -m layers``: the importer's command line."""

import sys

from layers.cli import main

sys.exit(main())
