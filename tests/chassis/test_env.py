import pytest

from chassis.env import ConfigError, env_bool, env_database, env_int, env_list, env_str, env_url


def test_missing_required_variable_names_it_and_points_to_env_example(monkeypatch):
    monkeypatch.delenv("KIT_TEST_VALUE", raising=False)
    with pytest.raises(ConfigError, match=r"KIT_TEST_VALUE is not set; see \.env\.example"):
        env_str("KIT_TEST_VALUE")


def test_default_is_used_when_variable_is_unset(monkeypatch):
    monkeypatch.delenv("KIT_TEST_VALUE", raising=False)
    assert env_int("KIT_TEST_VALUE", 7) == 7


@pytest.mark.parametrize("raw, expected", [("true", True), ("YES", True), ("1", True), ("off", False), ("0", False)])
def test_booleans_are_parsed_strictly(monkeypatch, raw, expected):
    monkeypatch.setenv("KIT_TEST_FLAG", raw)
    assert env_bool("KIT_TEST_FLAG") is expected


def test_a_malformed_boolean_is_an_error_not_false(monkeypatch):
    monkeypatch.setenv("KIT_TEST_FLAG", "ture")
    with pytest.raises(ConfigError, match="KIT_TEST_FLAG='ture' is not a boolean"):
        env_bool("KIT_TEST_FLAG", False)


def test_an_integer_below_its_minimum_is_an_error(monkeypatch):
    monkeypatch.setenv("KIT_TEST_NUMBER", "0")
    with pytest.raises(ConfigError, match="KIT_TEST_NUMBER='0' is not an integer >= 1"):
        env_int("KIT_TEST_NUMBER", minimum=1)


def test_a_url_without_scheme_or_host_is_an_error(monkeypatch):
    monkeypatch.setenv("KIT_TEST_URL", "localhost:6379")
    with pytest.raises(ConfigError, match="KIT_TEST_URL"):
        env_url("KIT_TEST_URL", schemes=("redis",))


def test_a_url_with_another_scheme_is_an_error(monkeypatch):
    monkeypatch.setenv("KIT_TEST_URL", "http://localhost:6379")
    with pytest.raises(ConfigError, match="scheme redis/rediss"):
        env_url("KIT_TEST_URL", schemes=("redis", "rediss"))


def test_lists_are_comma_separated_and_trimmed(monkeypatch):
    monkeypatch.setenv("KIT_TEST_LIST", " a.example , b.example,, ")
    assert env_list("KIT_TEST_LIST") == ["a.example", "b.example"]


def test_postgres_url_becomes_a_django_database(monkeypatch):
    monkeypatch.setenv("KIT_TEST_DB", "postgres://shop:secret@db.internal:5433/concierge")
    config = env_database("KIT_TEST_DB")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == ("db.internal", 5433, "concierge", "shop")


def test_mysql_url_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("KIT_TEST_DB", "mysql://root@localhost/db")
    with pytest.raises(ConfigError, match="KIT_TEST_DB"):
        env_database("KIT_TEST_DB")
