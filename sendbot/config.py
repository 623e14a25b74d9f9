"""Settings from SENDBOT_* environment variables and a .env file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SENDBOT_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///sendbot.db",
        description="SQLAlchemy URL: sqlite:///path.db or postgresql+psycopg://user:pass@host/db",
    )
    conversation_ttl_hours: int = Field(
        default=24, ge=1, description="How long a half-finished conversation is kept"
    )
    demo_database: Path = Field(
        default=Path("sendbot-demo.db"), description="SQLite file `sendbot demo` creates"
    )
    log_level: str = Field(default="INFO", description="Python logging level")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
