"""Logins: right and wrong passwords, unknown emails, inactive users, no clear passwords."""

import pytest
from sqlalchemy import text

from core.errors import AuthenticationFailed, ValidationFailed
from core.services.people.users import LOGIN_FAILED, authenticate, create_user, set_active
from tests.factories import make_seller, make_store


def test_right_password_logs_in_and_records_the_time(session):
    store = make_store(session)
    make_seller(session, store, "Seller@Shop.test", "correct-horse")
    actor = authenticate(session, "seller@shop.test", "correct-horse")
    assert actor.role == "seller" and actor.store_id == store.id


@pytest.mark.parametrize("email,password", [("ops@x.test", "wrong-pass"), ("nobody@x.test", "ops-pass-123")])
def test_wrong_password_and_unknown_email_fail_alike(session, email, password):
    create_user(session, "ops@x.test", "ops-pass-123", "ops")
    session.commit()
    with pytest.raises(AuthenticationFailed) as error:
        authenticate(session, email, password)
    assert str(error.value) == LOGIN_FAILED


def test_inactive_user_cannot_log_in(session):
    user = create_user(session, "ops@x.test", "ops-pass-123", "ops")
    set_active(session, user.id, False)
    session.commit()
    with pytest.raises(AuthenticationFailed):
        authenticate(session, "ops@x.test", "ops-pass-123")


def test_password_is_never_stored_in_clear(session):
    create_user(session, "ops@x.test", "plain-text-canary", "ops")
    session.commit()
    stored = session.execute(text("select password_hash from app_user")).scalar_one()
    assert "plain-text-canary" not in stored and stored.startswith("$argon2")


def test_seller_needs_an_existing_store_and_emails_are_unique(session):
    with pytest.raises(ValidationFailed) as error:
        create_user(session, "s@x.test", "long-enough", "seller", "str_missing")
    assert "store" in error.value.errors
    create_user(session, "ops@x.test", "long-enough", "ops")
    with pytest.raises(ValidationFailed) as error:
        create_user(session, "OPS@x.test", "long-enough", "ops")
    assert "email" in error.value.errors
