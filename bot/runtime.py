"""The running bot: wires config, database, classifier, connectors, jobs and dashboard."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web
from sqlalchemy import Engine
from sqlmodel import select

from bot.classifier import Classifier
from bot.classifier_process import ClassifierProcess
from bot.config import AccountConfig, Config
from bot.logs import redactor
from bot.notify import Mailer
from bot.outbox import release_waiting
from bot.pipeline import Pipeline
from bot.poller import Poller, PollReport
from bot.scheduler import JobQueue, stagger
from bot.sync import sync_config
from bot.web.app import create_app
from bot.webhooks.processor import WebhookProcessor
from bot.webhooks.receiver import MetaReceiver
from bot.webhooks.reconcile import Reconciler
from bot.webhooks.store import AccountKey
from bot.worker import OutboxWorker
from connectors import Connector, ConnectorError, create_connector
from connectors.records import FollowerSnapshot, OAuth1Keys, Platform
from models import Account, make_engine, session_scope
from models.migrate import upgrade

_LOGGER = logging.getLogger(__name__)
OUTBOX_JOB = "outbox"
OUTBOX_EVERY = 5.0


@dataclass
class AccountHandle:
    id: int
    school_id: str
    platform: str
    platform_account_id: str
    poll_seconds: float

    @property
    def job_id(self) -> str:
        return f"poll:{self.platform}:{self.school_id}:{self.platform_account_id}"


@dataclass
class Bot:
    config: Config
    engine: Engine
    http: aiohttp.ClientSession
    classifier: Classifier
    mailer: Mailer
    connectors: dict[int, Connector]
    accounts: list[AccountHandle]
    webhook_keys: tuple[str, str] | None = None
    """The Meta app secret and verify token, when webhooks are enabled and both are set."""
    pipeline: Pipeline = field(init=False)
    worker: OutboxWorker = field(init=False)
    poller: Poller = field(init=False)
    webhooks: WebhookProcessor = field(init=False)
    reconciler: Reconciler = field(init=False)
    jobs: JobQueue = field(init=False)
    _web: web.AppRunner | None = None
    _webhook_task: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        self.jobs = JobQueue(self.config.trust.tz)
        self.pipeline = Pipeline(self.engine, self.config, self.classifier)
        self.worker = OutboxWorker(
            self.engine, self.config, self.connectors, self.mailer, http=self.http
        )
        self.poller = Poller(
            self.engine, self.pipeline, self.connectors, wake_outbox=self.wake_outbox
        )
        self.webhooks = WebhookProcessor(
            self.engine, self.pipeline, self.connectors, wake_outbox=self.wake_outbox
        )
        self.reconciler = Reconciler(
            self.engine,
            self.pipeline,
            self.connectors,
            self.config.webhooks,
            wake_outbox=self.wake_outbox,
        )

    @classmethod
    async def create(
        cls,
        config: Config,
        environ: Mapping[str, str] = os.environ,
        *,
        engine: Engine | None = None,
        classifier: Classifier | None = None,
    ) -> Bot:
        """Everything the bot needs, ready to poll; ``engine`` and ``classifier`` may be given."""
        redactor().add(config.secret_values(environ))
        loading = None
        if classifier is None:  # the model in a process of its own, loading while we migrate
            classifier = ClassifierProcess(config.classifier)
            loading = asyncio.create_task(asyncio.to_thread(classifier.load))
        engine = engine or make_engine(config.database.url)
        try:
            await asyncio.to_thread(upgrade, engine)
            accounts = await asyncio.to_thread(_prepare_accounts, engine, config)
        finally:
            if loading is not None:
                await loading
        http = aiohttp.ClientSession()
        connectors = _connectors(config, accounts, http, environ)
        return cls(
            config,
            engine,
            http,
            classifier,
            Mailer(config.email, environ),
            connectors,
            accounts,
            webhook_keys=_webhook_keys(config, environ),
        )

    def wake_outbox(self) -> None:
        self.jobs.run_soon(OUTBOX_JOB)

    async def poll(self, account: AccountHandle) -> PollReport:
        if self.webhook_keys is not None and account.platform != Platform.X:
            report = await self.reconciler.poll(account.id, self.poller.poll)
        else:
            report = await self.poller.poll(account.id)
        if report.retry_after is not None:
            self.jobs.run_soon(account.job_id, report.retry_after)
        return report

    async def drain_outbox(self) -> int:
        return await self.worker.drain()

    async def run_once(self) -> list[PollReport]:
        """Poll every account once, then work the outbox until nothing is due."""
        await asyncio.to_thread(self.worker.recover)
        results = await asyncio.gather(
            *(self.poller.poll(a.id) for a in self.accounts), return_exceptions=True
        )
        reports = []
        for account, result in zip(self.accounts, results, strict=True):
            if isinstance(result, BaseException):
                _LOGGER.error(
                    "poll failed: %s", result, exc_info=result, extra={"job": account.job_id}
                )
                result = PollReport(account.id, error=f"{type(result).__name__}: {result}")
            reports.append(result)
        await self.worker.drain()
        return reports

    async def start(self, *, serve_dashboard: bool = True) -> None:
        await asyncio.to_thread(self.worker.recover)
        delays = stagger({account.job_id: account.poll_seconds for account in self.accounts})
        for account in self.accounts:
            await self.poller.process_backlog(account.id)
            self.jobs.every(
                account.job_id,
                lambda account=account: self.poll(account),  # type: ignore[misc]
                seconds=account.poll_seconds,
                jitter=min(5.0, account.poll_seconds / 20),
                delay=delays[account.job_id],
            )
        self.jobs.every(OUTBOX_JOB, self.worker.drain, seconds=OUTBOX_EVERY)
        self.jobs.cron("snapshot:followers", self.snapshot_followers, hour=6, minute=30)
        self.jobs.cron("report:weekly", self.weekly_report, day_of_week="mon", hour=7, minute=0)
        self.jobs.start()
        if self.webhook_keys is not None:
            self._webhook_task = asyncio.create_task(self.webhooks.run())
            self.webhooks.wake()  # changes a crash left stored but unprocessed
        if serve_dashboard:
            app = create_app(self.config, self.engine, wake_outbox=self.wake_outbox)
            self.install_webhooks(app)
            self._web = web.AppRunner(app, access_log=None)
            await self._web.setup()
            site = web.TCPSite(self._web, self.config.dashboard.host, self.config.dashboard.port)
            await site.start()
            _LOGGER.info(
                "dashboard on http://%s:%s", self.config.dashboard.host, self.config.dashboard.port
            )
        _LOGGER.info("polling %d accounts", len(self.accounts))

    def install_webhooks(self, app: web.Application) -> None:
        """``/webhooks/meta`` on ``app``, when webhooks are enabled and their secrets set."""
        if self.webhook_keys is None:
            return
        app_secret, verify_token = self.webhook_keys
        accounts: dict[AccountKey, int] = {
            (Platform(a.platform), a.platform_account_id): a.id
            for a in self.accounts
            if a.platform != Platform.X
        }
        MetaReceiver(
            self.engine,
            accounts,
            app_secret=app_secret,
            verify_token=verify_token,
            on_stored=self.webhooks.wake,
            max_body_bytes=self.config.webhooks.max_body_bytes,
        ).install(app)
        _LOGGER.info("Meta webhooks on /webhooks/meta for %d accounts", len(accounts))

    async def snapshot_followers(self) -> None:
        for account in self.accounts:
            connector = self.connectors.get(account.id)
            if connector is None:
                continue
            try:
                snapshot = await connector.follower_snapshot()
            except ConnectorError as exc:
                _LOGGER.warning(
                    "follower snapshot failed: %s", exc, extra={"account": account.job_id}
                )
                continue
            await asyncio.to_thread(_store_snapshot, self.engine, account.id, snapshot)

    async def weekly_report(self) -> None:
        from bot.reports import send_weekly

        await send_weekly(self.engine, self.config, self.mailer)

    async def stop(self) -> None:
        """Finish running jobs, leave the rest pending, close connections."""
        await self.jobs.stop()
        if self._web is not None:
            await self._web.cleanup()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        for connector in self.connectors.values():
            await connector.close()
        await self.http.close()
        self.classifier.close()
        self.engine.dispose()

    async def run_until_stopped(self, seconds: float | None = None) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await asyncio.wait_for(stop.wait(), timeout=seconds)
        except TimeoutError:
            pass
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        _LOGGER.info("stopping: finishing running jobs")


def _store_snapshot(engine: Engine, account_id: int, snapshot: FollowerSnapshot) -> None:
    from bot.snapshots import store_snapshot

    with session_scope(engine) as session:
        store_snapshot(session, account_id, snapshot)


def _prepare_accounts(engine: Engine, config: Config) -> list[AccountHandle]:
    """Sync the config and clear token pauses: a restart is how a new token arrives.

    Hides and replies that waited for a token or a permission go again now.
    """
    with session_scope(engine) as session:
        sync_config(session, config)
    handles = []
    with session_scope(engine) as session:
        for school in config.schools:
            for account_config in school.accounts:
                account = session.exec(
                    select(Account).where(
                        Account.platform == account_config.platform.value,
                        Account.platform_account_id == account_config.account_id,
                    )
                ).one()
                if account.needs_token or account.last_error:
                    account.paused_until = None
                if account.action_error:
                    account.action_error = None
                assert account.id is not None
                release_waiting(session, account.id)
                handles.append(
                    AccountHandle(
                        account.id,
                        school.id,
                        account.platform,
                        account.platform_account_id,
                        account_config.poll_interval_minutes * 60,
                    )
                )
    return handles


def _connectors(
    config: Config,
    accounts: list[AccountHandle],
    http: aiohttp.ClientSession,
    environ: Mapping[str, str],
) -> dict[int, Connector]:
    connectors: dict[int, Connector] = {}
    by_key = {
        (a.platform.value, a.account_id): a for school in config.schools for a in school.accounts
    }
    platforms = config.platforms
    for handle in accounts:
        account_config = by_key[(handle.platform, handle.platform_account_id)]
        token = environ.get(account_config.token_env)
        if not token:
            _LOGGER.warning(
                "%s is not set: this account is not polled",
                account_config.token_env,
                extra={"account": handle.job_id},
            )
            continue
        if handle.platform == Platform.X:
            oauth1 = _oauth1_keys(config, account_config, environ)
            if account_config.token_secret_env and oauth1 is None:
                _LOGGER.warning(
                    "the OAuth 1.0a secrets (%s, %s, %s) are not all set: this account is not "
                    "polled",
                    account_config.token_secret_env,
                    platforms.x.consumer_key_env,
                    platforms.x.consumer_secret_env,
                    extra={"account": handle.job_id},
                )
                continue
            connectors[handle.id] = create_connector(
                Platform.X,
                account_id=handle.platform_account_id,
                token=token,
                session=http,
                base_url=platforms.x.api_url,
                lookback_days=platforms.x.lookback_days,
                tier=platforms.x.tier,
                oauth1=oauth1,
            )
            continue
        connectors[handle.id] = graph_connector(config, account_config, token, http, environ)
    return connectors


def graph_connector(
    config: Config,
    account: AccountConfig,
    token: str,
    http: aiohttp.ClientSession,
    environ: Mapping[str, str],
) -> Connector:
    """The connector of a Facebook or Instagram account, as the config describes it."""
    platforms = config.platforms
    graph = platforms.facebook if account.platform == Platform.FACEBOOK else platforms.instagram
    secret = environ.get(graph.app_secret_env) if graph.app_secret_env else None
    return create_connector(
        account.platform,
        account_id=account.account_id,
        token=token,
        session=http,
        base_url=graph.graph_url,
        app_secret=secret,
        lookback_days=graph.lookback_days,
    )


def _webhook_keys(config: Config, environ: Mapping[str, str]) -> tuple[str, str] | None:
    webhooks = config.webhooks
    if not webhooks.enabled or not webhooks.app_secret_env or not webhooks.verify_token_env:
        return None
    secret, token = environ.get(webhooks.app_secret_env), environ.get(webhooks.verify_token_env)
    if not secret or not token:
        _LOGGER.warning(
            "%s or %s is not set: Meta webhooks are off, polling alone reads comments",
            webhooks.app_secret_env,
            webhooks.verify_token_env,
        )
        return None
    return secret, token


def _oauth1_keys(
    config: Config, account: AccountConfig, environ: Mapping[str, str]
) -> OAuth1Keys | None:
    """The keys that sign an OAuth 1.0a account's requests; None when one is not set."""
    x = config.platforms.x
    names = (x.consumer_key_env, x.consumer_secret_env, account.token_secret_env)
    values = [environ.get(name) if name else None for name in names]
    if not all(values):
        return None
    consumer_key, consumer_secret, token_secret = (str(value) for value in values)
    return OAuth1Keys(consumer_key, consumer_secret, token_secret)
