"""The workflow engine.

Layers, top to bottom (docs/ARCHITECTURE.md; tests/test_layering.py enforces them):

- ``engine.casework``: the use cases, one function each, one transaction each with its audit
  entry inside: open, fire, hand over, migrate, grid report, parties, reveal, exclusions,
  rates, publish, notifications, the unit tree's administration, grid members' grids, claiming
  and assigning cases, managing users, duplicate suggestions, merging and splitting
  duplicates, the public intake form. **This is the surface the adapters (``api/``, ``workflows/``,
  ``fengqiao/``) call**, on a ``engine.casework.context.Casework``, as an
  ``engine.casework.identity.User``; they catch ``engine.errors.FengqiaoError`` and the
  refusals in ``engine.casework.errors``.
- the core (this package outside ``store/`` and ``casework/``): definitions and their loader,
  safe expressions, the state machine, durations and the working calendar, timers, the
  service that fires transitions, the visibility policy, the reserved field names. It imports
  no web, database or scheduler framework. Adapters may also use its plain data types and
  read-only helpers: ``engine.definition`` (the loaded workflow), ``engine.model`` (cases,
  events, timers), ``engine.loader`` (validating YAML), ``engine.diagram``,
  ``engine.definition_diff`` (the changes between two versions), ``engine.timer_edit``,
  ``engine.reserved``, ``engine.units``, ``engine.visibility``, ``engine.clock``,
  ``engine.duplicates`` (the rules of duplicate suggestions), ``engine.receipts``.
- ``engine.store``: persistence only. One transaction object (``store.transaction()``) for
  driver statements and SQLAlchemy Core alike; every query function takes the open
  transaction. Routes and pages never import it.
"""
