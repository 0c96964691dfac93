"""Django's command-line utility for the catalogue service, run as a module from the repository root:

    python -m extracted.catalog.manage release
"""

from chassis.manage import execute

if __name__ == "__main__":
    execute("extracted.catalog.settings", service="catalog")
