"""Two `cirrus serve` nodes on one store, as behind a load balancer: every step of a sign-in may
land on either node, configuration changed through one node (or the CLI) is obeyed by the other
at once (each node caches parsed configuration behind the store's configuration version), and
tokens, refresh tokens, revocations and key rotations are shared.

Runs on PostgreSQL (the multi-node deployment) and on SQLite (two processes on one data
directory, as when the CLI writes beside a running server)."""

from __future__ import annotations

import subprocess
import urllib.parse

import jwt
import pytest
import requests

from conftest import cirrus_bin, make_client
from idp import SamlTestIdP
from support import free_port, unique

EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
CALLBACK = "https://app.example.test/cb"
LATER = "https://app.example.test/later"




class Cluster:
    """Nodes A and B on one store. B's public URL is A's (the load balancer's address), so both
    issue the same issuer and every redirect may be followed to either node."""

    def __init__(self, store, launch):
        self.store = store
        self.a = launch(store)
        port = free_port()
        self.b_url = f"http://127.0.0.1:{port}"
        self.b = launch(store, "--public-url", self.a.url, listen=f"127.0.0.1:{port}", health_url=self.b_url)
        self.public = self.a.url
        self.admin_a = make_client(self.a.url)
        self.admin_b = make_client(self.b_url)

    def node(self, name: str) -> str:
        return self.public if name == "a" else self.b_url


@pytest.fixture
def cluster(fresh_store, launch):
    return Cluster(fresh_store(), launch)


class Tenant:
    """A pool with a domain, a SAML provider (an independent signxml IdP) and a client, made
    through node A."""

    def __init__(self, c: Cluster):
        self.c = c
        admin = c.admin_a
        self.pool_id = admin.create_user_pool(PoolName=unique("multi"))["UserPool"]["Id"]
        self.prefix = unique("multi-")
        admin.create_user_pool_domain(UserPoolId=self.pool_id, Domain=self.prefix)
        self.idp = SamlTestIdP()
        admin.create_identity_provider(
            UserPoolId=self.pool_id, ProviderName="Corp", ProviderType="SAML",
            ProviderDetails={"MetadataFile": self.idp.metadata()},
            AttributeMapping={"email": EMAIL},
        )
        self.client_id = admin.create_user_pool_client(
            UserPoolId=self.pool_id, ClientName="spa", SupportedIdentityProviders=["Corp"],
            CallbackURLs=[CALLBACK], AllowedOAuthFlows=["code"], AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthScopes=["openid", "email"],
        )["UserPoolClient"]["ClientId"]
        self.issuer = f"{c.public}/{self.pool_id}"
        self.http = requests.Session()

    def base(self, node: str) -> str:
        return f"{self.c.node(node)}/domain/{self.prefix}"

    def authorize(self, node: str, redirect_uri: str = CALLBACK):
        return self.http.get(
            f"{self.base(node)}/oauth2/authorize",
            params={"response_type": "code", "client_id": self.client_id, "redirect_uri": redirect_uri,
                    "identity_provider": "Corp"},
            allow_redirects=False, timeout=30,
        )

    def sign_in(self, start: str, acs: str, name_id: str) -> str:
        """authorize on `start`, the IdP's answer posted to the ACS of `acs`; returns the code."""
        self.http.cookies.clear()
        r = self.authorize(start)
        assert r.status_code == 302, r.text
        req = self.idp.read_authn_request(r.headers["Location"])
        saml = self.idp.response(
            acs=req["acs"], audience=f"urn:amazon:cognito:sp:{self.pool_id}", in_response_to=req["id"],
            name_id=name_id, attributes={EMAIL: [f"{name_id}@corp.example"]},
        )
        r = self.http.post(f"{self.base(acs)}/saml2/idpresponse",
                           data={"SAMLResponse": saml, "RelayState": req["relay_state"]},
                           allow_redirects=False, timeout=30)
        assert r.status_code == 302, r.text
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r.headers["Location"]).query))
        assert "code" in q, q
        return q["code"]

    def token(self, node: str, data: dict) -> requests.Response:
        return self.http.post(f"{self.base(node)}/oauth2/token", data={"client_id": self.client_id, **data}, timeout=30)

    def verify(self, node: str, token: str) -> dict:
        keys = jwt.PyJWKClient(f"{self.c.node(node)}/{self.pool_id}/.well-known/jwks.json")
        key = keys.get_signing_key_from_jwt(token)
        return jwt.decode(token, key.key, algorithms=["RS256"], issuer=self.issuer, options={"verify_aud": False})


def cli(store, *args) -> str:
    p = subprocess.run([cirrus_bin(), *args, *store.args()], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_a_sign_in_may_cross_nodes_at_every_step(cluster):
    t = Tenant(cluster)
    code = t.sign_in(start="a", acs="b", name_id="alice")
    r = t.token("a", {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK})
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert t.verify("b", tokens["id_token"])["cognito:username"] == "Corp_alice"
    # The code was taken on A: B refuses it.
    again = t.token("b", {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    # The refresh token works on B; the user made on B's ACS is visible through A.
    r = t.token("b", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert r.status_code == 200, r.text
    assert t.verify("a", r.json()["access_token"])["username"] == "Corp_alice"
    user = cluster.admin_a.admin_get_user(UserPoolId=t.pool_id, Username="Corp_alice")
    assert user["UserStatus"] == "EXTERNAL_PROVIDER"


def test_configuration_changed_on_one_node_is_obeyed_by_the_other_at_once(cluster):
    t = Tenant(cluster)
    # B has read (and cached) the client, and refuses a callback the client does not list.
    assert t.authorize("b").status_code == 302
    refused = t.authorize("b", redirect_uri=LATER)
    assert refused.status_code == 400, refused.text
    # A changes the client; B's very next request follows the change.
    cluster.admin_a.update_user_pool_client(
        UserPoolId=t.pool_id, ClientId=t.client_id, SupportedIdentityProviders=["Corp"],
        CallbackURLs=[LATER], AllowedOAuthFlows=["code"], AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthScopes=["openid", "email"],
    )
    assert t.authorize("b", redirect_uri=LATER).status_code == 302
    assert t.authorize("b").status_code == 400
    # A provider removed from the client through B is refused by A at once.
    cluster.admin_b.update_user_pool_client(
        UserPoolId=t.pool_id, ClientId=t.client_id, SupportedIdentityProviders=[],
        CallbackURLs=[LATER], AllowedOAuthFlows=["code"], AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthScopes=["openid", "email"],
    )
    r = t.authorize("a", redirect_uri=LATER)
    assert r.status_code == 302, r.text
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r.headers["Location"]).query))
    assert q.get("error") == "invalid_request" and "not enabled" in q["error_description"], q
    # Deleting the domain through A takes the hosted UI off B too.
    cluster.admin_a.delete_user_pool_domain(UserPoolId=t.pool_id, Domain=t.prefix)
    assert t.authorize("b", redirect_uri=LATER).status_code == 404


def test_revocation_and_key_rotation_are_shared(cluster):
    t = Tenant(cluster)
    code = t.sign_in(start="b", acs="a", name_id="bob")
    tokens = t.token("b", {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}).json()
    old_kid = jwt.get_unverified_header(tokens["id_token"])["kid"]
    # Issue through B first so its key list is cached, then rotate with the CLI (a third process).
    assert t.token("b", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).status_code == 200
    assert "rotated" in cli(cluster.store, "keys", "rotate", "--pool", t.pool_id)
    r = t.token("b", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert r.status_code == 200, r.text
    new_kid = jwt.get_unverified_header(r.json()["id_token"])["kid"]
    assert new_kid != old_kid, "B signs with the rotated key on its next request"
    published = {k["kid"] for k in requests.get(f"{cluster.public}/{t.pool_id}/.well-known/jwks.json", timeout=30).json()["keys"]}
    assert {old_kid, new_kid} <= published
    assert t.verify("a", tokens["id_token"])["cognito:username"] == "Corp_bob", "old tokens still verify"
    # Revoked through A, the refresh token is dead on B.
    revoke = t.http.post(f"{t.base('a')}/oauth2/revoke", data={"token": tokens["refresh_token"], "client_id": t.client_id}, timeout=30)
    assert revoke.status_code == 200, revoke.text
    dead = t.token("b", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert dead.status_code == 400 and dead.json()["error"] == "invalid_grant"
