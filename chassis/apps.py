from django.apps import AppConfig, apps


class ChassisConfig(AppConfig):
    """Registers the chassis system checks (and its OpenAPI extension); the chassis has no models."""

    name = "chassis"

    def ready(self) -> None:
        import logging

        from chassis import checks  # noqa: F401  (registration happens on import)

        if apps.is_installed("drf_spectacular"):
            from chassis import openapi_identity  # noqa: F401  (registration happens on import)

        # Python's warnings would otherwise print plain text to stderr.
        logging.captureWarnings(True)
