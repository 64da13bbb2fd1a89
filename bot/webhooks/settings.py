"""The ``[webhooks]`` section of the configuration."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
MEGABYTE = 1024 * 1024


class WebhooksConfig(BaseModel):
    """Meta webhooks on the dashboard's server at ``/webhooks/meta``, and reconcile polling."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    app_secret_env: str | None = None
    """The Meta app's secret, which signs every delivery (``X-Hub-Signature-256``)."""
    verify_token_env: str | None = None
    """The token typed into the app's webhook settings, echoed in the verification handshake."""
    reconcile_minutes: float = Field(default=15, gt=0, le=1440)
    """While an account's webhooks are healthy, it is polled this often instead."""
    silent_after_hours: float = Field(default=24, gt=0)
    """No event for this long means an account's webhooks are no longer trusted."""
    max_body_bytes: int = Field(default=MEGABYTE, ge=1024, le=16 * MEGABYTE)

    @field_validator("app_secret_env", "verify_token_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError(
                "must be the NAME of an environment variable (capitals, digits and _), not a value"
            )
        return value

    @model_validator(mode="after")
    def _names_when_enabled(self) -> WebhooksConfig:
        if self.enabled and not (self.app_secret_env and self.verify_token_env):
            raise ValueError("app_secret_env and verify_token_env are both needed when enabled")
        return self

    def env_names(self) -> list[str]:
        return [name for name in (self.app_secret_env, self.verify_token_env) if name]
