"""``python -m layers``: the importer's command line, under the name the README and ledgers use.

The command itself is ``tongxin layers`` (package :mod:`tongxin`): it uses the store and the
accounts, which sit above the layers' contract, and ``layers`` imports nothing above it. So
this name starts that command in place of this process (same process id, arguments, standard
streams and exit status) rather than importing it.
"""

import os
import sys

os.execv(sys.executable, [sys.executable, "-m", "tongxin", "layers", *sys.argv[1:]])
