"""Throwaway databases for tests that start real processes. They live in devstack.databases, which the
benchmarks share; tests import them from either place."""

from devstack.databases import throwaway_database_url

__all__ = ["throwaway_database_url"]
