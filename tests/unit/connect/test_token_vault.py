"""The token vault: round trip, binding to the connection, key rotation, and no token in reprs."""

import pytest
from cryptography.fernet import Fernet

from core.token_vault import SecretToken, TokenVault, TokenVaultError

CANARY = "IGQVJ-canary-token-5f1e2d"


def test_round_trip_returns_the_token_for_its_own_connection():
    vault = TokenVault(Fernet.generate_key().decode())
    ciphertext = vault.encrypt("igc_a", CANARY)
    assert CANARY not in ciphertext
    assert vault.decrypt("igc_a", ciphertext).reveal() == CANARY


def test_ciphertext_swapped_to_another_connection_is_refused():
    vault = TokenVault(Fernet.generate_key().decode())
    ciphertext = vault.encrypt("igc_a", CANARY)
    with pytest.raises(TokenVaultError, match="different connection"):
        vault.decrypt("igc_b", ciphertext)


def test_tampered_or_foreign_key_ciphertext_is_refused_without_echoing_it():
    vault = TokenVault(Fernet.generate_key().decode())
    other = TokenVault(Fernet.generate_key().decode())
    ciphertext = other.encrypt("igc_a", CANARY)
    with pytest.raises(TokenVaultError) as error:
        vault.decrypt("igc_a", ciphertext)
    assert ciphertext not in str(error.value)
    with pytest.raises(TokenVaultError):
        vault.decrypt("igc_a", ciphertext[:-4] + "AAAA")


def test_rotation_re_encrypts_under_the_newest_key_and_old_key_can_then_go():
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    old_vault = TokenVault(old_key)
    ciphertext = old_vault.encrypt("igc_a", CANARY)
    both = TokenVault(f"{new_key},{old_key}")
    assert not both.is_current(ciphertext)
    rotated = both.rotate_ciphertext(ciphertext)
    assert both.is_current(rotated)
    assert TokenVault(new_key).decrypt("igc_a", rotated).reveal() == CANARY
    with pytest.raises(TokenVaultError):
        TokenVault(new_key).decrypt("igc_a", ciphertext)


def test_bad_key_lists_give_a_clear_error_that_does_not_echo_the_key():
    with pytest.raises(TokenVaultError, match="No token encryption key"):
        TokenVault(" , ")
    with pytest.raises(TokenVaultError, match="#2 is not a valid Fernet key") as error:
        TokenVault(f"{Fernet.generate_key().decode()},not-a-key-secretish")
    assert "secretish" not in str(error.value)


def test_empty_token_and_missing_ciphertext_are_refused():
    vault = TokenVault(Fernet.generate_key().decode())
    with pytest.raises(TokenVaultError):
        vault.encrypt("igc_a", "")
    with pytest.raises(TokenVaultError, match="reconnect"):
        vault.decrypt("igc_a", None)


def test_secret_token_never_prints_itself():
    token = SecretToken(CANARY)
    assert CANARY not in repr(token)
    assert CANARY not in str(token)
    assert CANARY not in f"{token} {[token]} {dict(t=token)}"
    assert token.reveal() == CANARY


def test_default_demo_key_is_valid():
    from core.config import Settings

    TokenVault(Settings().token_encryption_keys)
