import io
import threading
import uuid

import pytest
from django.core.management import call_command
from django.db import connection

from datasync.guard import NotOwner
from monolith.catalog import errors, gateway, services
from monolith.catalog.models import Product


def new_id() -> str:
    return f"test-{uuid.uuid4().hex}"


def test_the_demo_catalogue_has_twenty_products_across_shop_and_travel(demo_catalog):
    categories = set(Product.objects.values_list("category", flat=True))
    assert Product.objects.count() >= 20
    assert {"chocolates", "flowers", "wine"} <= categories and {"tours", "hotels"} <= categories


def test_loading_the_demo_catalogue_again_keeps_stock_sold_since(demo_catalog):
    gateway.reserve_stock("chocolate-truffles", reservation_id=new_id())
    before = Product.objects.get(pk="chocolate-truffles").stock
    call_command("load_demo_catalog", verbosity=0)
    assert Product.objects.get(pk="chocolate-truffles").stock == before
    assert Product.objects.count() == 25


def test_loading_the_demo_catalogue_again_writes_only_what_the_file_changes(demo_catalog):
    Product.objects.filter(pk="prosecco").update(name="Old name")
    stamps = dict(Product.objects.values_list("pk", "updated_at"))
    out = io.StringIO()
    call_command("load_demo_catalog", stdout=out)
    assert "0 created, 1 updated" in out.getvalue()
    now = dict(Product.objects.values_list("pk", "updated_at"))
    assert [pk for pk in stamps if now[pk] != stamps[pk]] == ["prosecco"]
    assert Product.objects.get(pk="prosecco").name != "Old name"


def test_reserving_takes_one_unit(demo_catalog):
    before = gateway.get_product("prosecco").stock
    gateway.reserve_stock("prosecco", reservation_id=new_id())
    assert gateway.get_product("prosecco").stock == before - 1


def test_reserving_the_last_unit_twice_raises_out_of_stock(demo_catalog):
    Product.objects.filter(pk="prosecco").update(stock=1)
    gateway.reserve_stock("prosecco", reservation_id=new_id())
    with pytest.raises(gateway.OutOfStock):
        gateway.reserve_stock("prosecco", reservation_id=new_id())
    assert gateway.get_product("prosecco").stock == 0


def test_releasing_puts_the_unit_back(demo_catalog):
    before = gateway.get_product("teddy-bear").stock
    reservation_id = new_id()
    gateway.reserve_stock("teddy-bear", reservation_id=reservation_id)
    gateway.release_stock(reservation_id=reservation_id)
    assert gateway.get_product("teddy-bear").stock == before


@pytest.mark.django_db(transaction=True)
def test_concurrent_buyers_never_oversell():
    """Eight threads race for five units, each on its own database connection."""
    call_command("load_demo_catalog", verbosity=0)
    Product.objects.filter(pk="balloon-ride").update(stock=5)
    sold, barrier = [], threading.Barrier(8)

    def buy() -> None:
        barrier.wait()
        try:
            gateway.reserve_stock("balloon-ride", reservation_id=new_id())
            sold.append(1)
        except gateway.OutOfStock:
            pass
        finally:
            connection.close()

    threads = [threading.Thread(target=buy) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sold) == 5
    assert gateway.get_product("balloon-ride").stock == 0


def test_product_images_are_served_by_the_kit_itself(demo_catalog, client):
    image_url = gateway.get_product("red-roses-dozen").image_url
    assert image_url.startswith("/static/")
    response = client.get(image_url)
    assert response.status_code == 200
    assert b"<svg" in b"".join(response.streaming_content)


def test_a_reservation_is_made_once_and_its_repeat_takes_nothing_more(demo_catalog):
    before = Product.objects.get(pk="prosecco").stock
    _, made = services.reservation_make(reservation_id="order-1", product_id="prosecco", quantity=2)
    _, made_again = services.reservation_make(reservation_id="order-1", product_id="prosecco", quantity=2)
    assert (made, made_again) == (True, False)
    assert Product.objects.get(pk="prosecco").stock == before - 2


@pytest.mark.parametrize(("product_id", "quantity", "error"), [
    ("no-such-product", 1, errors.ProductNotFound),
    ("prosecco", 10_000, errors.OutOfStock),
    ("teddy-bear", 1, errors.ReservationConflict),
    ("prosecco", 3, errors.ReservationConflict),
])
def test_a_reservation_the_catalogue_cannot_make_is_a_domain_error(demo_catalog, product_id, quantity, error):
    """`order-1` already holds 2 prosecco."""
    services.reservation_make(reservation_id="order-1", product_id="prosecco", quantity=2)
    with pytest.raises(error):
        services.reservation_make(reservation_id="order-1" if error is errors.ReservationConflict else "order-2",
                                  product_id=product_id, quantity=quantity)


def test_a_released_reservation_id_holds_nothing_ever_again(demo_catalog):
    assert services.reservation_release(reservation_id="order-3") is False  # never made: a tombstone stays
    with pytest.raises(errors.ReservationReleased):
        services.reservation_make(reservation_id="order-3", product_id="prosecco", quantity=1)


def test_a_commit_sells_what_is_held_once_and_a_release_then_is_refused(demo_catalog):
    before = Product.objects.get(pk="prosecco").stock
    services.reservation_make(reservation_id="order-4", product_id="prosecco", quantity=2)
    sold = services.reservation_commit(reservation_id="order-4")
    assert services.reservation_commit(reservation_id="order-4").committed_at == sold.committed_at
    with pytest.raises(errors.ReservationCommitted):
        services.reservation_release(reservation_id="order-4")
    with pytest.raises(errors.ReservationNotFound):
        services.reservation_commit(reservation_id="order-never")
    assert Product.objects.get(pk="prosecco").stock == before - 2


def test_once_the_products_writes_have_moved_a_commit_is_still_answered_and_a_release_is_not(demo_catalog):
    """The service owns the products (`strangler data switch-writes catalog`): stock here is read-only."""
    services.reservation_make(reservation_id="order-5", product_id="prosecco", quantity=1)
    services.reservation_make(reservation_id="order-6", product_id="prosecco", quantity=1)
    with connection.cursor() as cursor:  # the state row as `strangler data` leaves it, in the test's transaction
        cursor.execute("CREATE TABLE IF NOT EXISTS datasync_state (module text PRIMARY KEY, owner text, "
                       "phase text NOT NULL, reads text NOT NULL)")
        cursor.execute("DELETE FROM datasync_state WHERE module = 'catalog'")
        cursor.execute("INSERT INTO datasync_state (module, owner, phase, reads) "
                       "VALUES ('catalog', 'catalog', 'writes', 'catalog')")
    services.reservation_commit(reservation_id="order-5")  # moves no stock: nothing for the guard to refuse
    with pytest.raises(errors.ReservationCommitted):
        services.reservation_release(reservation_id="order-5")
    with pytest.raises(NotOwner):
        services.reservation_release(reservation_id="order-6")  # would give stock back: refused, still held
    assert services.reservation_commit(reservation_id="order-6").committed
