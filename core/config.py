"""Typed settings from the environment (and `.env` in development)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-development-only-secret-not-for-production"
DEFAULT_DB_PATH = Path("data") / "portal.db"


class Settings(BaseSettings):
    """Every environment variable the portal reads, with its default."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    portal_env: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{DEFAULT_DB_PATH}"
    secret_key: str = DEFAULT_SECRET
    cookie_name: str = "portal_auth"
    cookie_expiry_days: float = Field(default=1.0, ge=0)
    public_base_url: str = "http://localhost:8501"
    programme_name: str = "Postgraduate Training Programme"
    timezone: str = "UTC"
    demo_password: str = "demo-portal-2026"
    demo_seed: bool = True
    upload_max_mb: int = Field(default=50, ge=1)
    report_dir: Path = Path("data") / "reports"
    backup_dir: Path = Path("backups")
    backup_keep: int = Field(default=7, ge=1)
    scheduler_expected: bool = False
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "portal@example.org"
    # starttls: upgrade a plain connection (port 587, the default); ssl: TLS from the first byte (port 465);
    # none: a plain local relay (e.g. 127.0.0.1:25 or :2525). Never chosen from the port number.
    smtp_tls: Literal["starttls", "ssl", "none"] = "starttls"
    # Verify the server's certificate against the system trust store. false is an escape hatch for a
    # relay with a self-signed certificate on a trusted network; it is logged as a warning on every run.
    smtp_verify: bool = True
    # Seconds any one SMTP operation may wait: a server that accepts but never answers costs at most this.
    smtp_timeout: float = Field(default=10.0, gt=0, le=10)
    log_level: str = "INFO"
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)

    @property
    def is_production(self) -> bool:
        return self.portal_env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @model_validator(mode="after")
    def _check_default_secret(self) -> Settings:
        # Refusing the placeholder stops a production deploy from signing cookies with a
        # key that is published in this repository.
        if self.is_production and (self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32):
            raise ValueError(
                "SECRET_KEY must be set to a random value of at least 32 characters when "
                "PORTAL_ENV=production (for example: python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()
