"""Shared code of every stage and entry point (locking, ...): imports nothing else of the project
but orchestration.lib.settings, so any layer may use it (make lint's import contracts)."""
