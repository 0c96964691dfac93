from django.apps import AppConfig


class StranglerDjangoConfig(AppConfig):
    name = "strangler_django"
    label = "strangler_django"
    verbose_name = "Strangler proxy (monolith side)"

    def ready(self) -> None:
        from strangler_django import checks, revocation  # noqa: F401 (importing checks registers them)

        revocation.connect()
