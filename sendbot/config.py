"""Settings from SENDBOT_* environment variables and a .env file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class NoDatabaseError(RuntimeError):
    """No database was configured, so nothing may be created in its place."""


NO_DATABASE = (
    "No database given: set SENDBOT_DATABASE_URL (for example sqlite:///sendbot.db) "
    "or pass --database."
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SENDBOT_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL: sqlite:///path.db or postgresql+psycopg://user:pass@host/db; "
            "required by every command but `sendbot demo`, which keeps its own file"
        ),
    )
    conversation_ttl_hours: int = Field(
        default=24, ge=1, description="How long a half-finished conversation is kept"
    )
    demo_database: Path = Field(
        default=Path("sendbot-demo.db"), description="SQLite file `sendbot demo` creates"
    )

    log_level: str = Field(default="INFO", description="Python logging level")
    encryption_keys: SecretStr | None = Field(
        default=None,
        description=(
            "Keys that encrypt narratives and notes at rest, comma-separated, newest first "
            "(make one with `sendbot keys generate`); required with PostgreSQL"
        ),
    )
    encryption_key_file: Path | None = Field(
        default=None,
        description=(
            "File with one encryption key per line, newest first; used when "
            "SENDBOT_ENCRYPTION_KEYS is not set. Without either, an SQLite database gets a "
            "key file beside it (<database>.key), created on first use"
        ),
    )
    translator_url: str | None = Field(
        default=None,
        description=(
            "Base URL of the school's LibreTranslate server for staff free text sent to "
            "parents (e.g. https://translate.school.example); unset: no machine translation"
        ),
    )
    translator_api_key: SecretStr | None = Field(
        default=None, description="API key for the LibreTranslate server, if it needs one"
    )
    translator_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="Give up on one translation after this long"
    )
    slack_bot_token: SecretStr | None = Field(
        default=None,
        description=(
            "Slack bot token (xoxb-...) from the app's OAuth & Permissions page; setting it "
            "turns Slack on in `sendbot serve`"
        ),
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None,
        description=(
            "Slack signing secret (Basic Information page); every request to /slack/events "
            "is checked with it, and ones older than 5 minutes are refused"
        ),
    )
    slack_app_token: SecretStr | None = Field(
        default=None,
        description=(
            "Slack app-level token (xapp-..., scope connections:write); when set, sendbot "
            "connects by Socket Mode instead of receiving requests at a public URL"
        ),
    )
    slack_api_url: str | None = Field(
        default=None,
        description=(
            "Base URL of the Slack Web API (default Slack's own, https://slack.com/api/); "
            "staging and tests point it at a local server"
        ),
    )
    telegram_bot_token: SecretStr | None = Field(
        default=None,
        description=(
            "Telegram bot token from @BotFather; setting it turns Telegram on in `sendbot serve`"
        ),
    )
    telegram_bot_username: str | None = Field(
        default=None,
        description=(
            "The bot's username without @, for invite links (https://t.me/USERNAME?start=CODE)"
        ),
    )
    telegram_webhook_secret: SecretStr | None = Field(
        default=None,
        description=(
            "Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token with every webhook call "
            "(1-256 of A-Z a-z 0-9 _ -); requests without it get 403. Required for webhooks"
        ),
    )
    telegram_api_url: str | None = Field(
        default=None,
        description=(
            "Root URL of the Telegram Bot API server (default https://api.telegram.org); "
            "staging and tests point it at a local server"
        ),
    )
    teams_app_id: str | None = Field(
        default=None,
        description=(
            "Microsoft Entra app (client) id of the Teams bot; with a secret or certificate "
            "and the tenant id it turns Teams on in `sendbot serve`"
        ),
    )
    teams_app_secret: SecretStr | None = Field(
        default=None, description="Client secret of the Teams bot's Entra app registration"
    )
    teams_certificate_file: Path | None = Field(
        default=None,
        description=(
            "PFX (PKCS#12) file with the private key and certificate of the Teams bot's app "
            "registration, used instead of a client secret"
        ),
    )
    teams_tenant_id: str | None = Field(
        default=None,
        description=(
            "The school's Microsoft Entra tenant id: activities from any other tenant are refused"
        ),
    )
    teams_openid_url: str = Field(
        default="https://login.botframework.com/v1/.well-known/openidconfiguration",
        description=(
            "OpenID metadata of the Bot Framework channel, whose key set signs every inbound "
            "Teams request; tests point it at a local server"
        ),
    )
    teams_token_url: str | None = Field(
        default=None,
        description=(
            "Token endpoint for the bot's own calls to Teams (default "
            "https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token); tests point it at "
            "a local server"
        ),
    )
    teams_graph_url: str = Field(
        default="https://graph.microsoft.com/v1.0",
        description=(
            "Microsoft Graph, for `sendbot teams link` (needs the User.Read.All application "
            "permission); tests point it at a local server"
        ),
    )
    public_url: str | None = Field(
        default=None,
        description=(
            "Public https URL of this server (e.g. https://sendbot.school.example); with it "
            "Telegram delivers updates to <public_url>/telegram/webhook, without it the bot polls"
        ),
    )

    web_url: str | None = Field(
        default=None,
        description=(
            "Public base URL of the staff web pages (e.g. https://sendbot.school.example); "
            "setting it turns the pages on under <web_url>/staff/ and sign-in links point "
            "there, and parents' email and text messages carry a link to their one-tap page "
            "under <web_url>/p/. Only http://localhost or http://127.0.0.1 may be plain http (tests, demo)"
        ),
    )
    web_oidc_issuer: str | None = Field(
        default=None,
        description=(
            "OpenID Connect issuer for staff sign-in: "
            "https://login.microsoftonline.com/<tenant id>/v2.0 (Microsoft Entra ID) or "
            "https://accounts.google.com (Google Workspace); unset: one-time links only"
        ),
    )
    web_oidc_client_id: str | None = Field(
        default=None, description="The client (application) id registered with the provider"
    )
    web_oidc_client_secret: SecretStr | None = Field(
        default=None, description="The client secret registered with the provider"
    )
    web_oidc_tenant: str | None = Field(
        default=None,
        description=(
            "Whose accounts may sign in: the Entra tenant id (the ID token's tid) or the "
            "Google Workspace domain (its hd). Required with web_oidc_issuer"
        ),
    )

    # Email to parents and carers through the school's own SMTP relay (docs/parents.md).
    email_via: Literal["smtp", "notify", "file"] | None = Field(
        default=None,
        description=(
            "How email to parents goes: smtp (the school's relay, SENDBOT_SMTP_*), notify "
            "(GOV.UK Notify) or file (each email written as a .eml file into "
            "SENDBOT_EMAIL_DIR, for the demo and trials). Unset: smtp when SENDBOT_SMTP_HOST "
            "is set, else file when SENDBOT_EMAIL_DIR is set, else no email"
        ),
    )
    email_dir: Path | None = Field(
        default=None, description="Folder the file route writes each email into, as a .eml file"
    )
    smtp_host: str | None = Field(
        default=None,
        description="The school's SMTP relay (e.g. smtp.school.example); setting it turns email on",
    )
    smtp_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Port of the relay; default 587 with starttls, 465 with tls, 25 with none",
    )
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description=(
            "starttls (upgrade a plain connection, port 587), tls (TLS from the start, port "
            "465), or none (only for a relay on the same machine or a test server)"
        ),
    )
    smtp_username: str | None = Field(
        default=None, description="User name for the relay, if it asks for one"
    )
    smtp_password: SecretStr | None = Field(
        default=None, description="Password (or app password) for the relay"
    )
    smtp_from_address: str | None = Field(
        default=None,
        description="The address emails come from (e.g. office@school.example); required",
    )
    smtp_from_name: str | None = Field(
        default=None,
        description="The name emails come from; default the school's name from the roster",
    )
    smtp_reply_to: str | None = Field(
        default=None,
        description=(
            "Where parents' replies go, if not the from address (e.g. the school office); "
            "requests to stop emails go here too"
        ),
    )
    smtp_timeout_seconds: float = Field(
        default=30.0, gt=0, le=300, description="Give up on one conversation with the relay"
    )

    def email_route(self) -> str | None:
        """smtp, notify, file, or None (no email): the one way this school sends email."""
        if self.email_via is not None:
            return self.email_via
        if self.smtp_host:
            return "smtp"
        if self.email_dir is not None:
            return "file"
        return None

    # GOV.UK Notify: text messages to parents and carers, and their email when
    # email_via is "notify" (docs/parents.md, "Text messages and GOV.UK Notify").
    notify_api_key: SecretStr | None = Field(
        default=None,
        description=(
            "The school's GOV.UK Notify API key (a live key; a team or test key sends only "
            "to the team or nowhere); setting it with a template id turns text messages on"
        ),
    )
    notify_base_url: str = Field(
        default="https://api.notifications.service.gov.uk",
        description="GOV.UK Notify's API; tests point it at a local fake",
    )
    notify_sms_template_id: str | None = Field(
        default=None,
        description="Id of the school's Notify text message template, whose content is ((body))",
    )
    notify_email_template_id: str | None = Field(
        default=None,
        description=(
            "Id of the school's Notify email template: subject ((subject)), message ((body))"
        ),
    )
    notify_sms_sender_id: str | None = Field(
        default=None,
        description="Id of a text message sender set up in Notify; unset: the service's default",
    )
    notify_callback_token: SecretStr | None = Field(
        default=None,
        description=(
            "Bearer token Notify sends with delivery receipts to <public_url>/notify/status "
            "(at least 10 characters); unset: receipts are refused"
        ),
    )

    def notify_sms_configured(self) -> bool:
        return self.notify_api_key is not None and bool(self.notify_sms_template_id)

    def notify_email_configured(self) -> bool:
        return (
            self.email_route() == "notify"
            and self.notify_api_key is not None
            and bool(self.notify_email_template_id)
        )

    def teams_configured(self) -> bool:
        """Teams is on when the app id, the tenant and a secret or certificate are all given."""
        return bool(
            self.teams_app_id
            and self.teams_tenant_id
            and (self.teams_app_secret is not None or self.teams_certificate_file is not None)
        )

    def require_database_url(self) -> str:
        """The configured database; never a file made up in whatever folder this runs in."""
        if not self.database_url:
            raise NoDatabaseError(NO_DATABASE)
        return self.database_url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
