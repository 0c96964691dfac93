"""Django's command-line utility for the checkout service, run as a module from the repository root:

    python -m extracted.checkout.manage release
"""

from chassis.manage import execute

if __name__ == "__main__":
    execute("extracted.checkout.settings", service="checkout")
