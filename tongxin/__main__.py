"""Entry point of ``python -m tongxin``: one command, its parts named by the first word."""

import sys

from tongxin.cli import main

sys.exit(main())
