"""RFC 2617 Digest, checked against the RFC's own worked example and a client computed independently."""

import hashlib

import pytest

from server.auth import digest

SECRET = "test-secret"


def test_rfc_2617_example_response():
    # RFC 2617 §3.5: Mufasa / "Circle Of Life" at testrealm@host.com.
    params = {"username": "Mufasa", "realm": "testrealm@host.com", "nonce": "dcd98b7102dd2f0e8b11d0f600bfb0c093",
              "uri": "/dir/index.html", "qop": "auth", "nc": "00000001", "cnonce": "0a4f113b",
              "response": "6629fae49393a05397450978507c4ef1"}
    user_ha1 = digest.ha1("Mufasa", "Circle Of Life", realm="testrealm@host.com")
    assert digest.expected_response(user_ha1, "GET", params) == params["response"]


def client_header(password, method, uri, nonce, username="an@example.org", nc="00000001", cnonce="c0ffee"):
    ha1 = hashlib.md5(f"{username}:{digest.REALM}:{password}".encode()).hexdigest()
    ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
    response = hashlib.md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode()).hexdigest()
    return (f'Digest username="{username}", realm="{digest.REALM}", nonce="{nonce}", uri="{uri}", '
            f'response="{response}", qop=auth, nc={nc}, cnonce="{cnonce}", algorithm=MD5')


@pytest.mark.parametrize("password, method, uri, age, expected", [
    ("đúng mật khẩu", "GET", "/v1/projects/1/formList", 10, "ok"),
    ("sai mật khẩu", "GET", "/v1/projects/1/formList", 10, "bad"),
    ("đúng mật khẩu", "POST", "/v1/projects/1/formList", 10, "bad"),  # signed for GET
    ("đúng mật khẩu", "GET", "/v1/projects/2/formList", 10, "bad"),  # signed for another URI
    ("đúng mật khẩu", "GET", "/v1/projects/1/formList", digest.NONCE_LIFETIME + 1, "stale"),
])
def test_verify(password, method, uri, age, expected):
    issued = 1_800_000_000
    nonce = digest.make_nonce(SECRET, issued)
    params = digest.parse_authorization(client_header(password, "GET", "/v1/projects/1/formList", nonce))
    user_ha1 = digest.ha1("an@example.org", "đúng mật khẩu")
    assert digest.verify(params, user_ha1, method, uri, SECRET, issued + age) == expected


def test_nonce_from_another_server_is_refused():
    nonce = digest.make_nonce("other-secret", 1_800_000_000)
    assert digest.nonce_age(SECRET, nonce, 1_800_000_010) is None
    assert digest.nonce_age(SECRET, "garbage", 1_800_000_010) is None


def test_challenge_has_what_the_openrosa_spec_requires():
    value = digest.challenge(SECRET, 1_800_000_000, stale=True)
    for part in ('Digest realm="Minh Chung"', 'qop="auth"', "nonce=", "opaque=", 'domain="/"', "stale=true"):
        assert part in value


def test_incomplete_authorization_is_none():
    assert digest.parse_authorization('Digest username="a", realm="b"') is None
