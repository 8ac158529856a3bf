"""The hosted sign-in page in a real browser: headless Chromium (Debian's `chromium` package)
driven by playwright-core (npm, interop/node/browser.mjs), with the test SAML IdP served over HTTP
(`idp_server.IdPServer`, which wraps the signxml `SamlTestIdP`) and the application's redirect
URI on that same server.

Routes, each with JavaScript on and off:
- provider: /oauth2/authorize (no identity_provider) → sign-in page → click "Continue with Corp"
  → IdP page → click its button → ACS → the app's /cb with a code;
- email: type x@corp.example in the email field and submit → /login routes by IdP identifier →
  the IdP → back signed in;
- keyboard: Tab to the provider link and press Enter, Tab to the IdP's button and press Enter;
- rp: openid-client (in the same node process) is the application: it makes the authorization
  URL from discovery, the browser signs in through the page and the IdP, and openid-client redeems
  the callback (PKCE, state, nonce, ID-token signature).
The code that reaches the app is exchanged (PKCE) and its ID token verified, and the sign-in page
is checked for basic accessibility facts and saved as a screenshot.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import urllib.parse
from pathlib import Path

import pytest

from idp_server import IdPServer
from test_oidc_node import local_client, node_skip_reason, run_node
from test_sign_in import Env, pkce

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def chromium_path() -> str | None:
    explicit = os.environ.get("CIRRUS_TEST_CHROMIUM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for p in CHROMIUM_CANDIDATES:
        if os.access(p, os.X_OK):
            return p
    return shutil.which("chromium")


@pytest.fixture
def chromium():
    reason = node_skip_reason("playwright-core", "openid-client")
    if reason:
        pytest.skip(reason)
    path = chromium_path()
    if path is None:
        pytest.skip("chromium is not installed (Debian package `chromium`; scripts/install-test-deps.sh installs it)")
    return path


class BrowserEnv:
    """The sign-in Env of test_sign_in, with its IdP "Corp" served over HTTP and an app client
    whose redirect URI is on that server."""

    def __init__(self, server, cognito, idp: IdPServer):
        self.env = Env(server, cognito)
        self.idp = idp
        idp.sp_certificate = self.env.sp_cert
        # Point Corp at the HTTP IdP: new metadata (its SSO URL is on our server), same identifiers.
        cognito.update_identity_provider(
            UserPoolId=self.env.pool_id,
            ProviderName="Corp",
            ProviderDetails={"MetadataFile": idp.metadata(), "RequestSigningAlgorithm": "rsa-sha256"},
        )
        self.env.idp = idp.idp
        self.client_id, _ = local_client(self.env, idp.callback_url, name="browser")

    def authorize_url(self) -> tuple[str, dict]:
        verifier, challenge = pkce()
        state, nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
        q = {
            "response_type": "code", "client_id": self.client_id, "redirect_uri": self.idp.callback_url,
            "scope": "openid email profile", "state": state, "nonce": nonce,
            "code_challenge": challenge, "code_challenge_method": "S256",
        }
        return f"{self.env.base}/oauth2/authorize?{urllib.parse.urlencode(q)}", {"verifier": verifier, "state": state, "nonce": nonce}

    def redeem(self, code: str, checks: dict) -> dict:
        t = self.env.token({
            "grant_type": "authorization_code", "client_id": self.client_id, "code": code,
            "redirect_uri": self.idp.callback_url, "code_verifier": checks["verifier"],
        })
        assert t.status_code == 200, t.text
        claims = self.env.verify(t.json()["id_token"], audience=self.client_id)
        assert claims["nonce"] == checks["nonce"]
        return claims


@pytest.fixture
def browser_env(server, cognito, chromium):
    with IdPServer() as idp:
        yield BrowserEnv(server, cognito, idp)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_hosted_sign_in_in_chromium(browser_env, chromium, javascript, capsys):
    b = browser_env
    work = Path(tempfile.mkdtemp(prefix="cirrus-browser-"))
    scenarios, checks = [], {}
    for route in ("provider", "email", "keyboard"):
        url, c = b.authorize_url()
        name = f"{route}-{'js' if javascript else 'nojs'}"
        checks[name] = c
        scenarios.append({
            "name": name, "route": route, "authorizeUrl": url, "idpUrl": b.idp.idp.sso_url,
            "callbackUrl": b.idp.callback_url, "email": "x@corp.example", "unknownEmail": "x@unknown.example",
        })
    # After signing in: the hosted session sends the browser straight back with a code; /logout
    # ends it (the cookie is cleared in the browser) and the sign-in page shows again.
    again, checks["again"] = b.authorize_url()
    after, _ = b.authorize_url()
    logout = f"{b.env.base}/logout?" + urllib.parse.urlencode({"client_id": b.client_id, "logout_uri": b.idp.url + "/bye"})
    scenarios[0]["then"] = [again, logout, after]
    # openid-client as the application, Chromium as the user's browser.
    rp = "rp-js" if javascript else "rp-nojs"
    scenarios.append({
        "name": rp, "route": "provider", "idpUrl": b.idp.idp.sso_url, "callbackUrl": b.idp.callback_url,
        "openidClient": {"issuer": b.env.issuer, "clientId": b.client_id},
    })
    out = run_node("browser.mjs", {"chromium": chromium, "workDir": str(work), "javaScriptEnabled": javascript, "scenarios": scenarios}, timeout=240)
    assert out["_exit"] == 0, out["_stderr"]
    results = {r["name"]: r for r in out["results"]}

    for name, r in results.items():
        if name == rp:
            assert r["ok"], f"{name} failed at {r.get('failedAt')}:\n{r.get('error')}\npage: {r.get('failedBody')}"
            assert r["authorizeUrl"].startswith(f"{b.env.base}/oauth2/authorize?")
            assert r["signInPage"]["providerLinks"] == ["Continue with Corp"]
            c = r["openidClient"]["claims"]
            assert c["iss"] == b.env.issuer and c["aud"] == b.client_id and c["nonce"] == r["openidClient"]["nonce"]
            assert c["cognito:username"] == "Corp_alice-0001"
            continue
        assert r["ok"], f"{name} failed at {r.get('failedAt')}:\n{r.get('error')}\npage: {r.get('failedBody')}\nscreenshot: {r.get('failureScreenshot')}"

        # The sign-in page, as the browser saw it.
        assert r["signInStatus"] == 200
        assert "frame-ancestors 'none'" in r["signInHeaders"]["content-security-policy"]
        page = r["signInPage"]
        assert page["h1"] == "Sign in" and page["title"].startswith("Sign in")
        assert page["lang"] == "en", "<html> has no lang"
        assert page["labelFor"] == "email" and page["labelText"] == "Work email"
        assert page["emailInputs"] == 1 and page["emailInputId"] == "email", "the label is not bound to the email input"
        assert page["emailInputType"] == "email" and page["emailInputName"] == "email" and page["emailAutocomplete"] == "email"
        assert page["providerLinks"] == ["Continue with Corp"] and page["continueButtons"] == 1
        assert 'navigation "Identity providers"' in page["ariaSnapshot"], page["ariaSnapshot"]
        shot = Path(page["screenshot"])
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5000
        if r["route"] == "provider":
            with capsys.disabled():
                print(f"\nsign-in page screenshot ({name}): {shot}")
        # Our pages load nothing that their CSP refuses (the inline style carries its nonce).
        csp = [m for m in r["console"] if "Content Security Policy" in m["text"]]
        assert not csp, csp

        # The IdP got a signed AuthnRequest from this pool and the app got a code it can redeem.
        assert r["idpPage"]["h1"] == "Test IdP"
        cb = r["callback"]
        assert cb["h1"] == "Signed in" and cb["code"], cb
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(cb["url"]).query))
        assert q["state"] == checks[name]["state"]
        claims = b.redeem(cb["code"], checks[name])
        assert claims["cognito:username"] == "Corp_alice-0001" and claims["email"] == "alice@corp.example"

    then = results[f"provider-{'js' if javascript else 'nojs'}"]["then"]
    assert then[0]["url"].startswith(b.idp.callback_url + "?") and then[0]["code"], then[0]
    assert b.redeem(then[0]["code"], checks["again"])["cognito:username"] == "Corp_alice-0001"
    assert then[1]["url"] == b.idp.url + "/bye" and then[1]["h1"] == "Signed out", then[1]
    assert then[2]["url"] == after and then[2]["status"] == 200 and then[2]["h1"] == "Sign in", then[2]

    # Keyboard: Tab goes email field → Continue → the provider link; Enter follows it.
    order = results[f"keyboard-{'js' if javascript else 'nojs'}"]["tabOrder"]
    kinds = [(f or {}).get("tag") for f in order]
    assert kinds[-1] == "a" and "input" in kinds and "button" in kinds, order
    assert kinds.index("input") < kinds.index("button") < len(kinds) - 1, order

    # The email route: the browser refuses a non-address by itself; a domain no IdP claims brings
    # the page back with an alert and the address kept; then /login routes x@corp.example to Corp,
    # and the state of the original request survives the detour (checked at the callback above).
    e = results[f"email-{'js' if javascript else 'nojs'}"]
    assert e["invalidEmail"] == {"stayed": True, "valid": False}, e["invalidEmail"]
    unknown = e["unknownEmail"]
    assert unknown["status"] == 400 and "/login?" in unknown["url"], unknown
    assert unknown["value"] == "x@unknown.example"
    assert any("No sign-in option matches that email domain" in a for a in unknown["alert"]), unknown
    assert any("/login?" in v["url"] and "email=x%40corp.example" in v["url"] for v in e["visited"]), e["visited"]

    assert not b.idp.errors, b.idp.errors
    assert len(b.idp.authn_requests) == 4
    for req in b.idp.authn_requests:
        assert req["signed"] and req["issuer"] == f"urn:amazon:cognito:sp:{b.env.pool_id}" and req["acs"] == b.env.acs
    assert [c.get("code") is not None for c in b.idp.callbacks] == [True] * 5
