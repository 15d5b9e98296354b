"""The settings: one frozen value per concern, each read from its HELPDESK_* variables, and
changed only by making a new value (`with_changes`, the `settings` marker of the tests)."""

from __future__ import annotations

import dataclasses
import os

import pytest

from helpdesk.core.settings import RateLimits, SmtpSettings, load_settings


@pytest.fixture
def bare_env(monkeypatch, tmp_path):
    """An environment without any HELPDESK_* variable, its data folder in tmp_path."""
    for name in [n for n in os.environ if n.startswith("HELPDESK_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HELPDESK_DATA_DIR", str(tmp_path))
    return monkeypatch


def test_each_concern_reads_its_variables(bare_env):
    for name, value in {
        "HELPDESK_SMTP_HOST": "smtp.academie.fr",
        "HELPDESK_SMTP_PORT": "587",
        "HELPDESK_SMTP_TLS": "STARTTLS",
        "HELPDESK_DEMO_SMTP_PORT": "8125",
        "HELPDESK_MAIL_MAX_ATTEMPTS": "3",
        "HELPDESK_RATE_LIMIT_FORM": "4",
        "HELPDESK_LOGIN_DELAY_SECONDS": "0.5",
        "HELPDESK_RETENTION_DAYS": "90",
        "HELPDESK_HOST_NAME": "Hébergeur de l'académie",
        "HELPDESK_ACCOUNTS_URL": " https://comptes.example/ ",
        "HELPDESK_MAILIN_PORT": "0",
        "HELPDESK_IMAP_HOST": "imap.academie.fr",
        "HELPDESK_LETTER_URL": "https://www.ac-orleans-tours.fr",
        "HELPDESK_METRICS_TOKEN": "jeton",
    }.items():
        bare_env.setenv(name, value)
    settings = load_settings()
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.tls) == (
        "smtp.academie.fr",
        587,
        "starttls",
    )
    assert settings.smtp.demo_port == 8125 and settings.mail.max_attempts == 3
    assert settings.rate_limits.form_per_minute == 4
    assert settings.rate_limits.login_delay_seconds == 0.5
    assert settings.privacy.retention_days == 90
    assert settings.legal.hosted_by == "Hébergeur de l'académie"
    assert settings.accounts.url == "https://comptes.example"
    assert settings.mailin.port == 0 and settings.imap.host == "imap.academie.fr"
    assert settings.letters.url == "https://www.ac-orleans-tours.fr"
    assert settings.metrics_token == "jeton"
    # What was not given keeps its default.
    assert settings.rate_limits.vote_per_minute == RateLimits().vote_per_minute
    assert settings.smtp.connections == SmtpSettings().connections


def test_demo_mode_sends_in_process_and_answers_on_the_sender_s_domain(bare_env):
    assert not load_settings().mail.send_in_process and load_settings().mailin.domain == ""
    bare_env.setenv("HELPDESK_DEMO", "1")
    bare_env.setenv("HELPDESK_MAIL_FROM", "Assistance <ne-pas-repondre@Assistance.Example.fr>")
    settings = load_settings()
    assert settings.mail.send_in_process and settings.mailin.domain == "assistance.example.fr"
    bare_env.setenv("HELPDESK_MAIL_SENDER", "worker")
    assert not load_settings().mail.send_in_process


def test_changes_make_a_new_value_and_keep_the_rest(bare_env, tmp_path):
    bare_env.setenv("HELPDESK_SMTP_USER", "assistance")
    settings = load_settings(data_dir=tmp_path / "autre", smtp={"port": 2525})
    assert settings.data_dir == tmp_path / "autre" and settings.smtp.port == 2525
    assert settings.smtp.user == "assistance"  # from the environment, not overridden

    changed = settings.with_changes(demo=True, smtp={"host": "127.0.0.1", "tls": "none"})
    assert changed.demo and (changed.smtp.host, changed.smtp.port) == ("127.0.0.1", 2525)
    assert not settings.demo and settings.smtp.host == ""  # the first value stays as it was
    whole = settings.with_changes(rate_limits=RateLimits(disabled=True))
    assert whole.rate_limits == RateLimits(disabled=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.smtp.port = 25  # type: ignore[misc]
    with pytest.raises(TypeError):
        settings.with_changes(smtp={"hote": "127.0.0.1"})


@pytest.mark.settings(rate_limits={"form_per_minute": 3, "vote_per_minute": 5})
class TestMarkers:
    @pytest.mark.settings(rate_limits={"vote_per_minute": 7}, smtp={"port": 2526})
    def test_a_concern_s_fields_come_from_every_marker_the_closest_winning(self, settings):
        assert settings.rate_limits.form_per_minute == 3  # the class's
        assert settings.rate_limits.vote_per_minute == 7  # the test's, over the class's
        assert settings.smtp.port == 2526
