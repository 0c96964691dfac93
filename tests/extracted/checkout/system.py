"""The checkout service as real processes for its tests: devstack.checkout, which the checkout benchmark
shares (its docstring shows the use). Tests import it from here or from there.
"""

from devstack.checkout import (
    ADA,
    FAST_SAGA,
    KEYS,
    CheckoutSystem,
    running_checkout,
    wait_until_ready,
)

__all__ = ["ADA", "FAST_SAGA", "KEYS", "CheckoutSystem", "running_checkout", "wait_until_ready"]
