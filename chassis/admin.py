"""Django admin pieces every deployable uses to let staff look at its data without SQL.

The admin is for looking, not for writing: a deployable's state moves only through its services (a
saga's compare-and-set transitions, stock's conditional UPDATEs), which a form saving whole rows would
bypass. So every model is registered view-only. The default AdminSite lets in only active staff users.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


class ViewOnlyAdmin(admin.ModelAdmin):
    """A model's changelist and detail pages, with no add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ViewOnlyInline(admin.TabularInline):
    """Related rows shown under their parent's detail page, with no add, change or delete."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def name_site(site: admin.AdminSite, deployable: str) -> None:
    """Title the admin pages after the deployable they show."""
    site.site_header = site.site_title = f"{deployable} administration"
    site.index_title = f"{deployable}: what it holds"
