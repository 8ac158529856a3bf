"""A SAML identity provider for tests, built only from software we did not write: keys and
certificates from `cryptography`, XML from `lxml`, signatures from `signxml`. It reads Cirrus's
AuthnRequest from the HTTP-Redirect URL (checking the query signature with `cryptography`) and
answers it with a signed Response, as a real IdP would."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import urllib.parse
import zlib

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner, methods

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"


def _instant(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class SamlTestIdP:
    __test__ = False
    """One IdP: its key, certificate, metadata, and the Responses it signs."""

    def __init__(self, entity_id: str | None = None, base: str = "https://idp.example.test", valid_days: int = 365):
        self.entity_id = entity_id or f"{base}/saml/{secrets.token_hex(4)}"
        self.sso_url = f"{base}/sso"
        self.slo_url = f"{base}/slo"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.example.test")])
        now = dt.datetime.now(dt.timezone.utc)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=valid_days))
            .sign(self.key, hashes.SHA256())
        )
        self.key_pem = self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.cert_pem = self.cert.public_bytes(serialization.Encoding.PEM)
        self.cert_b64 = base64.b64encode(self.cert.public_bytes(serialization.Encoding.DER)).decode()

    def metadata(self) -> str:
        return (
            f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            f'xmlns:ds="{DS}" entityID="{self.entity_id}">'
            f'<md:IDPSSODescriptor protocolSupportEnumeration="{SAMLP}">'
            f'<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{self.cert_b64}'
            f"</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
            f'<md:SingleLogoutService Binding="{REDIRECT}" Location="{self.slo_url}"/>'
            f"<md:NameIDFormat>{PERSISTENT}</md:NameIDFormat>"
            f'<md:SingleSignOnService Binding="{REDIRECT}" Location="{self.sso_url}"/>'
            f'<md:SingleSignOnService Binding="{POST}" Location="{self.sso_url}/post"/>'
            f"</md:IDPSSODescriptor></md:EntityDescriptor>"
        )

    def read_authn_request(self, location: str, sp_certificate_b64: str | None = None) -> dict:
        """Parses the AuthnRequest in a redirect URL. With the SP's certificate, the query
        signature must verify over the exact bytes the binding signs."""
        assert location.startswith(self.sso_url + "?"), location
        raw_query = location.split("?", 1)[1]
        params = dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))
        xml = zlib.decompress(base64.b64decode(params["SAMLRequest"]), -15)
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
        assert root.tag == f"{{{SAMLP}}}AuthnRequest", root.tag
        signed = "Signature" in params
        if sp_certificate_b64 is not None:
            assert signed, "the AuthnRequest redirect is not signed"
            assert params["SigAlg"] == RSA_SHA256
            signed_part = raw_query.split("&Signature=", 1)[0]
            cert = x509.load_der_x509_certificate(base64.b64decode(sp_certificate_b64))
            try:
                cert.public_key().verify(
                    base64.b64decode(params["Signature"]), signed_part.encode(), padding.PKCS1v15(), hashes.SHA256()
                )
            except InvalidSignature as e:  # pragma: no cover - reported as a test failure
                raise AssertionError("the AuthnRequest redirect signature does not verify") from e
        policy = root.find(f"{{{SAMLP}}}NameIDPolicy")
        return {
            "id": root.get("ID"),
            "acs": root.get("AssertionConsumerServiceURL"),
            "destination": root.get("Destination"),
            "binding": root.get("ProtocolBinding"),
            "issuer": root.findtext(f"{{{SAML}}}Issuer"),
            "force_authn": root.get("ForceAuthn") == "true",
            "name_id_format": policy.get("Format") if policy is not None else None,
            "relay_state": params.get("RelayState"),
            "signed": signed,
        }

    def read_logout_request(self, location: str, sp_certificate_b64: str) -> dict:
        """Parses and checks the signed LogoutRequest in a redirect to this IdP's SLO URL."""
        assert location.startswith(self.slo_url + "?"), location
        raw_query = location.split("?", 1)[1]
        params = dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))
        xml = zlib.decompress(base64.b64decode(params["SAMLRequest"]), -15)
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
        assert root.tag == f"{{{SAMLP}}}LogoutRequest", root.tag
        assert params["SigAlg"] == RSA_SHA256, "logout requests are always signed"
        cert = x509.load_der_x509_certificate(base64.b64decode(sp_certificate_b64))
        cert.public_key().verify(
            base64.b64decode(params["Signature"]), raw_query.split("&Signature=", 1)[0].encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        return {
            "id": root.get("ID"),
            "destination": root.get("Destination"),
            "issuer": root.findtext(f"{{{SAML}}}Issuer"),
            "name_id": root.findtext(f"{{{SAML}}}NameID"),
            "session_index": root.findtext(f"{{{SAMLP}}}SessionIndex"),
            "relay_state": params.get("RelayState"),
        }

    def logout_request(self, *, destination: str, name_id: str, relay_state: str | None = None,
                       binding: str = "redirect", sign: bool = True) -> tuple[str, str]:
        """An IdP-initiated LogoutRequest. Redirect: returns (query string, request ID) with the
        query signature (RSA-SHA256 with `cryptography`) over the exact bytes. POST: returns
        (base64 SAMLRequest signed with signxml, request ID)."""
        now = dt.datetime.now(dt.timezone.utc)
        rid = "_lq" + secrets.token_hex(16)
        xml = (
            f'<samlp:LogoutRequest xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="{rid}" Version="2.0" '
            f'IssueInstant="{_instant(now)}" Destination="{_esc(destination)}">'
            f"<saml:Issuer>{_esc(self.entity_id)}</saml:Issuer>"
            f'<saml:NameID Format="{PERSISTENT}">{_esc(name_id)}</saml:NameID>'
            f"<samlp:SessionIndex>_s1</samlp:SessionIndex></samlp:LogoutRequest>"
        )
        if binding == "post":
            if sign:
                xml = self._sign(xml, rid)
            return base64.b64encode(xml.encode()).decode(), rid
        deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
        raw = deflater.compress(xml.encode()) + deflater.flush()
        q = "SAMLRequest=" + urllib.parse.quote(base64.b64encode(raw).decode(), safe="")
        if relay_state is not None:
            q += "&RelayState=" + urllib.parse.quote(relay_state, safe="")
        if sign:
            q += "&SigAlg=" + urllib.parse.quote(RSA_SHA256, safe="")
            sig = self.key.sign(q.encode(), padding.PKCS1v15(), hashes.SHA256())
            q += "&Signature=" + urllib.parse.quote(base64.b64encode(sig).decode(), safe="")
        return q, rid

    def read_logout_response(self, location: str, sp_certificate_b64: str) -> dict:
        """Parses and checks the signed LogoutResponse in a redirect to this IdP's SLO URL."""
        assert location.startswith(self.slo_url + "?"), location
        raw_query = location.split("?", 1)[1]
        params = dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))
        xml = zlib.decompress(base64.b64decode(params["SAMLResponse"]), -15)
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
        assert root.tag == f"{{{SAMLP}}}LogoutResponse", root.tag
        cert = x509.load_der_x509_certificate(base64.b64decode(sp_certificate_b64))
        cert.public_key().verify(
            base64.b64decode(params["Signature"]), raw_query.split("&Signature=", 1)[0].encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        status = root.find(f"{{{SAMLP}}}Status/{{{SAMLP}}}StatusCode").get("Value")
        return {"in_response_to": root.get("InResponseTo"), "status": status, "relay_state": params.get("RelayState"),
                "issuer": root.findtext(f"{{{SAML}}}Issuer")}

    def logout_response_query(self, *, destination: str, in_response_to: str, relay_state: str) -> str:
        """A LogoutResponse for the HTTP-Redirect binding: the query string, signed over its
        exact bytes (RSA-SHA256 with `cryptography`)."""
        now = dt.datetime.now(dt.timezone.utc)
        xml = (
            f'<samlp:LogoutResponse xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="_lr{secrets.token_hex(16)}" Version="2.0" '
            f'IssueInstant="{_instant(now)}" Destination="{_esc(destination)}" InResponseTo="{in_response_to}">'
            f"<saml:Issuer>{_esc(self.entity_id)}</saml:Issuer>"
            f'<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
            f"</samlp:LogoutResponse>"
        )
        deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
        raw = deflater.compress(xml.encode()) + deflater.flush()
        q = "SAMLResponse=" + urllib.parse.quote(base64.b64encode(raw).decode(), safe="")
        q += "&RelayState=" + urllib.parse.quote(relay_state, safe="")
        q += "&SigAlg=" + urllib.parse.quote(RSA_SHA256, safe="")
        sig = self.key.sign(q.encode(), padding.PKCS1v15(), hashes.SHA256())
        return q + "&Signature=" + urllib.parse.quote(base64.b64encode(sig).decode(), safe="")

    def logout_response(self, *, destination: str, in_response_to: str, sign: bool = True) -> str:
        """A base64 LogoutResponse (HTTP-POST binding), signed with signxml unless told not to."""
        now = dt.datetime.now(dt.timezone.utc)
        rid = "_lr" + secrets.token_hex(16)
        xml = (
            f'<samlp:LogoutResponse xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="{rid}" Version="2.0" '
            f'IssueInstant="{_instant(now)}" Destination="{_esc(destination)}" InResponseTo="{in_response_to}">'
            f"<saml:Issuer>{_esc(self.entity_id)}</saml:Issuer>"
            f'<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
            f"</samlp:LogoutResponse>"
        )
        if sign:
            xml = self._sign(xml, rid)
        return base64.b64encode(xml.encode()).decode()

    def response(
        self,
        *,
        acs: str,
        audience: str,
        name_id: str,
        in_response_to: str | None = None,
        attributes: dict[str, list[str]] | None = None,
        friendly_names: dict[str, str] | None = None,
        issuer: str | None = None,
        lifetime: int = 300,
        now: dt.datetime | None = None,
        sign_with=None,
        encrypt_to: str | None = None,
    ) -> str:
        """A base64 SAMLResponse whose Assertion is signed (signxml, RSA-SHA256, exc-c14n)."""
        now = now or dt.datetime.now(dt.timezone.utc)
        issuer = issuer or self.entity_id
        rid, aid = "_r" + secrets.token_hex(16), "_a" + secrets.token_hex(16)
        irt = f' InResponseTo="{in_response_to}"' if in_response_to else ""
        attrs = ""
        for name, values in (attributes or {}).items():
            friendly = (friendly_names or {}).get(name)
            fn = f' FriendlyName="{friendly}"' if friendly else ""
            vals = "".join(f"<saml:AttributeValue>{_esc(v)}</saml:AttributeValue>" for v in values)
            attrs += f'<saml:Attribute Name="{_esc(name)}"{fn}>{vals}</saml:Attribute>'
        statement = f"<saml:AttributeStatement>{attrs}</saml:AttributeStatement>" if attrs else ""
        assertion = (
            f'<saml:Assertion xmlns:saml="{SAML}" ID="{aid}" Version="2.0" IssueInstant="{_instant(now)}">'
            f"<saml:Issuer>{_esc(issuer)}</saml:Issuer>"
            f'<saml:Subject><saml:NameID Format="{PERSISTENT}">{_esc(name_id)}</saml:NameID>'
            f'<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
            f'<saml:SubjectConfirmationData{irt} NotOnOrAfter="{_instant(now + dt.timedelta(seconds=lifetime))}" Recipient="{_esc(acs)}"/>'
            f"</saml:SubjectConfirmation></saml:Subject>"
            f'<saml:Conditions NotBefore="{_instant(now - dt.timedelta(seconds=30))}" NotOnOrAfter="{_instant(now + dt.timedelta(seconds=lifetime))}">'
            f"<saml:AudienceRestriction><saml:Audience>{_esc(audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>"
            f'<saml:AuthnStatement AuthnInstant="{_instant(now)}" SessionIndex="_s{secrets.token_hex(8)}">'
            f"<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
            f"</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>{statement}</saml:Assertion>"
        )
        signed_assertion = self._sign(assertion, aid, sign_with)
        if encrypt_to is not None:
            signed_assertion = encrypt_assertion(signed_assertion, encrypt_to)
        response = (
            f'<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="{rid}" Version="2.0" '
            f'IssueInstant="{_instant(now)}" Destination="{_esc(acs)}"{irt}>'
            f"<saml:Issuer>{_esc(issuer)}</saml:Issuer>"
            f'<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
            f"{signed_assertion}</samlp:Response>"
        )
        return base64.b64encode(response.encode()).decode()

    def _sign(self, assertion_xml: str, ref: str, sign_with=None) -> str:
        key_pem, cert_pem = (self.key_pem, self.cert_pem) if sign_with is None else sign_with
        root = etree.fromstring(assertion_xml.encode(), etree.XMLParser(resolve_entities=False, no_network=True))
        issuer = root.find(f"{{{SAML}}}Issuer")
        issuer.addnext(etree.Element(f"{{{DS}}}Signature", nsmap={"ds": DS}, Id="placeholder"))
        signer = XMLSigner(method=methods.enveloped, signature_algorithm="rsa-sha256", digest_algorithm="sha256", c14n_algorithm=EXC)
        signer.namespaces = {"ds": DS}
        signed = signer.sign(root, key=key_pem, cert=cert_pem, reference_uri=ref, id_attribute="ID")
        return etree.tostring(signed, encoding="unicode")


XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"


def encrypt_assertion(assertion_xml: str, certificate_b64: str) -> str:
    """XML-Enc 1.1 with Python cryptography: AES-256-GCM for the data, RSA-OAEP (SHA-256,
    MGF1-SHA-256) for the key, to the SP's encryption certificate."""
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    cert = x509.load_der_x509_certificate(base64.b64decode(certificate_b64))
    key, iv = os.urandom(32), os.urandom(12)
    data = iv + AESGCM(key).encrypt(iv, assertion_xml.encode(), None)
    wrapped = cert.public_key().encrypt(key, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
    b = lambda x: base64.b64encode(x).decode()
    return (
        f'<saml:EncryptedAssertion xmlns:saml="{SAML}">'
        f'<xenc:EncryptedData xmlns:xenc="{XENC}" Type="{XENC}Element">'
        f'<xenc:EncryptionMethod Algorithm="{XENC11}aes256-gcm"/>'
        f'<ds:KeyInfo xmlns:ds="{DS}"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="{XENC11}rsa-oaep">'
        f'<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
        f'<xenc11:MGF xmlns:xenc11="{XENC11}" Algorithm="{XENC11}mgf1sha256"/></xenc:EncryptionMethod>'
        f"<xenc:CipherData><xenc:CipherValue>{b(wrapped)}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>"
        f"<xenc:CipherData><xenc:CipherValue>{b(data)}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>"
        f"</saml:EncryptedAssertion>"
    )


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
