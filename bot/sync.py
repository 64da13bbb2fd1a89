"""Mirror the config's schools and accounts into the database at start-up."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.config import Config
from models import Account, School


def sync_config(session: Session, config: Config) -> dict[tuple[str, str], Account]:
    """Insert or update schools and accounts; rows of removed ones stay, as evidence."""
    accounts: dict[tuple[str, str], Account] = {}
    for school_config in config.schools:
        school = session.get(School, school_config.id)
        if school is None:
            session.add(School(id=school_config.id, name=school_config.name))
        else:
            school.name = school_config.name
        session.flush()
        for account_config in school_config.accounts:
            platform = account_config.platform.value
            account = session.exec(
                select(Account).where(
                    Account.platform == platform,
                    Account.platform_account_id == account_config.account_id,
                )
            ).first()
            if account is None:
                account = Account(
                    school_id=school_config.id,
                    platform=platform,
                    platform_account_id=account_config.account_id,
                    name=account_config.name,
                )
                session.add(account)
            else:
                account.school_id = school_config.id
                account.name = account_config.name
            accounts[(platform, account_config.account_id)] = account
    session.flush()
    return accounts
