"""The one configuration class; every value can come from a CHEMDEPOT_* variable."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHEMDEPOT_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{ROOT / 'var' / 'chemdepot.db'}"
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = ROOT / "data"
    max_page_size: int = 1000
    max_import_rows: int = 20000
