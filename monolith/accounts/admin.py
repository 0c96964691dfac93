"""Customers' profiles (phone, stored payment method) in the admin; users are django.contrib.auth's."""

from django.contrib import admin

from chassis.admin import ViewOnlyAdmin
from monolith.accounts.models import Profile


@admin.register(Profile)
class ProfileAdmin(ViewOnlyAdmin):
    list_display = ["user", "phone", "payment_method"]
    search_fields = ["user__username", "user__email", "phone"]
