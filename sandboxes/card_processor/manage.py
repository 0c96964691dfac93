"""The sandbox's manage.py: `python -m sandboxes.card_processor.manage migrate --noinput`.

A configuration error is written as one JSON line naming the variable, like the rest of the output,
and the command exits 1 instead of printing a traceback.
"""

import os
import sys

from chassis.env import ConfigError
from chassis.logging import emit_line


def main() -> None:
    # Assigned, not defaulted, for the reason given in wsgi.py.
    os.environ["DJANGO_SETTINGS_MODULE"] = "sandboxes.card_processor.settings"
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ConfigError as error:
        emit_line("card-processor", "sandboxes.card_processor.manage", str(error), level="error")
        sys.exit(1)


if __name__ == "__main__":
    main()
