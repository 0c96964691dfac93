"""Internal catalogue endpoints, included at `internal/catalog/` (the proxy refuses /internal/ from clients)."""

from django.urls import path, re_path

from catalog_contract.api import RESERVATION_ID
from extracted.catalog.catalog.internal import ReservationApi, ReservationCommitApi, ReservationListApi

urlpatterns = [
    path("reservations", ReservationListApi.as_view(), name="internal-reservation-list"),
    re_path(rf"^reservations/(?P<reservation_id>{RESERVATION_ID})$", ReservationApi.as_view(),
            name="internal-reservation"),
    re_path(rf"^reservations/(?P<reservation_id>{RESERVATION_ID})/commit$", ReservationCommitApi.as_view(),
            name="internal-reservation-commit"),
]
