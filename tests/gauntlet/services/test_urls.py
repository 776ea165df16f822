from gauntlet.services.urls import plain_postgres_url, redacted, with_database


def test_plain_postgres_url_drops_driver_suffix():
    assert plain_postgres_url("postgresql+asyncpg://u@h:5432/db") == "postgresql://u@h:5432/db"
    assert plain_postgres_url("postgres+psycopg://u@h/db") == "postgresql://u@h/db"
    assert plain_postgres_url("postgresql://u@h/db") == "postgresql://u@h/db"


def test_with_database_swaps_only_the_database():
    url = "postgresql+asyncpg://u:pw@h:5433/postgres?sslmode=disable"
    assert with_database(url, "gauntlet_ab12") == "postgresql://u:pw@h:5433/gauntlet_ab12?sslmode=disable"


def test_redacted_hides_the_password():
    assert redacted("redis://:s3cret@h:6379/0") == "redis://:***@h:6379/0"
    assert redacted("postgresql://u:s3cret@h/db") == "postgresql://u:***@h/db"
    assert redacted("postgresql://u@h/db") == "postgresql://u@h/db"
