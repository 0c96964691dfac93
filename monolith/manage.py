"""Django's command-line utility for the Concierge monolith, run as a module from the repository root:

    python -m monolith.manage release
"""

from chassis.manage import execute

if __name__ == "__main__":
    execute("monolith.concierge.settings", service="monolith")
