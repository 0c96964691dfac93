"""Django's command-line utility for the card-processor sandbox, run as a module from the repository root:

    python -m sandboxes.card_processor.manage migrate
"""

from chassis.manage import execute

if __name__ == "__main__":
    execute("sandboxes.card_processor.settings", service="card-processor")
