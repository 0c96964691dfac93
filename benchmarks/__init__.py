"""Benchmarks that start real processes and measure them; run from the repository root (see README.md here)."""
