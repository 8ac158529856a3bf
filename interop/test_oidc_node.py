"""Relying parties we did not write, from npm, against a real `cirrus serve`:

- openid-client (v6): discovery on the pool's issuer, authorization URL with PKCE (S256), state
  and nonce, code exchange with its own ID-token validation (issuer, audience, nonce, expiry, and
  the signature against the JWKS), userinfo, and a refresh grant. The user and the SAML IdP in
  between are played by this test with `SamlTestIdP` (signxml), which checks the signed
  AuthnRequest against GetSigningCertificate.
- aws-jwt-verify (v5): its generic verifier with our issuer and JWKS and its Cognito claim checks
  (`validateCognitoJwtFields`) accepts our ID and access tokens and refuses the wrong ones.

The node scripts live in interop/node (`npm ci` there; scripts/install-test-deps.sh does it).
"""

from __future__ import annotations

import base64
import json
import select
import shutil
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest

from test_sign_in import CALLBACK, EMAIL, Env, query_of

NODE_DIR = Path(__file__).resolve().parent / "node"
# openid-client never fetches the redirect URI; this test plays the browser and stops at it.
LOCAL_CALLBACK = "http://127.0.0.1:8976/cb"


# --------------------------------------------------------------------------------------------
# Running the node scripts
# --------------------------------------------------------------------------------------------


def node_skip_reason(*packages: str) -> str | None:
    """Why the node tests cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not installed (scripts/install-test-deps.sh installs the test dependencies)"
    for package in packages:
        if not (NODE_DIR / "node_modules" / package / "package.json").is_file():
            return f"npm package {package} is missing: run `npm ci` in interop/node (scripts/install-test-deps.sh does)"
    return None


def require_node(*packages: str) -> None:
    reason = node_skip_reason(*packages)
    if reason:
        pytest.skip(reason)


def run_node(script: str, arg, timeout: float = 60) -> dict:
    """Runs a script that prints one JSON line and returns it parsed."""
    p = subprocess.run(["node", script, json.dumps(arg)], cwd=NODE_DIR, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    lines = [line for line in p.stdout.splitlines() if line.strip()]
    assert lines, f"node {script} printed nothing (exit {p.returncode}):\n{p.stderr}"
    out = json.loads(lines[-1])
    return out | {"_exit": p.returncode, "_stderr": p.stderr}


class NodeSession:
    """A node script that talks JSON lines on stdin/stdout."""

    def __init__(self, script: str, arg, timeout: float = 60):
        self.deadline = time.monotonic() + timeout
        self.proc = subprocess.Popen(
            ["node", script, json.dumps(arg)], cwd=NODE_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, bufsize=1,
        )

    def read(self) -> dict:
        while True:
            left = self.deadline - time.monotonic()
            if left <= 0:
                self.close()
                raise AssertionError("node did not answer in time")
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                continue
            line = self.proc.stdout.readline()
            if not line:
                self.proc.wait(timeout=10)
                raise AssertionError(f"node exited ({self.proc.returncode}) without an answer:\n{self.proc.stderr.read()}")
            if line.strip():
                return json.loads(line)

    def send(self, obj) -> None:
        self.proc.stdin.write(json.dumps(obj) + "\n")
        self.proc.stdin.flush()

    def close(self) -> int:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return self.proc.returncode


# --------------------------------------------------------------------------------------------
# Pools and clients
# --------------------------------------------------------------------------------------------


def local_client(env: Env, callback: str, name: str = "node", secret: bool = False) -> tuple[str, str | None]:
    """An app client of the env's pool whose callback is a loopback URL; (client id, secret)."""
    c = env.cognito.create_user_pool_client(
        UserPoolId=env.pool_id,
        ClientName=name,
        GenerateSecret=secret,
        SupportedIdentityProviders=["Corp"],
        CallbackURLs=[callback],
        LogoutURLs=[callback.rsplit("/", 1)[0] + "/bye"],
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email", "profile"],
        WriteAttributes=["email", "given_name", "custom:dept"],
        ReadAttributes=["email", "email_verified", "given_name", "custom:dept"],
    )["UserPoolClient"]
    return c["ClientId"], c.get("ClientSecret")


ALICE = {EMAIL: ["alice@corp.example"], "urn:oid:2.5.4.42": ["Alice"], "department": ["eng"]}


def play_user_and_idp(env: Env, authorization_url: str, name_id: str = "alice-0001", attributes: dict | None = None) -> str:
    """Follows the authorization URL as a browser would: Cirrus redirects to the IdP, which reads
    the signed AuthnRequest and answers; the ACS redirects to the app. Returns that callback URL."""
    r = env.http.get(authorization_url, allow_redirects=False, timeout=30)
    assert r.status_code == 302, f"authorize: {r.status_code} {r.text[:500]}"
    req = env.idp.read_authn_request(r.headers["Location"], env.sp_cert)
    assert req["signed"] and req["issuer"] == f"urn:amazon:cognito:sp:{env.pool_id}" and req["acs"] == env.acs
    saml = env.idp.response(
        acs=req["acs"], audience=req["issuer"], in_response_to=req["id"], name_id=name_id,
        attributes=ALICE if attributes is None else attributes, friendly_names={"urn:oid:2.5.4.42": "givenName"},
    )
    done = env.post_acs(saml, req["relay_state"])
    assert done.status_code == 302, f"ACS: {done.status_code} {done.text[:500]}"
    return done.headers["Location"]


def openid_client_flow(env: Env, client_id: str, secret: str | None, callback: str, client_auth: str | None = None,
                       attributes: dict | None = None, expect_ok: bool = True) -> tuple[dict, dict]:
    """Runs oidc.mjs through one sign-in; returns (what node saw first, its result)."""
    node = NodeSession("oidc.mjs", {
        "issuer": env.issuer, "clientId": client_id, "clientSecret": secret, "clientAuth": client_auth, "redirectUri": callback,
        "scope": "openid email profile", "extraParams": {"identity_provider": "Corp"},
    })
    try:
        start = node.read()
        assert "authorizationUrl" in start, start
        location = play_user_and_idp(env, start["authorizationUrl"], attributes=attributes)
        assert location.startswith(callback + "?"), location
        node.send({"callbackUrl": location})
        result = node.read()
    finally:
        rc = node.close()
    if expect_ok:
        assert result.get("ok"), f"openid-client failed: {result}"
        assert rc == 0
    else:
        assert result.get("ok") is False and rc == 1, result
    return start, result


@pytest.fixture
def env(server, cognito):
    require_node("openid-client", "aws-jwt-verify")
    return Env(server, cognito)


# --------------------------------------------------------------------------------------------
# openid-client
# --------------------------------------------------------------------------------------------


def test_openid_client_public_client_with_pkce(env):
    client_id, _ = local_client(env, LOCAL_CALLBACK)
    start, result = openid_client_flow(env, client_id, None, LOCAL_CALLBACK)

    # Discovery led openid-client to the pool's domain, and it asked for PKCE with S256.
    url = urllib.parse.urlsplit(start["authorizationUrl"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{env.base}/oauth2/authorize"
    q = dict(urllib.parse.parse_qsl(url.query))
    assert q["code_challenge_method"] == "S256" and q["code_challenge"] == start["codeChallenge"]
    assert q["state"] == start["state"] and q["nonce"] == start["nonce"] and q["client_id"] == client_id
    meta = result["metadata"]
    assert meta["issuer"] == env.issuer
    assert meta["token_endpoint"] == f"{env.base}/oauth2/token"
    assert meta["jwks_uri"] == f"{env.issuer}/.well-known/jwks.json"
    # What openid-client fetched: discovery, the token endpoint, the JWKS (to check the ID token's
    # signature), userinfo, and the token endpoint again for the refresh.
    urls = [r["url"] for r in result["requests"]]
    assert urls[0] == f"{env.issuer}/.well-known/openid-configuration"
    assert meta["jwks_uri"] in urls and urls.index(f"{env.base}/oauth2/token") < urls.index(meta["jwks_uri"])
    assert meta["userinfo_endpoint"] in urls and urls.count(f"{env.base}/oauth2/token") == 3

    # openid-client validated the ID token (iss, aud, exp, nonce, signature); we look at what it saw.
    c = result["claims"]
    assert c["iss"] == env.issuer and c["aud"] == client_id and c["nonce"] == start["nonce"]
    assert c["token_use"] == "id" and c["cognito:username"] == "Corp_alice-0001"
    assert c["email"] == "alice@corp.example" and c["given_name"] == "Alice"
    assert c["identities"][0]["providerName"] == "Corp"
    assert result["token_type"].lower() == "bearer" and 0 < result["expires_in"] <= 3600
    assert result["userinfo"]["sub"] == c["sub"] and result["userinfo"]["email"] == "alice@corp.example"
    # The access token is ours too (checked with PyJWT here; aws-jwt-verify below).
    at = env.verify(result["access_token"])
    assert at["client_id"] == client_id and at["token_use"] == "access"
    assert set(at["scope"].split()) == {"openid", "email", "profile"}

    # The refresh grant through openid-client: a new ID token for the same sign-in, no new refresh token.
    r = result["refreshed"]
    assert r is not None, "no refresh token was issued"
    assert r["claims"]["sub"] == c["sub"] and r["claims"]["aud"] == client_id and r["claims"]["iss"] == env.issuer
    assert r["claims"]["origin_jti"] == c["origin_jti"] and r["claims"]["auth_time"] == c["auth_time"]
    assert not r["has_refresh_token"]
    assert r["access_token"] != result["access_token"]
    # Revoked through openid-client (revocation_endpoint from discovery): refreshing fails.
    assert meta["revocation_endpoint"] == f"{env.base}/oauth2/revoke"
    assert any(x["url"] == meta["revocation_endpoint"] and x["method"] == "POST" for x in result["requests"])
    gone = r["afterRevocation"]
    assert not gone["ok"] and gone["error"] == "ResponseBodyError" and gone["code"] == "OAUTH_RESPONSE_BODY_ERROR", gone
    assert gone["cause"]["error"] == "invalid_grant", gone


@pytest.mark.parametrize("client_auth", ["client_secret_basic", "client_secret_post"])
def test_openid_client_confidential_client(env, client_auth):
    client_id, secret = local_client(env, LOCAL_CALLBACK, name="node-web", secret=True)
    assert client_auth in env.http.get(f"{env.issuer}/.well-known/openid-configuration", timeout=30).json()["token_endpoint_auth_methods_supported"]
    start, result = openid_client_flow(env, client_id, secret, LOCAL_CALLBACK, client_auth)
    c = result["claims"]
    assert c["aud"] == client_id and c["nonce"] == start["nonce"] and c["iss"] == env.issuer
    assert result["refreshed"]["claims"]["sub"] == c["sub"]
    assert result["refreshed"]["afterRevocation"]["cause"]["error"] == "invalid_grant"
    token_calls = [r for r in result["requests"] if r["url"] == f"{env.base}/oauth2/token"]
    assert len(token_calls) == 3
    for call in token_calls:
        if client_auth == "client_secret_basic":
            assert call["basicAuth"] and "client_secret" not in call["bodyParams"], call
        else:
            assert not call["basicAuth"] and "client_secret" in call["bodyParams"], call


def test_openid_client_sees_a_refused_sign_in_as_an_oauth_error(env):
    """A SAML sign-in Cirrus refuses (an attribute longer than the pool allows) comes back to the
    application as an RFC 6749 error response that openid-client recognises, with its state."""
    client_id, _ = local_client(env, LOCAL_CALLBACK)
    _, result = openid_client_flow(env, client_id, None, LOCAL_CALLBACK, attributes={EMAIL: ["l@corp.example"], "department": ["x" * 65]},
                                   expect_ok=False)
    assert result["error"] == "AuthorizationResponseError" and result["code"] == "OAUTH_AUTHORIZATION_RESPONSE_ERROR", result
    assert result["oauthError"] == "server_error" and "Correlation id:" in result["oauthErrorDescription"], result


# --------------------------------------------------------------------------------------------
# aws-jwt-verify
# --------------------------------------------------------------------------------------------


def tokens_of(env: Env, client_id: str | None = None, name_id: str = "alice-0001") -> dict:
    client_id = client_id or env.client_id
    r = env.sign_in(name_id=name_id, client_id=client_id)
    assert r.status_code == 302, r.text
    q, _ = query_of(r.headers["Location"])
    t = env.token({"grant_type": "authorization_code", "client_id": client_id, "code": q["code"], "redirect_uri": CALLBACK})
    assert t.status_code == 200, t.text
    return t.json()


def tamper_payload(token: str, **changes) -> str:
    """The same header and signature over a changed payload."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    new = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return f"{header}.{new}.{signature}"


def garble_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return f"{header}.{payload}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"


def test_aws_jwt_verify_accepts_our_tokens_and_refuses_wrong_ones(env, server, cognito):
    mine = tokens_of(env)
    refreshed = env.token({"grant_type": "refresh_token", "client_id": env.client_id, "refresh_token": mine["refresh_token"]}).json()
    other = Env(server, cognito)
    theirs = tokens_of(other)
    jwks = f"{env.issuer}/.well-known/jwks.json"
    checks = [
        # Ours, as an API in front of Cognito checks them.
        {"name": "id", "token": mine["id_token"], "tokenUse": "id", "clientId": env.client_id},
        {"name": "access", "token": mine["access_token"], "tokenUse": "access", "clientId": env.client_id},
        {"name": "refreshed id", "token": refreshed["id_token"], "tokenUse": "id", "clientId": env.client_id},
        {"name": "refreshed access", "token": refreshed["access_token"], "tokenUse": "access", "clientId": env.client_id},
        {"name": "id, in the IdP's group", "token": mine["id_token"], "tokenUse": "id", "clientId": env.client_id, "groups": [f"{env.pool_id}_Corp"]},
        {"name": "access, in the IdP's group", "token": mine["access_token"], "tokenUse": "access", "clientId": env.client_id, "groups": ["admins", f"{env.pool_id}_Corp"]},
        {"name": "access with scope", "token": mine["access_token"], "tokenUse": "access", "clientId": env.client_id, "scope": ["email"]},
        {"name": "id, any of two clients", "token": mine["id_token"], "tokenUse": "id", "clientId": ["other-client", env.client_id]},
        {"name": "other pool with its own issuer and JWKS", "token": theirs["id_token"], "tokenUse": "id", "clientId": other.client_id,
         "issuer": other.issuer, "jwksUri": f"{other.issuer}/.well-known/jwks.json"},
        # Wrong ones.
        {"name": "id as access", "token": mine["id_token"], "tokenUse": "access", "clientId": env.client_id},
        {"name": "access as id", "token": mine["access_token"], "tokenUse": "id", "clientId": env.client_id},
        {"name": "id for another client", "token": mine["id_token"], "tokenUse": "id", "clientId": env.secret_client_id},
        {"name": "access for another client", "token": mine["access_token"], "tokenUse": "access", "clientId": env.secret_client_id},
        {"name": "other pool's token", "token": theirs["id_token"], "tokenUse": "id", "clientId": other.client_id},
        {"name": "other pool's token and keys, this pool's issuer", "token": theirs["id_token"], "tokenUse": "id", "clientId": other.client_id,
         "jwksUri": f"{other.issuer}/.well-known/jwks.json"},
        {"name": "other pool's issuer, this pool's keys", "token": theirs["id_token"], "tokenUse": "id", "clientId": other.client_id,
         "issuer": other.issuer},
        {"name": "expired id", "token": mine["id_token"], "tokenUse": "id", "clientId": env.client_id, "nowOffsetSeconds": 3600 + 600},
        {"name": "expired access", "token": mine["access_token"], "tokenUse": "access", "clientId": env.client_id, "nowOffsetSeconds": 3600 + 600},
        {"name": "garbled signature", "token": garble_signature(mine["access_token"]), "tokenUse": "access", "clientId": env.client_id},
        {"name": "id relabelled as access", "token": tamper_payload(mine["id_token"], token_use="access", client_id=env.client_id),
         "tokenUse": "access", "clientId": env.client_id},
        {"name": "access without the scope", "token": mine["access_token"], "tokenUse": "access", "clientId": env.client_id,
         "scope": ["https://api.example.test/write"]},
        {"name": "not in the group", "token": mine["access_token"], "tokenUse": "access", "clientId": env.client_id, "groups": ["admins"]},
        {"name": "garbage", "token": "not-a.jwt.at-all", "tokenUse": "id", "clientId": env.client_id},
        {"name": "truncated", "token": mine["id_token"][: len(mine["id_token"]) // 2], "tokenUse": "id", "clientId": env.client_id},
    ]
    out = run_node("verify.mjs", {"issuer": env.issuer, "jwksUri": jwks, "checks": checks})
    assert out["_exit"] == 0, out["_stderr"]
    assert out["aliasOfJwtVerifier"] is True
    results = {r["name"]: r for r in out["results"]}

    for name in ("id", "access", "refreshed id", "refreshed access", "id, in the IdP's group", "access, in the IdP's group",
                 "access with scope", "id, any of two clients", "other pool with its own issuer and JWKS"):
        assert results[name]["ok"], f"{name}: {results[name]}"
    assert results["id"]["payload"]["cognito:username"] == "Corp_alice-0001"
    assert results["access"]["payload"]["client_id"] == env.client_id

    expected = {
        "id as access": {"CognitoJwtInvalidTokenUseError"},
        "access as id": {"JwtInvalidAudienceError", "CognitoJwtInvalidTokenUseError"},
        "id for another client": {"JwtInvalidAudienceError"},
        "access for another client": {"CognitoJwtInvalidClientIdError"},
        "other pool's token": {"KidNotFoundInJwksError", "JwtInvalidIssuerError"},
        "other pool's token and keys, this pool's issuer": {"JwtInvalidIssuerError"},
        "other pool's issuer, this pool's keys": {"KidNotFoundInJwksError"},
        "expired id": {"JwtExpiredError"},
        "expired access": {"JwtExpiredError"},
        "garbled signature": {"JwtInvalidSignatureError"},
        "id relabelled as access": {"JwtInvalidSignatureError"},
        "not in the group": {"CognitoJwtInvalidGroupError"},
        "access without the scope": {"JwtInvalidScopeError"},
        "garbage": {"JwtParseError"},
        "truncated": {"JwtParseError"},
    }
    for name, errors in expected.items():
        r = results[name]
        assert not r["ok"], f"{name} was accepted: {r}"
        assert r["error"] in errors, f"{name}: {r['error']}: {r['message']}"
    # The library fetched each pool's JWKS itself (and only those).
    assert set(out["fetched"]) == {jwks, f"{other.issuer}/.well-known/jwks.json"}, out["fetched"]
