"""HTTP Digest authentication (RFC 2617, MD5, qop=auth), as the OpenRosa spec allows: a pure module.

ODK Collect answers only a challenge, and sends Basic only over HTTPS; Digest lets named users log
in from Collect on plain-HTTP district deployments (KoboToolbox and Ona do the same; Central does not).
Nonces are stateless: a timestamp signed with the server's secret key, stale after NONCE_LIFETIME.
"""

import hashlib
import hmac
import re
from collections.abc import Mapping

REALM = "Minh Chung"
NONCE_LIFETIME = 300
PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')
REQUIRED = ("username", "realm", "nonce", "uri", "response")


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def ha1(username: str, password: str, realm: str = REALM) -> str:
    """What we keep per user instead of the password: MD5(username:realm:password)."""
    return md5(f"{username}:{realm}:{password}")


def make_nonce(secret: str, now: int) -> str:
    return f"{now:x}.{_sign(secret, str(now))}"


def nonce_age(secret: str, nonce: str, now: int) -> int | None:
    """Seconds since the nonce was issued, or None if we did not issue it."""
    stamp, _, signature = nonce.partition(".")
    try:
        issued = int(stamp, 16)
    except ValueError:
        return None
    if not hmac.compare_digest(signature, _sign(secret, str(issued))):
        return None
    return now - issued


def opaque(secret: str) -> str:
    return _sign(secret, "opaque")[:32]


def challenge(secret: str, now: int, stale: bool = False) -> str:
    """The WWW-Authenticate value; the OpenRosa spec requires the domain parameter."""
    stale_part = ", stale=true" if stale else ""
    return (f'Digest realm="{REALM}", qop="auth", algorithm=MD5, nonce="{make_nonce(secret, now)}", '
            f'opaque="{opaque(secret)}", domain="/"{stale_part}')


def parse_authorization(value: str) -> dict[str, str] | None:
    """The parameters of an `Authorization: Digest …` value, or None if any required one is missing."""
    params = {match.group(1).lower(): match.group(2) if match.group(2) is not None else match.group(3)
              for match in PARAM.finditer(value)}
    params = {key: item.replace('\\"', '"') for key, item in params.items()}
    if any(key not in params for key in REQUIRED):
        return None
    return params


def nonce_count(params: Mapping[str, str]) -> int:
    """The request's nonce count (nc, hexadecimal); 1 without qop, where a nonce may serve once; 0 if unreadable."""
    if not params.get("qop"):
        return 1
    text = params.get("nc", "")
    return int(text, 16) if 0 < len(text) <= 8 and all(c in "0123456789abcdefABCDEF" for c in text) else 0


def expected_response(user_ha1: str, method: str, params: Mapping[str, str]) -> str:
    ha2 = md5(f"{method}:{params['uri']}")
    if params.get("qop"):
        nonce_count, client_nonce = params.get("nc", ""), params.get("cnonce", "")
        return md5(f"{user_ha1}:{params['nonce']}:{nonce_count}:{client_nonce}:{params['qop']}:{ha2}")
    return md5(f"{user_ha1}:{params['nonce']}:{ha2}")


def verify(params: Mapping[str, str], user_ha1: str, method: str, request_uri: str, secret: str, now: int) -> str:
    """'ok', 'stale' (good credentials, old nonce: ask again with stale=true) or 'bad'."""
    if params.get("realm") != REALM or params["uri"] != request_uri or params.get("qop", "auth") != "auth":
        return "bad"
    if params.get("algorithm", "MD5").upper() != "MD5":
        return "bad"
    if not hmac.compare_digest(params["response"], expected_response(user_ha1, method, params)):
        return "bad"
    age = nonce_age(secret, params["nonce"], now)
    if age is None or age < -5:
        return "bad"
    return "ok" if age <= NONCE_LIFETIME else "stale"


def _sign(secret: str, message: str) -> str:
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()
