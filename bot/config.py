"""The TOML configuration, parsed into typed models at start-up.

Every problem is collected with its dotted key path and reported together, e.g.
``config.toml: schools[1].accounts[0].platform: 'tiktok' is not one of facebook, instagram, x``.
Secrets are never in the file: only the names of the environment variables holding them.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from bot.classifier.settings import ClassifierSettings
from bot.knowledge import KnowledgeEntry, SavedReply
from bot.labels import Label
from bot.webhooks.settings import WebhooksConfig
from connectors.records import Platform

_SECRET_KEYS = frozenset(
    {
        "token",
        "access_token",
        "password",
        "secret",
        "app_secret",
        "api_key",
        "token_secret",
        "consumer_key",
        "consumer_secret",
    }
)
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_SCHOOL_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_VERSIONED_URL = re.compile(r"/v\d+(\.\d+)?/*$", re.IGNORECASE)


class ConfigError(Exception):
    """The configuration is wrong; ``problems`` lists each one as ``key: what is wrong``."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {problem}" for problem in problems))


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _env_name(value: str | None) -> str | None:
    if value is not None and not _ENV_NAME.match(value):
        raise ValueError(
            "must be the NAME of an environment variable (capitals, digits and _), not a value"
        )
    return value


class TrustConfig(_Section):
    name: str = Field(min_length=1)
    timezone: str = "Europe/London"
    admin_emails: list[str] = Field(default_factory=list)
    admin_webhook_url_env: str | None = None
    """A Teams or Slack webhook for the trust admin: the route that does not need email."""

    _check_env = field_validator("admin_webhook_url_env")(_env_name)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known time zone (e.g. Europe/London)") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


_DATABASE_URLS = "sqlite:///path/to/file.db or postgresql+psycopg://user@host:5432/name"


class DatabaseConfig(_Section):
    url: str = "sqlite:///hallmonitor.db"

    @field_validator("url")
    @classmethod
    def _openable(cls, value: str) -> str:
        """A URL nothing can open fails here, not as a traceback at start-up (never echoed:
        it may hold a password)."""
        try:
            url = make_url(value)
            dialect = url.get_dialect()
        except (ArgumentError, NoSuchModuleError, ValueError):
            raise ValueError(
                f"not a database URL Hallmonitor can open; use {_DATABASE_URLS}"
            ) from None
        try:
            dialect.import_dbapi()
        except ImportError:
            raise ValueError(
                f"the {url.drivername!r} driver is not installed; use {_DATABASE_URLS}"
            ) from None
        return value


class EmailConfig(_Section):
    enabled: bool = False
    host: str = "localhost"
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "none"
    username: str | None = None
    password_env: str | None = None
    from_address: str = "hallmonitor@localhost"
    maildir: Path | None = None
    """Write every message as an .eml file here instead of (or as well as) sending it."""
    undelivered_alert_minutes: int = Field(default=15, ge=1)
    """An alert still undelivered after this long goes to the trust admin another way."""

    _check_env = field_validator("password_env")(_env_name)


class DashboardConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    base_url: str = "http://127.0.0.1:8080"
    secret_key_env: str | None = None
    secure_cookies: bool = False
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)

    _check_env = field_validator("secret_key_env")(_env_name)


class GraphPlatformConfig(_Section):
    graph_url: str = "https://graph.facebook.com"
    app_secret_env: str | None = None
    lookback_days: int = Field(default=7, ge=1, le=90)

    _check_env = field_validator("app_secret_env")(_env_name)

    @field_validator("graph_url")
    @classmethod
    def _no_version(cls, value: str) -> str:
        """The connectors add the pinned version: ``.../v19.0`` would call ``/v19.0/v25.0/``."""
        if _VERSIONED_URL.search(value):
            raise ValueError(
                "give the address without the API version (e.g. https://graph.facebook.com): "
                "Hallmonitor adds the version it is built for"
            )
        return value


class XPlatformConfig(_Section):
    api_url: str = "https://api.x.com"
    tier: Literal["free", "basic", "pro", "enterprise"] = "basic"
    lookback_days: int = Field(default=7, ge=1, le=7)
    consumer_key_env: str | None = None
    consumer_secret_env: str | None = None
    """The app's OAuth 1.0a consumer keys, for accounts that set ``token_secret_env``."""

    _check_env = field_validator("consumer_key_env", "consumer_secret_env")(_env_name)


class PlatformsConfig(_Section):
    facebook: GraphPlatformConfig = Field(default_factory=GraphPlatformConfig)
    instagram: GraphPlatformConfig = Field(default_factory=GraphPlatformConfig)
    x: XPlatformConfig = Field(default_factory=XPlatformConfig)


class AccountConfig(_Section):
    platform: Platform
    account_id: str = Field(min_length=1)
    name: str = ""
    token_env: str
    token_secret_env: str | None = None
    """X only: the OAuth 1.0a access token secret; ``token_env`` then holds the access token."""
    poll_interval_minutes: float = Field(default=5, gt=0, le=1440)

    _check_env = field_validator("token_env", "token_secret_env")(_env_name)

    @model_validator(mode="after")
    def _oauth1_is_for_x(self) -> AccountConfig:
        if self.token_secret_env is not None and self.platform is not Platform.X:
            raise ValueError("token_secret_env is for X accounts (OAuth 1.0a) only")
        return self


class PolicyConfig(_Section):
    """Per-school choices the trust's policy leaves open."""

    hide_absence: bool = True
    hide_personal_data: bool = True
    block_after_abusive: int = Field(default=3, ge=1)
    block_window_days: int = Field(default=30, ge=1)


class SchoolConfig(_Section):
    id: str
    name: str = Field(min_length=1)
    office_phone: str = ""
    absence_line: str = ""
    office_email: str = ""
    dsl_emails: list[str] = Field(default_factory=list)
    champion_emails: list[str] = Field(default_factory=list)
    report_recipients: list[str] = Field(default_factory=list)
    webhook_url_env: str | None = None
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    templates: dict[Label, str] = Field(default_factory=dict)
    """Per-label Jinja2 overrides of the suggested replies."""
    accounts: list[AccountConfig] = Field(default_factory=list)
    knowledge: list[KnowledgeEntry] = Field(default_factory=list)
    """Answers to what parents ask (term dates, clubs, uniform): a matching question gets one."""
    saved_replies: list[SavedReply] = Field(default_factory=list)

    _check_env = field_validator("webhook_url_env")(_env_name)

    @field_validator("templates")
    @classmethod
    def _templates_compile(cls, value: dict[Label, str]) -> dict[Label, str]:
        """A broken override fails at start-up, not when a parent's comment needs a reply."""
        environment = SandboxedEnvironment()
        for label, source in value.items():
            try:
                environment.parse(source)
            except TemplateSyntaxError as exc:
                raise ValueError(f"{label.value}: not a valid template: {exc.message}") from None
        return value

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SCHOOL_ID.match(value):
            raise ValueError(
                f"{value!r} must be lower-case letters, digits and '-' (e.g. oakfield)"
            )
        return value


DEFAULT_DUE_MINUTES: dict[Label, float] = {
    Label.SAFEGUARDING: 15,
    Label.ABUSE: 120,
    Label.ABSENCE: 240,
    Label.PERSONAL_DATA: 240,
    Label.SPAM: 1440,
    Label.COMPLAINT: 480,
    Label.QUESTION: 480,
    Label.POSITIVE: 2880,
    Label.OTHER: 10080,
}


class QueueConfig(_Section):
    """When an item becomes past due on the dashboard."""

    due_minutes: dict[Label, float] = Field(default_factory=lambda: dict(DEFAULT_DUE_MINUTES))
    working_day_end: time | None = time(17, 0)
    """Complaints and questions fall due at the end of the working day (Monday to Friday)."""

    @field_validator("due_minutes")
    @classmethod
    def _complete(cls, value: dict[Label, float]) -> dict[Label, float]:
        if any(minutes <= 0 for minutes in value.values()):
            raise ValueError("every due time must be more than 0 minutes")
        return DEFAULT_DUE_MINUTES | value


class ReportsConfig(_Section):
    dir: Path = Path("reports")
    trust_recipients: list[str] = Field(default_factory=list)
    watchlist: dict[str, str] = Field(default_factory=dict)
    """Follower watchlist: a reason mapped to a regular expression matched on names and bios."""


class Config(_Section):
    trust: TrustConfig
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    classifier: ClassifierSettings = Field(default_factory=ClassifierSettings)
    email: EmailConfig = Field(default_factory=EmailConfig)
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig)
    platforms: PlatformsConfig = Field(default_factory=PlatformsConfig)
    reports: ReportsConfig = Field(default_factory=ReportsConfig)
    queue: QueueConfig = Field(default_factory=QueueConfig)
    webhooks: WebhooksConfig = Field(default_factory=WebhooksConfig)
    schools: list[SchoolConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> Config:
        seen: dict[str, int] = {}
        accounts: dict[tuple[str, str], str] = {}
        for index, school in enumerate(self.schools):
            if school.id in seen:
                raise ValueError(
                    f"schools[{index}].id: school id {school.id!r} is used twice "
                    f"(also schools[{seen[school.id]}].id)"
                )
            seen[school.id] = index
            for number, account in enumerate(school.accounts):
                key = (account.platform.value, account.account_id)
                where = f"schools[{index}].accounts[{number}]"
                if key in accounts:
                    raise ValueError(
                        f"{where}: {key[0]} account {key[1]!r} is listed twice "
                        f"(also {accounts[key]})"
                    )
                accounts[key] = where
        x = self.platforms.x
        if self.oauth1_accounts() and not (x.consumer_key_env and x.consumer_secret_env):
            raise ValueError(
                "platforms.x.consumer_key_env and platforms.x.consumer_secret_env: both are "
                "needed because an X account sets token_secret_env (OAuth 1.0a)"
            )
        return self

    def oauth1_accounts(self) -> list[AccountConfig]:
        """X accounts that sign with OAuth 1.0a instead of sending an OAuth 2.0 token."""
        return [a for school in self.schools for a in school.accounts if a.token_secret_env]

    def school(self, school_id: str) -> SchoolConfig:
        for school in self.schools:
            if school.id == school_id:
                return school
        raise KeyError(school_id)

    def token_envs(self) -> list[str]:
        """Every variable an account needs: tokens, and the OAuth 1.0a secrets where used."""
        names = [account.token_env for school in self.schools for account in school.accounts]
        oauth1 = self.oauth1_accounts()
        names += [account.token_secret_env for account in oauth1 if account.token_secret_env]
        if oauth1:
            x = self.platforms.x
            names += [name for name in (x.consumer_key_env, x.consumer_secret_env) if name]
        return names

    def missing_env(self, environ: Mapping[str, str] = os.environ) -> list[str]:
        """Environment variables the config names that are not set."""
        names = self.token_envs()
        if self.email.enabled and self.email.password_env:
            names.append(self.email.password_env)
        if self.webhooks.enabled:
            names += self.webhooks.env_names()
        return sorted({name for name in names if not environ.get(name)})

    def secret_values(self, environ: Mapping[str, str] = os.environ) -> list[str]:
        """Every secret the config points at, for the log redactor."""
        names = [*self.token_envs(), self.email.password_env, self.dashboard.secret_key_env]
        names += [self.platforms.facebook.app_secret_env, self.platforms.instagram.app_secret_env]
        names += [school.webhook_url_env for school in self.schools]
        names.append(self.trust.admin_webhook_url_env)
        names += self.webhooks.env_names()
        return [environ[name] for name in names if name and environ.get(name)]


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _describe(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    loc = error["loc"]
    if kind == "extra_forbidden":
        if loc and str(loc[-1]).lower() in _SECRET_KEYS:
            return (
                "secrets are never written in the config file: put it in an environment "
                'variable and give that variable\'s name (e.g. token_env = "OAKFIELD_FB_TOKEN")'
            )
        return "is not a known key"
    if kind == "missing":
        return "is required but missing"
    if kind in ("enum", "literal_error"):
        expected = error.get("ctx", {}).get("expected", "")
        choices = ", ".join(
            part.strip(" '") for part in re.split(r",| or ", expected) if part.strip()
        )
        return f"{error['input']!r} is not one of {choices}"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


_BOOLEAN_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n", "t", "f"})
_SCALARS: tuple[type, ...] = (bool, int, float)


def _scalar_kinds(annotation: object) -> set[type]:
    """The number and boolean types a field takes (``None`` when it also takes text)."""
    if annotation in _SCALARS:
        return {annotation}  # type: ignore[arg-type]
    if get_origin(annotation) in (Union, UnionType):
        kinds: set[type] = set()
        for part in get_args(annotation):
            if part is str:
                return set()
            kinds |= _scalar_kinds(part)
        return kinds
    return set()


def _quoted(annotation: object, value: object, where: str) -> list[str]:
    """``port = "5"`` or ``enabled = "yes"``: pydantic would take the text, so we refuse it
    saying what to write, wherever it is (nested tables, lists, the classifier's table)."""
    kinds = _scalar_kinds(annotation)
    if isinstance(value, str) and kinds:
        text = value.strip()
        if bool in kinds and text.lower() in _BOOLEAN_WORDS | {"1", "0"}:
            return [f"{where}: {value!r} is text in quotes; write true or false without quotes"]
        try:
            float(text)
        except ValueError:
            return []  # not a number either: pydantic's own message says what is wrong
        if kinds - {bool}:
            return [f"{where}: {value!r} is text in quotes; write {text} without quotes"]
        return []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _quoted_in(annotation, value, where)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, UnionType):
        return [p for part in args if part is not type(None) for p in _quoted(part, value, where)]
    if origin is list and args and isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _quoted(args[0], item, f"{where}[{i}]")]
    if origin is dict and len(args) == 2 and isinstance(value, Mapping):
        return [p for key, item in value.items() for p in _quoted(args[1], item, f"{where}.{key}")]
    return []


def _quoted_in(model: type[BaseModel], data: object, where: str = "") -> list[str]:
    if not isinstance(data, Mapping):
        return []
    problems = []
    for name, field in model.model_fields.items():
        if name in data:
            path = f"{where}.{name}" if where else name
            problems += _quoted(field.annotation, data[name], path)
    return problems


def parse_config(data: Mapping[str, Any], source: str = "config") -> Config:
    problems = _quoted_in(Config, data)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            where = _path(tuple(part for part in error["loc"] if part != "__root__"))
            problems.append(f"{where}: {_describe(error)}" if where else _describe(error))
        raise ConfigError(source, problems) from None
    if problems:
        raise ConfigError(source, problems)
    return config


def load_config(path: str | Path) -> Config:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found"]) from None
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot be read: {exc.strerror}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            str(path),
            [f"not UTF-8 text: line {line} has a byte that is not UTF-8; save the file as UTF-8"],
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"not valid TOML: {exc}"]) from None
    return parse_config(data, source=path.name)
