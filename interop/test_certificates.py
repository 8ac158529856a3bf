"""Certificate expiry, seen by operators: `cirrus saml certificates` lists every SAML certificate
(IdP signing from metadata, the pool's SP signing certificate, each provider's SP encryption
certificate) soonest first and exits 1 when one needs attention; `/metrics` publishes each as
`cirrus_saml_certificate_not_after_timestamp_seconds`. Checked against certificates made here
with Python's `cryptography` and read back with the independent Prometheus parser."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import time

import requests
from cryptography import x509
from prometheus_client.parser import text_string_to_metric_families

from conftest import cirrus_bin, make_client
from idp import SamlTestIdP
from support import unique

GAUGE = "cirrus_saml_certificate_not_after_timestamp_seconds"


def fp(value: str) -> str:
    """A fingerprint as bare lower-case hex (Cirrus shows the usual colon-separated form)."""
    return value.replace(":", "").lower()


def certificates(store, *args):
    return subprocess.run([cirrus_bin(), "saml", "certificates", *args, *store.args()],
                          capture_output=True, text=True, timeout=60)


def der_of(text: str) -> bytes:
    """DER of a certificate given as PEM or bare base64."""
    if "-----BEGIN" in text:
        return x509.load_pem_x509_certificate(text.encode()).public_bytes(encoding=_der())
    return base64.b64decode("".join(text.split()))


def _der():
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.DER


def setup(srv):
    cognito = make_client(srv.url)
    pool = cognito.create_user_pool(PoolName=unique("certs"))["UserPool"]["Id"]
    soon, later = SamlTestIdP(valid_days=10), SamlTestIdP(valid_days=400)
    for name, idp in (("Soon", soon), ("Later", later)):
        cognito.create_identity_provider(UserPoolId=pool, ProviderName=name, ProviderType="SAML",
                                         ProviderDetails={"MetadataFile": idp.metadata()})
    return cognito, pool, soon, later


def test_cli_lists_every_certificate_soonest_first(fresh_store, launch):
    store = fresh_store()
    srv = launch(store)
    cognito, pool, soon, later = setup(srv)
    p = certificates(store, "--pool", pool, "--json")
    assert p.returncode == 1, "a certificate expiring within 30 days needs attention:\n" + p.stdout + p.stderr
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert [r["not_after"] for r in rows] == sorted(r["not_after"] for r in rows), "soonest first"
    idp = {r["provider"]: r for r in rows if r["role"] == "idp_signing"}
    for name, made in (("Soon", soon), ("Later", later)):
        der = made.cert.public_bytes(_der())
        assert fp(idp[name]["fingerprint"]) == hashlib.sha256(der).hexdigest()
        assert idp[name]["not_after"] == int(made.cert.not_valid_after_utc.timestamp())
        assert idp[name]["pool_id"] == pool
    assert idp["Soon"]["days_left"] in (9, 10) and idp["Later"]["days_left"] in (399, 400)
    sp = [r for r in rows if r["role"] == "sp_signing"]
    sp_der = der_of(cognito.get_signing_certificate(UserPoolId=pool)["Certificate"])
    assert len(sp) == 1 and fp(sp[0]["fingerprint"]) == hashlib.sha256(sp_der).hexdigest()
    enc = {r["provider"]: r for r in rows if r["role"] == "sp_encryption"}
    for name in ("Soon", "Later"):
        details = cognito.describe_identity_provider(UserPoolId=pool, ProviderName=name)["IdentityProvider"]["ProviderDetails"]
        active = details["ActiveEncryptionCertificate"]
        assert fp(enc[name]["fingerprint"]) == hashlib.sha256(der_of(active)).hexdigest()
    # Nothing within 5 days: all is well.
    assert certificates(store, "--pool", pool, "--warn-days", "5").returncode == 0
    # The table names the providers; an unknown pool is an error (exit 2), not "all well".
    table = certificates(store, "--pool", pool, "--warn-days", "5").stdout
    assert "Soon" in table and "idp_signing" in table
    missing = certificates(store, "--pool", "us-east-1_nothere00")
    assert missing.returncode == 2 and "nothere" in missing.stderr


def test_metrics_publish_each_certificate_expiry(fresh_store, launch):
    store = fresh_store()
    first = launch(store)
    _, pool, soon, later = setup(first)
    assert first.stop() == 0
    # A server publishes certificate expiries when it starts and every ten minutes after.
    srv = launch(store)
    deadline = time.monotonic() + 30
    series = {}
    while time.monotonic() < deadline and len(series) < 2:
        text = requests.get(f"{srv.url}/metrics", timeout=10).text
        series = {
            s.labels["provider"]: s
            for family in text_string_to_metric_families(text)
            for s in family.samples
            if s.name == GAUGE and s.labels.get("pool_id") == pool and s.labels.get("role") == "idp_signing"
        }
        time.sleep(0.2)
    assert set(series) == {"Soon", "Later"}, series
    for name, made in (("Soon", soon), ("Later", later)):
        assert series[name].value == int(made.cert.not_valid_after_utc.timestamp())
        der = made.cert.public_bytes(_der())
        assert fp(series[name].labels["fingerprint"]) == hashlib.sha256(der).hexdigest()
