"""Django's command-line utility for the notifications worker, run as a module from the repository root:

    python -m extracted.notifications.manage release
"""

from chassis.manage import execute

if __name__ == "__main__":
    execute("extracted.notifications.settings", service="notifications")
