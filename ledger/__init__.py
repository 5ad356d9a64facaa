"""Changing the working dataset from people's files.

A file is checked against its layer's contract, then written to the store as one change.

Above ``layers`` (the contract) and ``storage`` (where the data lives); used by the data page
and the command line.
"""

from ledger.importer import check, import_file

__all__ = ["check", "import_file"]
