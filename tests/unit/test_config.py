"""Settings: the embedded demo by default; real credentials switch to Meta's hosts."""

from core.config import SANDBOX_URL, Settings


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
    settings = Settings(_env_file=None)
    assert settings.meta_graph_url == "https://graph.facebook.com"
    assert settings.meta_dialog_url == "https://www.facebook.com"
    assert settings.instagram_graph_url == SANDBOX_URL  # that flow's credentials are still the sandbox's
    assert settings.media_allow_http_hosts == []  # no plain-http image downloads next to real Meta


def test_an_explicit_host_wins(monkeypatch):
    monkeypatch.setenv("INSTAGRAM_APP_ID", "987654321")
    monkeypatch.setenv("INSTAGRAM_GRAPH_URL", "http://127.0.0.1:9999")
    settings = Settings(_env_file=None)
    assert settings.instagram_graph_url == "http://127.0.0.1:9999"
    assert settings.instagram_api_url == "https://api.instagram.com"
