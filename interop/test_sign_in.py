"""Federated sign-in end to end over HTTP: /oauth2/authorize → signed AuthnRequest → a SAML IdP
we did not write (signxml) → ACS → code → /oauth2/token → JWTs verified with PyJWT against the
published JWKS → /oauth2/userInfo, and the federated user seen through boto3."""

from __future__ import annotations

import base64
import hashlib
import secrets
import urllib.parse

import jwt
import pytest
import requests

import json
import subprocess

from conftest import cirrus_bin
from idp import SamlTestIdP
from support import attrs, unique

EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
CALLBACK = "https://app.example.test/cb"


def pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


class Env:
    """A pool with a domain, one SAML IdP and two app clients, on the shared server."""

    def __init__(self, server, cognito, required_email=False, request_signing=True, idp_init=False):
        self.server, self.cognito = server, cognito
        schema = [{"Name": "dept", "AttributeDataType": "String", "StringAttributeConstraints": {"MaxLength": "64"}}]
        if required_email:
            schema.append({"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True})
        self.pool_id = cognito.create_user_pool(PoolName=unique("signin"), Schema=schema)["UserPool"]["Id"]
        self.prefix = unique("login-")
        cognito.create_user_pool_domain(UserPoolId=self.pool_id, Domain=self.prefix)
        self.base = f"{server.url}/domain/{self.prefix}"
        self.idp = SamlTestIdP()
        details = {"MetadataFile": self.idp.metadata()}
        if request_signing:
            details["RequestSigningAlgorithm"] = "rsa-sha256"
        if idp_init:
            details["IDPInit"] = "true"
        cognito.create_identity_provider(
            UserPoolId=self.pool_id,
            ProviderName="Corp",
            ProviderType="SAML",
            ProviderDetails=details,
            AttributeMapping={"email": EMAIL, "given_name": "givenName", "custom:dept": "department"},
            IdpIdentifiers=["corp.example"],
        )
        common = dict(
            UserPoolId=self.pool_id,
            SupportedIdentityProviders=["Corp"],
            CallbackURLs=[CALLBACK],
            LogoutURLs=["https://app.example.test/bye"],
            AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthScopes=["openid", "email", "profile", "aws.cognito.signin.user.admin"],
            WriteAttributes=["email", "given_name", "custom:dept"],
            ReadAttributes=["email", "email_verified", "given_name", "custom:dept"],
        )
        self.client_id = cognito.create_user_pool_client(ClientName="spa", AllowedOAuthFlows=["code", "implicit"], **common)["UserPoolClient"]["ClientId"]
        secret_client = cognito.create_user_pool_client(ClientName="web", GenerateSecret=True, AllowedOAuthFlows=["code"], **common)["UserPoolClient"]
        self.secret_client_id, self.secret = secret_client["ClientId"], secret_client["ClientSecret"]
        self.sp_cert = cognito.get_signing_certificate(UserPoolId=self.pool_id)["Certificate"]
        self.issuer = f"{server.url}/{self.pool_id}"
        self.http = requests.Session()

    @property
    def acs(self):
        return f"{self.base}/saml2/idpresponse"

    def authorize(self, **params):
        q = {"response_type": "code", "client_id": self.client_id, "redirect_uri": CALLBACK, **params}
        return self.http.get(f"{self.base}/oauth2/authorize", params=q, allow_redirects=False, timeout=30)

    def to_idp(self, **params):
        r = self.authorize(identity_provider="Corp", **params)
        assert r.status_code == 302, r.text
        return self.idp.read_authn_request(r.headers["Location"], self.sp_cert)

    def post_acs(self, saml_response, relay_state):
        data = {"SAMLResponse": saml_response}
        if relay_state is not None:
            data["RelayState"] = relay_state
        return self.http.post(self.acs, data=data, allow_redirects=False, timeout=30)

    def sign_in(self, name_id="alice-0001", attributes=None, **params):
        req = self.to_idp(**params)
        response = self.idp.response(
            acs=req["acs"],
            audience=f"urn:amazon:cognito:sp:{self.pool_id}",
            in_response_to=req["id"],
            name_id=name_id,
            attributes=attributes
            if attributes is not None
            else {EMAIL: ["alice@corp.example"], "urn:oid:2.5.4.42": ["Alice"], "department": ["eng", "r&d"]},
            friendly_names={"urn:oid:2.5.4.42": "givenName"},
        )
        return self.post_acs(response, req["relay_state"])

    def token(self, data, auth=None):
        return self.http.post(f"{self.base}/oauth2/token", data=data, auth=auth, timeout=30)

    def verify(self, token, audience=None):
        keys = jwt.PyJWKClient(f"{self.issuer}/.well-known/jwks.json")
        key = keys.get_signing_key_from_jwt(token)
        return jwt.decode(token, key.key, algorithms=["RS256"], issuer=self.issuer, audience=audience, options={"verify_aud": audience is not None})


def query_of(location):
    parsed = urllib.parse.urlsplit(location)
    return dict(urllib.parse.parse_qsl(parsed.query)), dict(urllib.parse.parse_qsl(parsed.fragment))


@pytest.fixture
def env(server, cognito):
    return Env(server, cognito)


def test_code_flow_with_pkce(env, cognito):
    verifier, challenge = pkce()
    req = env.to_idp(state="s-1", nonce="n-1", code_challenge=challenge, code_challenge_method="S256")
    assert req["issuer"] == f"urn:amazon:cognito:sp:{env.pool_id}"
    assert req["acs"] == env.acs
    assert req["destination"] == env.idp.sso_url
    assert req["binding"].endswith("HTTP-POST")
    assert req["name_id_format"].endswith("persistent")
    assert req["signed"]
    saml = env.idp.response(
        acs=req["acs"], audience=f"urn:amazon:cognito:sp:{env.pool_id}", in_response_to=req["id"], name_id="alice-0001",
        attributes={EMAIL: ["alice@corp.example"], "urn:oid:2.5.4.42": ["Alice"], "department": ["eng", "r&d"]},
        friendly_names={"urn:oid:2.5.4.42": "givenName"},
    )
    r = env.post_acs(saml, req["relay_state"])
    assert r.status_code == 302, r.text
    q, _ = query_of(r.headers["Location"])
    assert r.headers["Location"].startswith(CALLBACK + "?")
    assert q["state"] == "s-1" and q["code"]
    assert "cirrus_session=" in r.headers.get("Set-Cookie", "")

    t = env.token({"grant_type": "authorization_code", "client_id": env.client_id, "code": q["code"], "redirect_uri": CALLBACK, "code_verifier": verifier})
    assert t.status_code == 200, t.text
    tokens = t.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    assert tokens["refresh_token"]
    idt = env.verify(tokens["id_token"], audience=env.client_id)
    assert idt["token_use"] == "id" and idt["nonce"] == "n-1"
    assert idt["cognito:username"] == "Corp_alice-0001"
    assert idt["email"] == "alice@corp.example" and idt["given_name"] == "Alice"
    assert idt["custom:dept"] == "[eng, r%26d]"
    assert f"{env.pool_id}_Corp" in idt["cognito:groups"]
    ident = idt["identities"][0]
    assert ident["userId"] == "alice-0001" and ident["providerName"] == "Corp" and ident["providerType"] == "SAML"
    assert ident["issuer"] == env.idp.entity_id and ident["primary"] == "true"
    digest = hashlib.sha256(tokens["access_token"].encode()).digest()[:16]
    assert idt["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    at = env.verify(tokens["access_token"])
    assert at["token_use"] == "access" and at["client_id"] == env.client_id and at["username"] == "Corp_alice-0001"
    assert set(at["scope"].split()) == {"openid", "email", "profile", "aws.cognito.signin.user.admin"}
    assert at["origin_jti"] == idt["origin_jti"]
    id_kid = jwt.get_unverified_header(tokens["id_token"])["kid"]
    assert id_kid != jwt.get_unverified_header(tokens["access_token"])["kid"], "ID and access tokens use different keys"

    info = env.http.get(f"{env.base}/oauth2/userInfo", headers={"Authorization": "Bearer " + tokens["access_token"]}, timeout=30)
    assert info.status_code == 200, info.text
    assert info.json()["email"] == "alice@corp.example" and info.json()["sub"] == idt["sub"]

    user = cognito.admin_get_user(UserPoolId=env.pool_id, Username="Corp_alice-0001")
    assert user["UserStatus"] == "EXTERNAL_PROVIDER"
    a = attrs(user["UserAttributes"])
    assert a["email"] == "alice@corp.example" and a["custom:dept"] == "[eng, r%26d]" and a["sub"] == idt["sub"]

    # A code is single use.
    again = env.token({"grant_type": "authorization_code", "client_id": env.client_id, "code": q["code"], "redirect_uri": CALLBACK, "code_verifier": verifier})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_pkce_mismatch_and_redirect_mismatch(env):
    verifier, challenge = pkce()
    r = env.sign_in(code_challenge=challenge, code_challenge_method="S256")
    q, _ = query_of(r.headers["Location"])
    bad = env.token({"grant_type": "authorization_code", "client_id": env.client_id, "code": q["code"], "redirect_uri": CALLBACK, "code_verifier": verifier + "x"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
    # A redirect_uri that is not registered never receives anything: an error page instead.
    r = env.authorize(identity_provider="Corp", redirect_uri="https://evil.example/cb")
    assert r.status_code == 400 and "redirect_mismatch" in r.text
    assert "Location" not in r.headers


def test_hosted_session_skips_the_idp(env):
    assert env.sign_in().status_code == 302
    r = env.authorize(identity_provider="Corp")
    assert r.status_code == 302 and r.headers["Location"].startswith(CALLBACK + "?code=")
    # prompt=none answers from the session...
    r = env.authorize(identity_provider="Corp", prompt="none", state="pn")
    assert "code=" in r.headers["Location"]
    # ...and without one says login_required instead of showing anything.
    fresh = requests.get(f"{env.base}/oauth2/authorize", params={"response_type": "code", "client_id": env.client_id, "redirect_uri": CALLBACK, "prompt": "none", "state": "pn"}, allow_redirects=False, timeout=30)
    q, _ = query_of(fresh.headers["Location"])
    assert q["error"] == "login_required" and q["state"] == "pn"
    # prompt=login forces a new round trip, with ForceAuthn.
    r = env.authorize(identity_provider="Corp", prompt="login")
    assert r.headers["Location"].startswith(env.idp.sso_url)
    assert env.idp.read_authn_request(r.headers["Location"], env.sp_cert)["force_authn"]


def test_refresh_and_revoke(env):
    r = env.sign_in()
    q, _ = query_of(r.headers["Location"])
    tokens = env.token({"grant_type": "authorization_code", "client_id": env.client_id, "code": q["code"], "redirect_uri": CALLBACK}).json()
    refreshed = env.token({"grant_type": "refresh_token", "client_id": env.client_id, "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    new = refreshed.json()
    assert "refresh_token" not in new
    old_id, new_id = env.verify(tokens["id_token"], env.client_id), env.verify(new["id_token"], env.client_id)
    assert new_id["origin_jti"] == old_id["origin_jti"] and new_id["auth_time"] == old_id["auth_time"]
    rv = env.http.post(f"{env.base}/oauth2/revoke", data={"token": tokens["refresh_token"], "client_id": env.client_id}, timeout=30)
    assert rv.status_code == 200, rv.text
    after = env.token({"grant_type": "refresh_token", "client_id": env.client_id, "refresh_token": tokens["refresh_token"]})
    assert after.status_code == 400 and after.json()["error"] == "invalid_grant"
    info = env.http.get(f"{env.base}/oauth2/userInfo", headers={"Authorization": "Bearer " + new["access_token"]}, timeout=30)
    assert info.status_code == 401, "access tokens of a revoked session are refused"


def test_confidential_client_and_basic_auth(env):
    q = {"response_type": "code", "client_id": env.secret_client_id, "redirect_uri": CALLBACK, "identity_provider": "Corp"}
    r = env.http.get(f"{env.base}/oauth2/authorize", params=q, allow_redirects=False, timeout=30)
    req = env.idp.read_authn_request(r.headers["Location"], env.sp_cert)
    saml = env.idp.response(acs=req["acs"], audience=f"urn:amazon:cognito:sp:{env.pool_id}", in_response_to=req["id"], name_id="bob", attributes={EMAIL: ["bob@corp.example"]})
    code = query_of(env.post_acs(saml, req["relay_state"]).headers["Location"])[0]["code"]
    wrong = env.token({"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}, auth=(env.secret_client_id, "nope"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    # The failed attempt did not consume the code? It did not reach it: client authentication comes first.
    ok = env.token({"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}, auth=(env.secret_client_id, env.secret))
    assert ok.status_code == 200, ok.text


def test_implicit_grant(env):
    r = env.sign_in(response_type="token", state="st")
    _, frag = query_of(r.headers["Location"])
    assert frag["token_type"] == "Bearer" and frag["state"] == "st"
    assert env.verify(frag["id_token"], env.client_id)["cognito:username"] == "Corp_alice-0001"


def test_attribute_rules_refuse_sign_in(env, cognito):
    long = env.sign_in(name_id="long-dept", attributes={EMAIL: ["l@corp.example"], "department": ["x" * 65]}, state="st")
    assert long.status_code == 302
    q, _ = query_of(long.headers["Location"])
    assert q["error"] == "server_error" and q["state"] == "st"
    assert "Correlation id:" in q["error_description"]
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=env.pool_id, Username="Corp_long-dept")
    huge = env.sign_in(name_id="huge", attributes={EMAIL: ["h@corp.example"], "urn:oid:2.5.4.42": ["y" * 2049]})
    assert query_of(huge.headers["Location"])[0]["error"] == "server_error"


def test_required_attribute(server, cognito):
    env = Env(server, cognito, required_email=True)
    r = env.sign_in(name_id="noemail", attributes={"department": ["eng"]})
    q, _ = query_of(r.headers["Location"])
    assert q["error"] == "server_error"
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=env.pool_id, Username="Corp_noemail")
    assert query_of(env.sign_in(name_id="withemail").headers["Location"])[0].get("code")


def test_disabled_user_cannot_sign_in(env, cognito):
    assert "code=" in env.sign_in(name_id="carol").headers["Location"]
    cognito.admin_disable_user(UserPoolId=env.pool_id, Username="Corp_carol")
    env.http.cookies.clear()
    q, _ = query_of(env.sign_in(name_id="carol").headers["Location"])
    assert q["error"] == "server_error"


def test_forged_and_replayed_responses(env):
    req = env.to_idp()
    attacker = SamlTestIdP(entity_id=env.idp.entity_id)
    forged = attacker.response(acs=req["acs"], audience=f"urn:amazon:cognito:sp:{env.pool_id}", in_response_to=req["id"], name_id="alice-0001")
    q, _ = query_of(env.post_acs(forged, req["relay_state"]).headers["Location"])
    assert q["error"] == "server_error"
    # The relay state was used up by the failed attempt: a good response cannot ride on it.
    good = env.idp.response(acs=req["acs"], audience=f"urn:amazon:cognito:sp:{env.pool_id}", in_response_to=req["id"], name_id="alice-0001")
    r = env.post_acs(good, req["relay_state"])
    assert r.status_code == 400 and "Invalid samlResponse or relayState" in r.text
    # A response for another pending sign-in is refused (InResponseTo).
    other = env.to_idp()
    q, _ = query_of(env.post_acs(good, other["relay_state"]).headers["Location"])
    assert q["error"] == "server_error"


def test_idp_initiated_needs_idpinit_and_refuses_replay(server, cognito):
    env = Env(server, cognito)
    relay = urllib.parse.urlencode({"response_type": "code", "client_id": env.client_id, "redirect_uri": CALLBACK, "identity_provider": "Corp"})
    saml = env.idp.response(acs=env.acs, audience=f"urn:amazon:cognito:sp:{env.pool_id}", name_id="dave", attributes={EMAIL: ["d@corp.example"]})
    r = env.post_acs(saml, relay)
    assert r.status_code == 400 and "Invalid samlResponse or relayState" in r.text
    env2 = Env(server, cognito, idp_init=True)
    relay = urllib.parse.urlencode({"response_type": "code", "client_id": env2.client_id, "redirect_uri": CALLBACK, "identity_provider": "Corp"})
    saml = env2.idp.response(acs=env2.acs, audience=f"urn:amazon:cognito:sp:{env2.pool_id}", name_id="dave", attributes={EMAIL: ["d@corp.example"]})
    first = env2.post_acs(saml, relay)
    assert "code=" in first.headers["Location"], first.text
    replay = env2.post_acs(saml, relay)
    assert query_of(replay.headers["Location"])[0]["error"] == "server_error"


def test_sign_in_page_and_email_routing(env):
    page = env.authorize()
    assert page.status_code == 200
    assert "Continue with Corp" in page.text and 'type="email"' in page.text
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    q = {"response_type": "code", "client_id": env.client_id, "redirect_uri": CALLBACK, "email": "someone@corp.example"}
    r = env.http.get(f"{env.base}/login", params=q, allow_redirects=False, timeout=30)
    assert r.status_code == 302 and r.headers["Location"].startswith(env.idp.sso_url)
    q["email"] = "someone@unknown.example"
    r = env.http.get(f"{env.base}/login", params=q, allow_redirects=False, timeout=30)
    assert r.status_code == 400 and "No sign-in option matches" in r.text


def test_discovery(env):
    d = requests.get(f"{env.issuer}/.well-known/openid-configuration", timeout=30).json()
    assert d["issuer"] == env.issuer
    assert d["authorization_endpoint"] == f"{env.base}/oauth2/authorize"
    assert d["token_endpoint"] == f"{env.base}/oauth2/token"
    keys = requests.get(d["jwks_uri"], timeout=30).json()["keys"]
    assert len(keys) == 2 and all(k["alg"] == "RS256" and k["kty"] == "RSA" and len(k["kid"]) == 44 for k in keys)


def tokens_for(env, name_id, scope=None):
    params = {"scope": scope} if scope else {}
    q, _ = query_of(env.sign_in(name_id=name_id, **params).headers["Location"])
    t = env.token({"grant_type": "authorization_code", "client_id": env.client_id, "code": q["code"], "redirect_uri": CALLBACK})
    assert t.status_code == 200, t.text
    return t.json()


def test_token_api_calls(env, cognito):
    tokens = tokens_for(env, "erin")
    me = cognito.get_user(AccessToken=tokens["access_token"])
    assert me["Username"] == "Corp_erin"
    assert attrs(me["UserAttributes"])["email"] == "alice@corp.example"
    # An access token without aws.cognito.signin.user.admin cannot call the user API.
    env.http.cookies.clear()
    narrow = tokens_for(env, "erin", scope="openid email")
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        cognito.get_user(AccessToken=narrow["access_token"])
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        cognito.get_user(AccessToken="eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
    # RevokeToken refuses access and ID tokens, and revokes refresh tokens.
    with pytest.raises(cognito.exceptions.UnsupportedTokenTypeException):
        cognito.revoke_token(Token=tokens["id_token"], ClientId=env.client_id)
    with pytest.raises(cognito.exceptions.UnauthorizedException):
        cognito.revoke_token(Token=tokens["refresh_token"], ClientId=env.secret_client_id, ClientSecret="wrong-secret-wrong-secret")
    cognito.revoke_token(Token=tokens["refresh_token"], ClientId=env.client_id)
    r = env.token({"grant_type": "refresh_token", "client_id": env.client_id, "refresh_token": tokens["refresh_token"]})
    assert r.status_code == 400
    with pytest.raises(cognito.exceptions.NotAuthorizedException, match="revoked"):
        cognito.get_user(AccessToken=tokens["access_token"])


def test_global_sign_out(env, cognito):
    first = tokens_for(env, "frank")
    env.http.cookies.clear()
    second = tokens_for(env, "frank")
    cognito.global_sign_out(AccessToken=second["access_token"])
    for t in (first, second):
        r = env.token({"grant_type": "refresh_token", "client_id": env.client_id, "refresh_token": t["refresh_token"]})
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    env.http.cookies.clear()
    third = tokens_for(env, "frank")
    cognito.admin_user_global_sign_out(UserPoolId=env.pool_id, Username="Corp_frank")
    r = env.token({"grant_type": "refresh_token", "client_id": env.client_id, "refresh_token": third["refresh_token"]})
    assert r.status_code == 400
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_user_global_sign_out(UserPoolId=env.pool_id, Username="nobody")


def cli(server, *args):
    """Runs an admin subcommand against the running server's store."""
    p = subprocess.run([cirrus_bin(), *args, *server.store.args()], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_refusals_are_audited_with_the_rule(env, server):
    r = env.sign_in(name_id="audited", attributes={EMAIL: ["a@corp.example"], "department": ["x" * 65]})
    description = query_of(r.headers["Location"])[0]["error_description"]
    correlation = description.rsplit("Correlation id: ", 1)[1]
    events = [json.loads(line) for line in cli(server, "events", "--pool", env.pool_id, "--json").splitlines()]
    failed = [e for e in events if e["id"] == correlation]
    assert len(failed) == 1, events
    e = failed[0]
    assert e["kind"] == "sign_in.failed" and e["pool_id"] == env.pool_id
    assert e["detail"]["provider"] == "Corp" and e["detail"]["attribute"] == "custom:dept"
    assert e["detail"]["check"] == "value_rejected" and "65" in e["detail"]["message"]
    env.http.cookies.clear()
    assert "code=" in env.sign_in(name_id="audited").headers["Location"]
    kinds = [json.loads(line)["kind"] for line in cli(server, "events", "--pool", env.pool_id, "--json").splitlines()]
    assert kinds[0] == "sign_in.succeeded", "newest first"
    table = cli(server, "events", "--pool", env.pool_id)
    assert "sign_in.failed" in table and correlation in table


def test_key_rotation_keeps_old_tokens_verifiable(env, server):
    before = {k["kid"] for k in requests.get(f"{env.issuer}/.well-known/jwks.json", timeout=30).json()["keys"]}
    old = tokens_for(env, "grace")
    out = cli(server, "keys", "rotate", "--pool", env.pool_id)
    assert "rotated" in out
    after = {k["kid"] for k in requests.get(f"{env.issuer}/.well-known/jwks.json", timeout=30).json()["keys"]}
    assert before < after and len(after) == 4, "old keys stay published beside the new ones"
    env.http.cookies.clear()
    new = tokens_for(env, "grace")
    assert jwt.get_unverified_header(new["id_token"])["kid"] in after - before
    assert env.verify(old["id_token"], env.client_id)["cognito:username"] == "Corp_grace"
    assert env.verify(new["access_token"])["username"] == "Corp_grace"


def test_encrypted_assertions(env, cognito):
    details = cognito.describe_identity_provider(UserPoolId=env.pool_id, ProviderName="Corp")["IdentityProvider"]["ProviderDetails"]
    cert = details["ActiveEncryptionCertificate"]
    cognito.update_identity_provider(
        UserPoolId=env.pool_id, ProviderName="Corp",
        ProviderDetails={"MetadataFile": env.idp.metadata(), "EncryptedResponses": "true", "RequestSigningAlgorithm": "rsa-sha256"},
    )
    audience = f"urn:amazon:cognito:sp:{env.pool_id}"

    def attempt(encrypt_to):
        env.http.cookies.clear()
        req = env.to_idp()
        saml = env.idp.response(acs=req["acs"], audience=audience, in_response_to=req["id"], name_id="henry",
                                attributes={EMAIL: ["h@corp.example"]}, encrypt_to=encrypt_to)
        return query_of(env.post_acs(saml, req["relay_state"]).headers["Location"])[0]

    assert attempt(None)["error"] == "server_error", "plain assertions are refused when encryption is required"
    other = SamlTestIdP().cert_b64
    refused = attempt(other)
    assert refused["error"] == "server_error" and "(decryption)" in refused["error_description"]
    ok = attempt(cert)
    assert ok.get("code"), ok
    t = env.token({"grant_type": "authorization_code", "client_id": env.client_id, "code": ok["code"], "redirect_uri": CALLBACK})
    assert env.verify(t.json()["id_token"], env.client_id)["email"] == "h@corp.example"


def id_claims(env, response):
    code = query_of(response.headers["Location"])[0]["code"]
    t = env.token({"grant_type": "authorization_code", "client_id": env.client_id, "code": code, "redirect_uri": CALLBACK})
    return env.verify(t.json()["id_token"], env.client_id)


def test_linked_identities(env, cognito):
    p = env.pool_id
    cognito.admin_create_user(UserPoolId=p, Username="ivan", MessageAction="SUPPRESS", UserAttributes=[{"Name": "email", "Value": "ivan@corp.example"}])
    link = lambda user, value, attr="Cognito_Subject": cognito.admin_link_provider_for_user(
        UserPoolId=p,
        DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": user},
        SourceUser={"ProviderName": "Corp", "ProviderAttributeName": attr, "ProviderAttributeValue": value},
    )
    link("ivan", "ivan-at-idp")
    claims = id_claims(env, env.sign_in(name_id="ivan-at-idp"))
    assert claims["cognito:username"] == "ivan"
    linked = [i for i in claims["identities"] if i["userId"] == "ivan-at-idp"]
    assert linked and linked[0]["primary"] == "false" and linked[0]["providerName"] == "Corp"
    with pytest.raises(cognito.exceptions.InvalidParameterException):
        link("ivan", "ivan-at-idp")
    # An identity that already signed up on its own cannot be merged in.
    env.http.cookies.clear()
    env.sign_in(name_id="judy")
    with pytest.raises(cognito.exceptions.InvalidParameterException, match="Merging is not currently supported"):
        link("ivan", "judy")
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        link("nobody", "x")
    # Linking by a mapped attribute: whoever signs in from Corp with this email is kate.
    cognito.admin_create_user(UserPoolId=p, Username="kate", MessageAction="SUPPRESS")
    link("kate", "kate@corp.example", attr="email")
    env.http.cookies.clear()
    claims = id_claims(env, env.sign_in(name_id="kate-new-id", attributes={EMAIL: ["kate@corp.example"]}))
    assert claims["cognito:username"] == "kate" and claims["email"] == "kate@corp.example"
    for n in range(4):
        link("kate", f"extra-{n}")
    with pytest.raises(cognito.exceptions.LimitExceededException):
        link("kate", "one-too-many")
    # Disabling the provider for the user removes the link: the identity is on its own again.
    cognito.admin_disable_provider_for_user(UserPoolId=p, User={"ProviderName": "Corp", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "ivan-at-idp"})
    ivan = attrs(cognito.admin_get_user(UserPoolId=p, Username="ivan")["UserAttributes"])
    assert "ivan-at-idp" not in ivan.get("identities", "")
    env.http.cookies.clear()
    assert id_claims(env, env.sign_in(name_id="ivan-at-idp"))["cognito:username"] == "Corp_ivan-at-idp"
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_disable_provider_for_user(UserPoolId=p, User={"ProviderName": "Corp", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "never-seen"})


def test_sp_metadata(env, cognito, server, tmp_path):
    from lxml import etree

    r = requests.get(f"{env.base}/saml2/metadata", params={"identity_provider": "Corp"}, timeout=30)
    assert r.status_code == 200 and "samlmetadata+xml" in r.headers["Content-Type"]
    xml = r.content
    md = "urn:oasis:names:tc:SAML:2.0:metadata"
    ds = "http://www.w3.org/2000/09/xmldsig#"
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    assert root.get("entityID") == f"urn:amazon:cognito:sp:{env.pool_id}"
    sp = root.find(f"{{{md}}}SPSSODescriptor")
    acs = sp.find(f"{{{md}}}AssertionConsumerService")
    assert acs.get("Location") == env.acs and acs.get("Binding").endswith("HTTP-POST")
    assert sp.find(f"{{{md}}}SingleLogoutService").get("Location") == f"{env.base}/saml2/logout"
    assert sp.findtext(f"{{{md}}}NameIDFormat").endswith("persistent")
    certs = {kd.get("use"): kd.findtext(f".//{{{ds}}}X509Certificate").strip() for kd in sp.findall(f"{{{md}}}KeyDescriptor")}
    details = cognito.describe_identity_provider(UserPoolId=env.pool_id, ProviderName="Corp")["IdentityProvider"]["ProviderDetails"]
    assert certs["encryption"] == details["ActiveEncryptionCertificate"]
    signing = cognito.get_signing_certificate(UserPoolId=env.pool_id)["Certificate"]
    assert certs["signing"] == signing
    requested = {ra.get("Name") for ra in sp.iter(f"{{{md}}}RequestedAttribute")}
    assert requested == {EMAIL, "givenName", "department"}
    # An implementation we did not write verifies the signature with the pool's certificate.
    pem = tmp_path / "sp.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n" + "\n".join(signing[i:i + 64] for i in range(0, len(signing), 64)) + "\n-----END CERTIFICATE-----\n")
    doc = tmp_path / "md.xml"
    doc.write_bytes(xml)
    v = subprocess.run(["xmlsec1", "--verify", "--pubkey-cert-pem", str(pem), "--id-attr:ID", f"{md}:EntityDescriptor", str(doc)], capture_output=True, text=True)
    assert v.returncode == 0, v.stderr
    doc.write_bytes(xml.replace(b"saml2/idpresponse", b"saml2/evil"))
    v = subprocess.run(["xmlsec1", "--verify", "--pubkey-cert-pem", str(pem), "--id-attr:ID", f"{md}:EntityDescriptor", str(doc)], capture_output=True, text=True)
    assert v.returncode != 0, "a tampered document must not verify"
    out = cli(server, "sp-metadata", "--pool", env.pool_id, "--provider", "Corp", "--public-url", server.url)
    assert f'entityID="urn:amazon:cognito:sp:{env.pool_id}"' in out and env.acs in out
    assert requests.get(f"{env.base}/saml2/metadata", params={"identity_provider": "Nope"}, timeout=30).status_code == 404


def test_single_logout(env, cognito, server):
    cognito.update_identity_provider(
        UserPoolId=env.pool_id, ProviderName="Corp",
        ProviderDetails={"MetadataFile": env.idp.metadata(), "IDPSignout": "true", "RequestSigningAlgorithm": "rsa-sha256"},
    )
    assert "code=" in env.sign_in(name_id="lara").headers["Location"]
    bye = "https://app.example.test/bye"
    r = env.http.get(f"{env.base}/logout", params={"client_id": env.client_id, "logout_uri": bye}, allow_redirects=False, timeout=30)
    assert r.status_code == 302
    assert "cirrus_session=;" in r.headers["Set-Cookie"] and "Max-Age=0" in r.headers["Set-Cookie"]
    req = env.idp.read_logout_request(r.headers["Location"], env.sp_cert)
    assert req["name_id"] == "lara" and req["issuer"] == f"urn:amazon:cognito:sp:{env.pool_id}"
    assert req["destination"] == env.idp.slo_url and req["session_index"]
    slo = f"{env.base}/saml2/logout"
    done = env.http.post(slo, data={"SAMLResponse": env.idp.logout_response(destination=slo, in_response_to=req["id"]), "RelayState": req["relay_state"]}, allow_redirects=False, timeout=30)
    assert done.status_code == 302 and done.headers["Location"] == bye
    kinds = [json.loads(line)["kind"] for line in cli(server, "events", "--pool", env.pool_id, "--json").splitlines()]
    assert kinds[0] == "sign_out.completed"
    # The hosted session is gone: the next authorize goes to the IdP again.
    assert env.authorize(identity_provider="Corp").headers["Location"].startswith(env.idp.sso_url)
    # A pending sign-out is used once; an unsigned LogoutResponse is audited as failed.
    again = env.http.post(slo, data={"SAMLResponse": env.idp.logout_response(destination=slo, in_response_to=req["id"]), "RelayState": req["relay_state"]}, allow_redirects=False, timeout=30)
    assert again.status_code == 400
    env.sign_in(name_id="lara")
    r = env.http.get(f"{env.base}/logout", params={"client_id": env.client_id, "logout_uri": bye}, allow_redirects=False, timeout=30)
    req = env.idp.read_logout_request(r.headers["Location"], env.sp_cert)
    unsigned = env.idp.logout_response(destination=slo, in_response_to=req["id"], sign=False)
    done = env.http.post(slo, data={"SAMLResponse": unsigned, "RelayState": req["relay_state"]}, allow_redirects=False, timeout=30)
    assert done.status_code == 302
    events = [json.loads(line) for line in cli(server, "events", "--pool", env.pool_id, "--json").splitlines()]
    assert events[0]["kind"] == "sign_out.failed"
    # The IdP may answer over the HTTP-Redirect binding instead, with a query signature.
    env.sign_in(name_id="lara")
    r = env.http.get(f"{env.base}/logout", params={"client_id": env.client_id, "logout_uri": bye}, allow_redirects=False, timeout=30)
    req = env.idp.read_logout_request(r.headers["Location"], env.sp_cert)
    query = env.idp.logout_response_query(destination=slo, in_response_to=req["id"], relay_state=req["relay_state"])
    done = env.http.get(f"{slo}?{query}", allow_redirects=False, timeout=30)
    assert done.status_code == 302 and done.headers["Location"] == bye
    events = [json.loads(line) for line in cli(server, "events", "--pool", env.pool_id, "--json").splitlines()]
    assert events[0]["kind"] == "sign_out.completed"
    # logout_uri must be registered.
    r = env.http.get(f"{env.base}/logout", params={"client_id": env.client_id, "logout_uri": "https://evil.example/"}, allow_redirects=False, timeout=30)
    assert r.status_code == 400


def test_idp_initiated_logout(env, server):
    slo = f"{env.base}/saml2/logout"
    tokens = tokens_for(env, "mona")
    query, rid = env.idp.logout_request(destination=slo, name_id="mona", relay_state="rs-1")
    r = env.http.get(f"{slo}?{query}", allow_redirects=False, timeout=30)
    assert r.status_code == 302, r.text
    answer = env.idp.read_logout_response(r.headers["Location"], env.sp_cert)
    assert answer["in_response_to"] == rid and answer["status"].endswith(":Success") and answer["relay_state"] == "rs-1"
    assert answer["issuer"] == f"urn:amazon:cognito:sp:{env.pool_id}"
    # The user's session from Corp is over: no silent sign-in, no refresh.
    assert env.authorize(identity_provider="Corp").headers["Location"].startswith(env.idp.sso_url)
    refused = env.token({"grant_type": "refresh_token", "client_id": env.client_id, "refresh_token": tokens["refresh_token"]})
    assert refused.status_code == 400
    kinds = [json.loads(line)["kind"] for line in cli(server, "events", "--pool", env.pool_id, "--json").splitlines()]
    assert kinds[0] == "sign_out.idp_initiated"
    # The same request again, an unsigned one, and one signed by another key are refused.
    assert env.http.get(f"{slo}?{query}", allow_redirects=False, timeout=30).status_code == 400
    unsigned, _ = env.idp.logout_request(destination=slo, name_id="mona", sign=False)
    assert env.http.get(f"{slo}?{unsigned}", allow_redirects=False, timeout=30).status_code == 400
    forged, _ = SamlTestIdP(entity_id=env.idp.entity_id).logout_request(destination=slo, name_id="mona")
    assert env.http.get(f"{slo}?{forged}", allow_redirects=False, timeout=30).status_code == 400
    # Reordered parameters change the signed bytes.
    parts = query.split("&")
    reordered = "&".join([parts[1], parts[0]] + parts[2:])
    assert env.http.get(f"{slo}?{reordered}", allow_redirects=False, timeout=30).status_code == 400
    # HTTP-POST binding, signed by signxml.
    env.http.cookies.clear()
    tokens_for(env, "mona")
    posted, rid = env.idp.logout_request(destination=slo, name_id="mona", binding="post")
    r = env.http.post(slo, data={"SAMLRequest": posted, "RelayState": "rs-2"}, allow_redirects=False, timeout=30)
    assert r.status_code == 302, r.text
    assert env.idp.read_logout_response(r.headers["Location"], env.sp_cert)["in_response_to"] == rid


def test_idp_identifier_and_unsupported_provider(env, cognito):
    # idp_identifier routes to the provider that owns it.
    r = env.authorize(idp_identifier="corp.example")
    assert r.status_code == 302 and r.headers["Location"].startswith(env.idp.sso_url)
    q, _ = query_of(env.authorize(idp_identifier="nobody.example", state="s").headers["Location"])
    assert q["error"] == "invalid_request" and q["state"] == "s"
    # A provider the client does not list is refused, even though the pool has it.
    other = SamlTestIdP()
    cognito.create_identity_provider(UserPoolId=env.pool_id, ProviderName="Other", ProviderType="SAML", ProviderDetails={"MetadataFile": other.metadata()})
    q, _ = query_of(env.authorize(identity_provider="Other").headers["Location"])
    assert q["error"] == "invalid_request" and "not enabled" in q["error_description"]
    # A response_type the client may not use.
    q, _ = query_of(env.http.get(f"{env.base}/oauth2/authorize", params={"response_type": "token", "client_id": env.secret_client_id, "redirect_uri": CALLBACK, "identity_provider": "Corp"}, allow_redirects=False, timeout=30).headers["Location"])
    assert q["error"] == "unauthorized_client"


def test_client_credentials(env, cognito):
    cognito.create_resource_server(UserPoolId=env.pool_id, Identifier="https://api.example.test", Name="api",
                                   Scopes=[{"ScopeName": "read", "ScopeDescription": "read"}, {"ScopeName": "write", "ScopeDescription": "write"}])
    m2m = cognito.create_user_pool_client(
        UserPoolId=env.pool_id, ClientName="m2m", GenerateSecret=True, AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=["https://api.example.test/read"], AllowedOAuthFlowsUserPoolClient=True,
    )["UserPoolClient"]
    auth = (m2m["ClientId"], m2m["ClientSecret"])
    t = env.token({"grant_type": "client_credentials"}, auth=auth)
    assert t.status_code == 200, t.text
    body = t.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    claims = env.verify(body["access_token"])
    assert claims["token_use"] == "access" and claims["client_id"] == m2m["ClientId"] and claims["sub"] == m2m["ClientId"]
    assert claims["scope"] == "https://api.example.test/read"
    bad_scope = env.token({"grant_type": "client_credentials", "scope": "https://api.example.test/write"}, auth=auth)
    assert bad_scope.status_code == 400 and bad_scope.json()["error"] == "invalid_scope"
    wrong = env.token({"grant_type": "client_credentials"}, auth=(m2m["ClientId"], "x" * 51))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    # A user-facing client may not use the grant.
    denied = env.token({"grant_type": "client_credentials"}, auth=(env.secret_client_id, env.secret))
    assert denied.status_code == 400 and denied.json()["error"] == "unauthorized_client"
    assert env.token({"grant_type": "password"}, auth=auth).json()["error"] == "unsupported_grant_type"


def test_attributes_update_on_every_sign_in(env, cognito):
    env.sign_in(name_id="nina", attributes={EMAIL: ["nina@corp.example"], "urn:oid:2.5.4.42": ["Nina"], "department": ["eng"]})
    env.http.cookies.clear()
    env.sign_in(name_id="nina", attributes={EMAIL: ["nina@corp.example"], "urn:oid:2.5.4.42": ["Nora"]})
    a = attrs(cognito.admin_get_user(UserPoolId=env.pool_id, Username="Corp_nina")["UserAttributes"])
    assert a["given_name"] == "Nora", "a changed value is written"
    assert a["custom:dept"] == "eng", "an attribute the assertion left out keeps its value"
    env.http.cookies.clear()
    claims = id_claims(env, env.sign_in(name_id="nina", attributes={EMAIL: ["nina@corp.example"], "urn:oid:2.5.4.42": ["Nora"]}))
    assert claims["given_name"] == "Nora" and claims["cognito:username"] == "Corp_nina"
