"""`python -m portal`: exit codes and messages, on a real database selected by DATABASE_URL."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from core.config import get_settings
from core.db import make_engine, make_session_factory
from core.models import User
from portal.cli import main
from tests.conftest import DB_PARAMS, create_scratch_postgres, drop_scratch_postgres

HEADER = "username,full_name,role,department,supervisor,registration_number,email\n"


@pytest.fixture(params=DB_PARAMS)
def cli_db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """An empty database (no tables yet) named by DATABASE_URL, on each backend."""
    url = f"sqlite:///{tmp_path / 'cli.db'}" if request.param == "sqlite" else create_scratch_postgres()
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        get_settings.cache_clear()
        if request.param == "postgresql":
            drop_scratch_postgres(url)


def test_check_fails_before_migrate_and_passes_after(cli_db: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 1
    assert "run `python -m portal migrate`" in capsys.readouterr().out
    assert main(["migrate"]) == 0
    assert main(["check"]) == 0
    assert "schema at head" in capsys.readouterr().out


def test_check_fails_when_the_database_is_unreachable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    assert main(["check"]) == 1
    assert "unreachable" in capsys.readouterr().out
    get_settings.cache_clear()


def test_create_user_reads_the_password_from_stdin(
    cli_db: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    main(["migrate"])
    monkeypatch.setattr("sys.stdin", io.StringIO("long-enough-pass\n"))
    assert main(["create-user", "boss", "--role", "admin", "--name", "The Boss", "--password-stdin"]) == 0
    assert "created boss" in capsys.readouterr().out
    assert main(["create-user", "boss", "--role", "admin"]) == 1
    assert "already exists" in capsys.readouterr().err


def test_import_users_is_all_or_nothing(cli_db: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["migrate"])
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER + "s1,S One,supervisor,Surgery,,,\nt1,T One,trainee,Surgery,s1,R1,\nt1,T Dup,trainee,Surgery,s1,R2,\n"
    )
    assert main(["import-users", str(bad)]) == 1
    assert "row 4: duplicate username 't1' (also row 3)" in capsys.readouterr().err
    with make_session_factory(cli_db)() as session:
        assert session.scalars(select(User)).all() == []
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "s1,S One,supervisor,Surgery,,,\nt1,T One,trainee,Surgery,s1,R1,\n")
    assert main(["import-users", str(good)]) == 0
    assert "created=2 departments_created=1" in capsys.readouterr().out


def test_seed_demo_is_idempotent(cli_db: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed-demo"]) == 0
    assert "demo data loaded" in capsys.readouterr().out
    assert main(["seed-demo"]) == 0
    assert "nothing done" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["migrate", "seed-demo", "create-user", "import-users", "check"])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    assert "usage: python -m portal " + command in capsys.readouterr().out


def test_production_refuses_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from core.config import Settings

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings()
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    assert Settings().is_production


def test_cli_reports_a_configuration_error_instead_of_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    get_settings.cache_clear()
    assert main(["check"]) == 2
    assert "SECRET_KEY must be set" in capsys.readouterr().err
    get_settings.cache_clear()
