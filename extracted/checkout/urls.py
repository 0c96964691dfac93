from django.urls import include, path

urlpatterns = [
    path("", include("chassis.health")),
    path("v1/", include("extracted.checkout.checkout.urls")),
]

handler400 = "chassis.errors.handler400"
handler403 = "chassis.errors.handler403"
handler404 = "chassis.errors.handler404"
handler500 = "chassis.errors.handler500"
