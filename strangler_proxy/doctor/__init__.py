"""`strangler doctor`: a static audit of a Django project against the twelve factors.

It reads the project's files (Python as `ast`, the Procfile and .env.example as text) and never imports or
runs them. Each rule (rules/, one module per factor) is data: an id, the factor, why it matters, the fix,
the files it reads and a check over one file.
"""

from strangler_proxy.doctor.audit import audit
from strangler_proxy.doctor.findings import Factor, Finding
from strangler_proxy.doctor.project import NotADjangoProject
from strangler_proxy.doctor.rules import RULES

__all__ = ["RULES", "Factor", "Finding", "NotADjangoProject", "audit"]
