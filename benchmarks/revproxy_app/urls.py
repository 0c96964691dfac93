"""Every path goes to the upstream."""

import urllib3
from django.conf import settings
from django.urls import re_path
from revproxy.views import ProxyView

_POOLS = urllib3.PoolManager(maxsize=settings.UPSTREAM_POOL_SIZE)


class UpstreamProxyView(ProxyView):
    upstream = settings.UPSTREAM_URL
    add_x_forwarded = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.http = _POOLS


urlpatterns = [re_path(r"^(?P<path>.*)$", UpstreamProxyView.as_view())]
