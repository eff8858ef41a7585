"""The composition root: settings and the command line that wire engine, store, API and worker."""
