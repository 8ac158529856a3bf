"""Helpers shared by the interop tests: error assertions, IdP metadata made with `cryptography`,
raw AWS JSON 1.1 requests, and listing helpers."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import re
import secrets
import socket
from contextlib import contextmanager

import pytest
import requests
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

TARGET = "AWSCognitoIdentityProviderService."
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


def unique(prefix: str = "x") -> str:
    return f"{prefix}{secrets.token_hex(4)}"


@contextmanager
def aws_error(code: str, *contains: str, match: str | None = None):
    """Expects a ClientError with this `__type`; the message must contain each of `contains`."""
    with pytest.raises(ClientError) as info:
        yield info
    err = info.value.response["Error"]
    assert err["Code"] == code, f"expected {code}, got {err['Code']}: {err.get('Message')}"
    message = err.get("Message", "")
    for part in contains:
        assert part in message, f"message {message!r} does not contain {part!r}"
    if match:
        assert re.search(match, message), f"message {message!r} does not match {match!r}"


def raw_call(url: str, action: str | None, body, headers: dict | None = None, timeout: float = 30):
    """POSTs an AWS JSON 1.1 request without an SDK. `body` may be bytes, str or a JSON value."""
    h = {"Content-Type": "application/x-amz-json-1.1"}
    if action is not None:
        h["X-Amz-Target"] = TARGET + action
    h.update(headers or {})
    if isinstance(body, (bytes, bytearray)):
        data = bytes(body)
    elif isinstance(body, str):
        data = body.encode()
    else:
        data = json.dumps(body).encode()
    return requests.post(url + "/", data=data, headers=h, timeout=timeout)


def error_of(response) -> tuple[str, str]:
    """(`__type`, message) of an error response, checking the AWS JSON error shape."""
    assert response.headers.get("content-type", "").startswith("application/x-amz-json-1.1"), response.headers
    assert response.headers.get("x-amzn-requestid"), "error without x-amzn-RequestId"
    body = response.json()
    assert set(body) >= {"__type", "message"}, body
    assert response.headers.get("x-amzn-errortype", "").split(":")[0] == body["__type"]
    return body["__type"], body["message"]


def all_pages(call, items_key: str, token_in: str, token_out: str | None = None, **kw) -> tuple[list, list[int]]:
    """Follows a paginated operation; returns (all items, size of each page)."""
    token_out = token_out or token_in
    items, sizes, token = [], [], None
    for _ in range(1000):
        args = dict(kw)
        if token:
            args[token_in] = token
        out = call(**args)
        page = out.get(items_key, [])
        items.extend(page)
        sizes.append(len(page))
        token = out.get(token_out)
        if not token:
            return items, sizes
    raise AssertionError("pagination did not end")


def pool_ids(cognito) -> set[str]:
    items, _ = all_pages(cognito.list_user_pools, "UserPools", "NextToken", MaxResults=60)
    ids = [p["Id"] for p in items]
    assert len(ids) == len(set(ids)), "ListUserPools returned a pool twice"
    return set(ids)


def attrs(attribute_list) -> dict:
    return {a["Name"]: a.get("Value") for a in attribute_list}


# --------------------------------------------------------------------------------------------
# Certificates and IdP metadata
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.lru_cache(maxsize=None)
def _ec_key():
    return ec.generate_private_key(ec.SECP256R1())


@functools.lru_cache(maxsize=None)
def certificate(cn: str = "idp.example.com", expired: bool = False, kind: str = "rsa") -> str:
    """A self-signed certificate, base64 DER (the form metadata carries)."""
    key = _rsa_key() if kind == "rsa" else _ec_key()
    now = dt.datetime.now(dt.timezone.utc)
    if expired:
        not_before, not_after = now - dt.timedelta(days=400), now - dt.timedelta(days=30)
    else:
        not_before, not_after = now - dt.timedelta(days=1), now + dt.timedelta(days=365)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def load_certificate(text: str) -> x509.Certificate:
    """Parses a certificate given as PEM or bare base64 DER."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        return x509.load_pem_x509_certificate(text.encode())
    return x509.load_der_x509_certificate(base64.b64decode(text))


def idp_metadata(
    entity_id: str = "https://idp.example.com/saml",
    sso_redirect: str | None = "https://idp.example.com/sso/redirect",
    sso_post: str | None = "https://idp.example.com/sso/post",
    slo_redirect: str | None = "https://idp.example.com/slo/redirect",
    signing: bool = True,
    signing_cert: str | None = None,
    encryption_cert: str | None = None,
    descriptor: bool = True,
    doctype: str = "",
    valid_until: str | None = None,
) -> str:
    """An IdP's SAML 2.0 metadata, varied to test each rule."""
    keys = ""
    if signing:
        keys += _key_descriptor("signing", signing_cert or certificate())
    if encryption_cert:
        keys += _key_descriptor("encryption", encryption_cert)
    services = ""
    if slo_redirect:
        services += f'    <md:SingleLogoutService Binding="{REDIRECT}" Location="{slo_redirect}"/>\n'
    services += "    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>\n"
    if sso_redirect:
        services += f'    <md:SingleSignOnService Binding="{REDIRECT}" Location="{sso_redirect}"/>\n'
    if sso_post:
        services += f'    <md:SingleSignOnService Binding="{POST}" Location="{sso_post}"/>\n'
    body = ""
    if descriptor:
        body = (
            '  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" '
            'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">\n'
            f"{keys}{services}  </md:IDPSSODescriptor>\n"
        )
    else:
        body = (
            '  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">\n'
            f'    <md:AssertionConsumerService Binding="{POST}" Location="https://sp.example.com/acs" index="0"/>\n'
            "  </md:SPSSODescriptor>\n"
        )
    until = f' validUntil="{valid_until}"' if valid_until else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"{doctype}"
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}"{until}>\n'
        f"{body}"
        "</md:EntityDescriptor>\n"
    )


def _key_descriptor(use: str, cert_b64: str) -> str:
    return (
        f'    <md:KeyDescriptor use="{use}">\n'
        "      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>"
        f"{cert_b64}"
        "</ds:X509Certificate></ds:X509Data></ds:KeyInfo>\n"
        "    </md:KeyDescriptor>\n"
    )


def saml_provider(cognito, pool_id: str, name: str | None = None, metadata: str | None = None, **kw) -> dict:
    """Creates a SAML provider from a MetadataFile; extra ProviderDetails via `details`."""
    details = {"MetadataFile": metadata or idp_metadata()}
    details.update(kw.pop("details", {}))
    return cognito.create_identity_provider(
        UserPoolId=pool_id,
        ProviderName=name or unique("Corp"),
        ProviderType="SAML",
        ProviderDetails=details,
        **kw,
    )["IdentityProvider"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
