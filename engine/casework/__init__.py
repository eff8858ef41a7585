"""The use cases: every change a person or the worker makes to a case, one function each.

Each function takes the ``Casework`` (context.py) and the acting ``User`` (identity.py), checks
what the user may see (access.py, the visibility policy of engine.visibility) and do (the
permission table, permissions.py), and runs in **one transaction with its audit entry inside**.
The API and the pages call the same functions; docs/ARCHITECTURE.md lists them under "where a
case changes".
"""
