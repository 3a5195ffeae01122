"""The one configuration class; every value can come from a CHEMDEPOT_* variable."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHEMDEPOT_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{ROOT / 'var' / 'chemdepot.db'}"
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = ROOT / "data"
    #: largest request body accepted (bytes); larger ones get a 413 (api/limits.py)
    max_body_bytes: int = 10 * 1024 * 1024
    max_import_rows: int = 20000
    #: Incident levels, lowest first; see shared/reference/regulation_notes.md (LEP 2020
    #: art. 123 still names a district level, which no longer exists after July 2025).
    incident_levels: list[str] = ["facility", "provincial", "national"]
    #: The level at which depots may break into their reserve floors.
    national_level: str = "national"
    dispatch_time_limit_s: float = 1.0
    #: hours a unit landing past its line's bound rule costs in the dispatch plan's
    #: loading decisions (optimizer `DispatchParams.beyond_bound_h`; bench/README.md has
    #: what other values buy and cost)
    dispatch_beyond_bound_h: float = Field(default=24.0, ge=0, le=72)
    #: worker processes that run jobs (stock-levels runs) beside the server
    job_workers: int = 1
    #: a Dask scheduler address: a stock-levels run fans its scenarios out to that cluster
    dask_scheduler: str | None = None
    #: local worker processes a stock-levels run fans its scenarios out to (1: in the job)
    levels_workers: int = 1
