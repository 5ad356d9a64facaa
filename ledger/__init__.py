"""Changing the working dataset from people's files and forms.

A file is checked against its layer's contract, planned as a change (replace, append or
update) and written to the store as one change set with each record's history; a form's record
takes the same checks and the same path (:mod:`ledger.edit`).

Above ``layers`` (the contract) and ``storage`` (where the data lives); used by the data page
and the command line.
"""

from ledger.changes import MODES, ON_DUPLICATE, Plan, plan_import
from ledger.importer import Outcome, apply_import, check, import_file, preview

__all__ = ["MODES", "ON_DUPLICATE", "Outcome", "Plan", "apply_import", "check", "import_file",
           "plan_import", "preview"]
