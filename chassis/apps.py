from django.apps import AppConfig


class ChassisConfig(AppConfig):
    """Registers the chassis system checks; the chassis has no models."""

    name = "chassis"

    def ready(self) -> None:
        import logging

        from chassis import checks  # noqa: F401  (registration happens on import)

        # Python's warnings would otherwise print plain text to stderr.
        logging.captureWarnings(True)
