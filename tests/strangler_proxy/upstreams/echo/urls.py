from django.urls import re_path

from tests.strangler_proxy.upstreams.echo.views import dispatch

urlpatterns = [re_path(r"", dispatch)]
