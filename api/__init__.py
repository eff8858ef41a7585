"""The HTTP API and pages of fengqiao (FastAPI)."""
