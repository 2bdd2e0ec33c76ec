"""Settings: the embedded demo by default; real credentials switch to Meta's hosts and need a real key."""

import pytest
from cryptography.fernet import Fernet

from core.config import DEMO_TOKEN_ENCRYPTION_KEY, SANDBOX_URL, ConfigurationError, Settings

OWN_KEY = Fernet.generate_key().decode()


def test_defaults_are_the_embedded_demo(monkeypatch):
    for name in ("META_APP_ID", "INSTAGRAM_APP_ID", "META_GRAPH_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)
    assert settings.database_url.startswith("sqlite:///")
    assert settings.meta_graph_url == settings.instagram_graph_url == SANDBOX_URL
    assert settings.media_allow_http_hosts  # the sandbox serves images over http


def test_real_app_credentials_switch_that_flow_to_meta(monkeypatch):
    monkeypatch.setenv("META_APP_ID", "1234567890")
    monkeypatch.delenv("INSTAGRAM_APP_ID", raising=False)
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEYS", OWN_KEY)
    settings = Settings(_env_file=None)
    assert settings.meta_graph_url == "https://graph.facebook.com"
    assert settings.meta_dialog_url == "https://www.facebook.com"
    assert settings.instagram_graph_url == SANDBOX_URL  # that flow's credentials are still the sandbox's
    assert settings.media_allow_http_hosts == []  # no plain-http image downloads next to real Meta


def test_an_explicit_host_wins(monkeypatch):
    monkeypatch.setenv("INSTAGRAM_APP_ID", "987654321")
    monkeypatch.setenv("INSTAGRAM_GRAPH_URL", "http://127.0.0.1:9999")
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEYS", OWN_KEY)
    settings = Settings(_env_file=None)
    assert settings.instagram_graph_url == "http://127.0.0.1:9999"
    assert settings.instagram_api_url == "https://api.instagram.com"


@pytest.mark.parametrize("app_id_variable", ["META_APP_ID", "INSTAGRAM_APP_ID"])
@pytest.mark.parametrize("keys", [None, DEMO_TOKEN_ENCRYPTION_KEY, f" {DEMO_TOKEN_ENCRYPTION_KEY} ,{OWN_KEY}"])
def test_real_credentials_refuse_the_demo_encryption_key(monkeypatch, app_id_variable, keys):
    for name in ("META_APP_ID", "INSTAGRAM_APP_ID", "TOKEN_ENCRYPTION_KEYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(app_id_variable, "1234567890")
    if keys is not None:
        monkeypatch.setenv("TOKEN_ENCRYPTION_KEYS", keys)
    with pytest.raises(ConfigurationError) as refused:
        Settings(_env_file=None)
    message = str(refused.value)
    assert "TOKEN_ENCRYPTION_KEYS" in message and app_id_variable in message
    assert "Fernet.generate_key()" in message  # how to make one
    assert DEMO_TOKEN_ENCRYPTION_KEY not in message


def test_the_demo_key_is_fine_for_the_demo_and_as_an_old_key_while_rotating(monkeypatch):
    for name in ("META_APP_ID", "INSTAGRAM_APP_ID", "TOKEN_ENCRYPTION_KEYS"):
        monkeypatch.delenv(name, raising=False)
    assert Settings(_env_file=None).token_encryption_keys == DEMO_TOKEN_ENCRYPTION_KEY
    monkeypatch.setenv("META_APP_ID", "1234567890")
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEYS", f"{OWN_KEY},{DEMO_TOKEN_ENCRYPTION_KEY}")
    assert Settings(_env_file=None).token_encryption_keys.startswith(OWN_KEY)
