"""Logins and accounts for the people who use the app."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.errors import AuthenticationFailed, ValidationFailed
from core.ids import new_id
from core.models import AppUser, LoginHandoff, Store
from core.security import ROLES, Actor, hash_password, verify_password

# One message for every failure, so the login screen never says whether an email exists.
LOGIN_FAILED = "Email or password is not right."
MIN_PASSWORD_LENGTH = 8


def actor_for(user: AppUser) -> Actor:
    return Actor(user_id=user.id, email=user.email, role=user.role, store_id=user.store_id)


def authenticate(session: Session, email: str, password: str) -> Actor:
    user = session.scalar(select(AppUser).where(func.lower(AppUser.email) == email.strip().lower()))
    # Verify against a dummy hash for unknown emails so timing does not reveal them either.
    password_hash = user.password_hash if user else _DUMMY_HASH
    if not verify_password(password_hash, password) or user is None or not user.is_active:
        raise AuthenticationFailed(LOGIN_FAILED)
    user.last_login_at = utcnow()
    session.commit()
    return actor_for(user)


def issue_login_handoff(session: Session, user_id: str, lifetime_seconds: int = 120) -> str:
    """A one-time ticket that logs `user_id` back in (see `LoginHandoff`). Only its hash is kept."""
    token = secrets.token_urlsafe(32)
    session.add(
        LoginHandoff(
            id=new_id("lho"),
            token_hash=_hash_ticket(token),
            user_id=user_id,
            expires_at=utcnow() + timedelta(seconds=lifetime_seconds),
        )
    )
    session.commit()
    return token


def redeem_login_handoff(session: Session, token: str) -> Actor:
    """The person the ticket was issued for; unknown, used or expired tickets fail alike."""
    now = utcnow()
    spent = session.execute(
        update(LoginHandoff)
        .where(
            LoginHandoff.token_hash == _hash_ticket(token),
            LoginHandoff.used_at.is_(None),
            LoginHandoff.expires_at > now,
        )
        .values(used_at=now)
        .returning(LoginHandoff.user_id)
    ).scalar_one_or_none()
    session.commit()
    user = session.get(AppUser, spent) if spent else None
    if user is None or not user.is_active:
        raise AuthenticationFailed("That sign-in link has expired. Please log in again.")
    return actor_for(user)


def _hash_ticket(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session, email: str, password: str, role: str, store_id: str | None = None
) -> AppUser:
    email = email.strip().lower()
    _validate_new_user(session, email, password, role, store_id)
    user = AppUser(
        id=new_id("usr"),
        email=email,
        password_hash=hash_password(password),
        role=role,
        store_id=store_id if role == "seller" else None,
        is_active=True,
    )
    session.add(user)
    session.flush()
    return user


def _validate_new_user(session, email, password, role, store_id) -> None:
    errors: dict[str, str] = {}
    if "@" not in email or len(email) > 320:
        errors["email"] = "Enter a valid email address."
    elif session.scalar(select(AppUser.id).where(AppUser.email == email)):
        errors["email"] = "A user with this email already exists."
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if role not in ROLES:
        errors["role"] = f"Role must be one of {', '.join(ROLES)}."
    if role == "seller" and (not store_id or session.get(Store, store_id) is None):
        errors["store"] = "A seller must belong to an existing store."
    if errors:
        raise ValidationFailed("The user could not be created.", errors)


def set_active(session: Session, user_id: str, active: bool) -> None:
    user = session.get(AppUser, user_id)
    if user is not None:
        user.is_active = active
        session.flush()


_DUMMY_HASH = hash_password("not-a-real-password-just-for-timing")
