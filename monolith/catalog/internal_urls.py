"""Internal catalogue endpoints, included at `internal/catalog/` by monolith/concierge/urls.py."""

from django.urls import path, re_path

from monolith.catalog.internal import RESERVATION_ID, ReservationApi, ReservationCommitApi, ReservationListApi

urlpatterns = [
    path("reservations", ReservationListApi.as_view(), name="internal-reservation-list"),
    re_path(rf"^reservations/(?P<reservation_id>{RESERVATION_ID})$", ReservationApi.as_view(),
            name="internal-reservation"),
    re_path(rf"^reservations/(?P<reservation_id>{RESERVATION_ID})/commit$", ReservationCommitApi.as_view(),
            name="internal-reservation-commit"),
]
