"""IdP certificate rollover with MetadataURL: the IdP publishes a new signing key; until Cirrus
fetches its metadata again, responses signed with the new key are refused; `cirrus saml
refresh-metadata` (another process, beside the running server) fetches it now, and the running
server obeys it on its next request. A document that no longer passes the checks is not taken:
sign-ins keep working on the last good metadata and the failure is in the audit trail."""

from __future__ import annotations

import json
import subprocess
import urllib.parse

import requests

from conftest import cirrus_bin, make_client
from idp import SamlTestIdP
from support import unique

CALLBACK = "https://app.example.test/cb"


def refresh(store, *args):
    return subprocess.run([cirrus_bin(), "saml", "refresh-metadata", "--allow-insecure-metadata-urls", *args, *store.args()],
                          capture_output=True, text=True, timeout=60)


class Tenant:
    def __init__(self, srv, url):
        c = make_client(srv.url)
        self.pool = c.create_user_pool(PoolName=unique("rollover"))["UserPool"]["Id"]
        self.prefix = unique("roll-")
        c.create_user_pool_domain(UserPoolId=self.pool, Domain=self.prefix)
        c.create_identity_provider(UserPoolId=self.pool, ProviderName="Corp", ProviderType="SAML",
                                   ProviderDetails={"MetadataURL": url})
        self.client_id = c.create_user_pool_client(
            UserPoolId=self.pool, ClientName="spa", SupportedIdentityProviders=["Corp"], CallbackURLs=[CALLBACK],
            AllowedOAuthFlows=["code"], AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthScopes=["openid"],
        )["UserPoolClient"]["ClientId"]
        self.base = f"{srv.url}/domain/{self.prefix}"

    def sign_in(self, idp: SamlTestIdP, name_id: str) -> dict:
        http = requests.Session()
        r = http.get(f"{self.base}/oauth2/authorize", params={
            "response_type": "code", "client_id": self.client_id, "redirect_uri": CALLBACK, "identity_provider": "Corp",
        }, allow_redirects=False, timeout=30)
        assert r.status_code == 302, r.text
        req = idp.read_authn_request(r.headers["Location"])
        saml = idp.response(acs=req["acs"], audience=f"urn:amazon:cognito:sp:{self.pool}",
                            in_response_to=req["id"], name_id=name_id, attributes={})
        r = http.post(f"{self.base}/saml2/idpresponse", data={"SAMLResponse": saml, "RelayState": req["relay_state"]},
                      allow_redirects=False, timeout=30)
        assert r.status_code == 302, r.text
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r.headers["Location"]).query))


def test_rollover_is_taken_by_refresh_metadata(fresh_store, launch, metadata_site):
    base, documents = metadata_site
    old = SamlTestIdP()
    new = SamlTestIdP(entity_id=old.entity_id)  # same IdP, new signing key
    documents["/md.xml"] = old.metadata()
    store = fresh_store()
    srv = launch(store, "--allow-insecure-metadata-urls")
    t = Tenant(srv, f"{base}/md.xml")
    assert "code" in t.sign_in(old, "before")

    # The IdP rolls its key over; Cirrus still holds the old metadata.
    documents["/md.xml"] = new.metadata()
    refused = t.sign_in(new, "during")
    assert refused.get("error") == "server_error" and "(signature)" in refused.get("error_description", ""), refused

    p = refresh(store, "--pool", t.pool)
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"refreshed {t.pool}/Corp" in p.stdout
    assert "code" in t.sign_in(new, "after"), "the running server uses the new metadata at once"
    assert t.sign_in(old, "stale").get("error") == "server_error", "the old key no longer signs for this IdP"

    # A broken document is refused; the last good metadata stays in force, and it is audited.
    documents["/md.xml"] = "<not-metadata/>"
    p = refresh(store, "--pool", t.pool, "--provider", "Corp")
    assert p.returncode == 1, p.stdout + p.stderr
    assert f"kept the last good metadata of {t.pool}/Corp" in p.stdout
    assert "code" in t.sign_in(new, "still")
    events = subprocess.run([cirrus_bin(), "events", "--pool", t.pool, "--json", *store.args()],
                            capture_output=True, text=True, timeout=60)
    failed = [json.loads(line) for line in events.stdout.splitlines() if '"metadata.refresh_failed"' in line]
    assert failed and failed[0]["detail"]["provider"] == "Corp" and failed[0]["detail"]["url"] == f"{base}/md.xml"


def test_refresh_metadata_errors(fresh_store, launch, metadata_site):
    base, documents = metadata_site
    idp = SamlTestIdP()
    store = fresh_store()
    srv = launch(store, "--allow-insecure-metadata-urls")
    c = make_client(srv.url)
    pool = c.create_user_pool(PoolName=unique("errs"))["UserPool"]["Id"]
    c.create_identity_provider(UserPoolId=pool, ProviderName="FileIdp", ProviderType="SAML",
                               ProviderDetails={"MetadataFile": idp.metadata()})
    p = refresh(store, "--pool", pool, "--provider", "FileIdp")
    assert p.returncode == 2 and "MetadataFile, not MetadataURL" in p.stderr
    p = refresh(store, "--pool", pool, "--provider", "Nope")
    assert p.returncode == 2 and "Nope does not exist" in p.stderr
    p = refresh(store, "--pool", "us-east-1_Missing00")
    assert p.returncode == 2 and "does not exist" in p.stderr
    p = refresh(store, "--pool", pool)
    assert p.returncode == 0 and "no identity provider" in p.stdout
