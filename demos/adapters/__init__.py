"""Adapters that run other implementations through minigan's reference fixtures (docs/reference.md)."""
