"""`python -m strangler_proxy.cli`: the `strangler` command, for a checkout without the console script."""

from strangler_proxy.cli.app import strangler

strangler(prog_name="strangler")
