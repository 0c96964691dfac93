"""The monolith's admin: staff look at products, reservations, orders and profiles; nobody else gets in."""

import pytest
from django.contrib.auth.models import User

from monolith.accounts.services import user_create
from monolith.catalog import services as catalog_services

CHANGELISTS = ["/admin/catalog/product/", "/admin/catalog/reservation/", "/admin/orders/order/",
               "/admin/accounts/profile/"]


@pytest.fixture
def staff_client(client, db):
    staff = User.objects.create_user("grace", "grace@example.com", "Compiler-1952!", is_staff=True,
                                     is_superuser=True)
    client.force_login(staff)
    return client


@pytest.mark.parametrize("path", CHANGELISTS)
def test_a_staff_user_sees_each_changelist(staff_client, demo_catalog, path):
    catalog_services.reservation_make(reservation_id="order-1", product_id="prosecco", quantity=1)
    response = staff_client.get(path)
    assert response.status_code == 200
    assert response.context["cl"].result_count >= (1 if "catalog" in path else 0)


@pytest.mark.parametrize("path", CHANGELISTS)
def test_a_customer_who_is_not_staff_is_sent_to_the_admin_log_in(client, db, path):
    client.force_login(user_create(username="ada", email="ada@example.com", password="correct-horse-battery"))
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_an_anonymous_caller_is_sent_to_the_admin_log_in(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_admin_only_shows_nothing_can_be_added_changed_or_deleted(staff_client, demo_catalog):
    assert staff_client.get("/admin/catalog/product/add/").status_code == 403
    page = staff_client.get("/admin/catalog/product/prosecco/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert staff_client.post("/admin/catalog/product/prosecco/delete/", {"post": "yes"}).status_code == 403
