import pytest

from tests.support.waiting import free_port


def test_liveness_does_no_io(client):
    # No django_db mark: any database access here would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_checks_database_and_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_readiness_is_503_naming_redis_when_redis_is_down(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["code"] == 503 and "redis" in body["message"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("failed")
