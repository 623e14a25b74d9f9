"""Every check on an ID token, one way of failing each: a token that fails any of them
signs nobody in, and the reason shown names no claim's value."""

from __future__ import annotations

import time

import pytest
from joserfc.jwk import KeySet, RSAKey

from sendbot.web.oidc import GOOGLE_ISSUER, Provider, SignInFailed
from tests.web.fake_oidc import CLIENT_ID, TENANT, FakeProvider

ISSUER = "https://login.microsoftonline.com/oakfield-tenant-0001/v2.0"
NONCE = "nonce-given-to-this-browser"


@pytest.fixture(scope="module")
def fake() -> FakeProvider:
    return FakeProvider(issuer=ISSUER)


def entra() -> Provider:
    return Provider(ISSUER, CLIENT_ID, "secret", TENANT, "https://sendbot.example/cb")


def keys_of(fake: FakeProvider) -> KeySet:
    return KeySet.import_key_set(KeySet([fake.key]).as_dict(private=False))


def test_a_good_token_gives_the_email(fake: FakeProvider) -> None:
    token = fake.id_token("dsl@oakfield.example", NONCE)
    assert entra().checked_email(token, keys_of(fake), NONCE) == "dsl@oakfield.example"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"iss": "https://login.microsoftonline.com/someone-else/v2.0"}, "did not check out"),
        ({"aud": "another-app"}, "did not check out"),
        ({"exp": int(time.time()) - 3600}, "did not check out"),
        ({"nonce": "replayed-from-another-sign-in"}, "did not check out"),
        ({"tid": "another-organisation"}, "not one of your school's"),
        ({"email_verified": False}, "has not verified"),
        ({"email": None}, "did not give an email"),
    ],
)
def test_a_token_failing_one_check_is_refused(
    fake: FakeProvider, changes: dict[str, object], reason: str
) -> None:
    token = fake.id_token("dsl@oakfield.example", NONCE, **changes)
    with pytest.raises(SignInFailed, match=reason):
        entra().checked_email(token, keys_of(fake), NONCE)


def test_a_token_signed_with_another_key_is_refused(fake: FakeProvider) -> None:
    stranger = FakeProvider(
        issuer=ISSUER,
        key=RSAKey.generate_key(2048, parameters={"kid": "fake-1", "alg": "RS256"}),
    )
    token = stranger.id_token("dsl@oakfield.example", NONCE)
    with pytest.raises(SignInFailed, match="did not check out"):
        entra().checked_email(token, keys_of(fake), NONCE)


def test_google_needs_the_workspace_domain_and_a_verified_email() -> None:
    google = FakeProvider(issuer=GOOGLE_ISSUER, tenant="")
    provider = Provider(GOOGLE_ISSUER, CLIENT_ID, "s", "oakfield.example", "https://x/cb")
    keys = keys_of(google)
    good = google.id_token(
        "dsl@oakfield.example", NONCE, hd="oakfield.example", email_verified=True
    )
    assert provider.checked_email(good, keys, NONCE) == "dsl@oakfield.example"
    for changes, reason in (
        ({"hd": "gmail.example"}, "not one of your school's"),
        ({"hd": "oakfield.example"}, "has not verified"),  # Google always says; it did not
    ):
        token = google.id_token("dsl@oakfield.example", NONCE, **changes)
        with pytest.raises(SignInFailed, match=reason):
            provider.checked_email(token, keys, NONCE)
