#!/usr/bin/env python3
"""Generates signed SAML Response fixtures for cirrus-saml with implementations we did not
write: the xmlsec1 command-line tool (libxmlsec1/OpenSSL) and Python signxml (cryptography).

Usage: python3 interop/saml/make_fixtures.py   (from the repository root)

Writes into crates/cirrus-saml/tests/fixtures/:
  keys/{idp-rsa,idp-ec256,idp-ec384,attacker-rsa,sp-rsa}.{key,crt}  test-only keys (created
      once) and certificates valid 2025-01-01..2125-01-01
  responses/<signer>_<what>_<alg>.xml                          signed responses
  responses/index.json                                         what each fixture is
  metadata/xmlsec1_signed_metadata.xml                         signed IdP metadata
Every fixture is also checked with `xmlsec1 --verify` against the IdP certificate.
The Rust tests (tests/interop_fixtures.rs, tests/response.rs) verify them with cirrus-saml.
"""
import json
import os
import subprocess
import sys
import tempfile

from lxml import etree
from signxml import XMLSigner, methods

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.path.join(ROOT, "crates", "cirrus-saml", "tests", "fixtures")
KEYS = os.path.join(FIX, "keys")
RESP = os.path.join(FIX, "responses")

DS = "http://www.w3.org/2000/09/xmldsig#"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
EXC_WC = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
ENV = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SIG_URI = {
    "rsa-sha1": "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    "rsa-sha256": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "rsa-sha384": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "rsa-sha512": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "ecdsa-sha256": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "ecdsa-sha384": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
}
DIG_URI = {
    "sha1": "http://www.w3.org/2000/09/xmldsig#sha1",
    "sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
    "sha384": "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "sha512": "http://www.w3.org/2001/04/xmlenc#sha512",
}

# Fixed scenario shared with the Rust tests (tests/common/mod.rs).
IDP = "https://idp.example.test/saml"
SP = "https://sp.example.test"
ACS = "https://sp.example.test/saml2/idpresponse"
REQ = "_req-4a1b2c3d"
ISSUE = "2026-01-01T00:00:00Z"
NOT_BEFORE = "2025-12-31T23:59:00Z"
NOT_AFTER = "2026-01-01T00:05:00Z"
SESSION_END = "2026-01-01T08:00:00Z"


def run(*args):
    subprocess.run(args, check=True, capture_output=True)


def ensure_keys():
    """Test keys (created once with openssl) and certificates with a fixed validity period,
    2025-01-01 to 2125-01-01, so that the fixed scenario time (2026-01-01) is inside it."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    os.makedirs(KEYS, exist_ok=True)
    specs = {
        "idp-rsa": ["rsa:2048"],
        "idp-ec256": ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "idp-ec384": ["ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
        "attacker-rsa": ["rsa:2048"],
        "sp-rsa": ["rsa:2048"],
    }
    for name, alg in specs.items():
        key_path = os.path.join(KEYS, name + ".key")
        crt_path = os.path.join(KEYS, name + ".crt")
        if not os.path.exists(key_path):
            run("openssl", "genpkey", "-algorithm", alg[0].split(":")[0], *(
                ["-pkeyopt", "rsa_keygen_bits:2048"] if alg[0].startswith("rsa") else alg[1:]),
                "-out", key_path)
        if os.path.exists(crt_path):
            continue
        with open(key_path, "rb") as f:
            key = serialization.load_pem_private_key(f.read(), password=None)
        # The attacker clones the IdP's subject (CERT-2).
        cn = "sp.example.test" if name == "sp-rsa" else "idp.example.test"
        org = "Cirrus Test SP" if name == "sp-rsa" else "Cirrus Test IdP"
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)])
        digest = hashes.SHA384() if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp384r1" else hashes.SHA256()
        cert = (x509.CertificateBuilder()
                .subject_name(subject).issuer_name(subject)
                .public_key(key.public_key())
                .serial_number(1)
                .not_valid_before(datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc))
                .not_valid_after(datetime.datetime(2125, 1, 1, tzinfo=datetime.timezone.utc))
                .sign(key, digest))
        with open(crt_path, "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))


def response(assertion_id="_a-7f3e9c21", response_id="_r-5d2c8b10", name_id="alice@example.test",
             resp_sig=False, assertion_sig=False, sig=None):
    """Response XML text; optional empty xmlsec1 signature templates."""
    def tmpl(ref):
        if not sig:
            return ""
        alg, dig, c14n = sig[:3]
        pl = sig[3] if len(sig) > 3 else None
        inc = (f'<ec:InclusiveNamespaces xmlns:ec="{EXC}" PrefixList="{pl}"/>' if pl else "")
        return (f'<ds:Signature xmlns:ds="{DS}"><ds:SignedInfo>'
                f'<ds:CanonicalizationMethod Algorithm="{c14n}">{inc}</ds:CanonicalizationMethod>'
                f'<ds:SignatureMethod Algorithm="{SIG_URI[alg]}"/>'
                f'<ds:Reference URI="#{ref}"><ds:Transforms>'
                f'<ds:Transform Algorithm="{ENV}"/><ds:Transform Algorithm="{c14n}">{inc}</ds:Transform>'
                f'</ds:Transforms><ds:DigestMethod Algorithm="{DIG_URI[dig]}"/>'
                f'<ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo>'
                f'<ds:SignatureValue></ds:SignatureValue>'
                f'<ds:KeyInfo><ds:X509Data></ds:X509Data></ds:KeyInfo></ds:Signature>')
    return f'''<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{response_id}" Version="2.0" IssueInstant="{ISSUE}" Destination="{ACS}" InResponseTo="{REQ}">
  <saml:Issuer>{IDP}</saml:Issuer>{tmpl(response_id) if resp_sig else ""}
  <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
  <saml:Assertion xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="{assertion_id}" Version="2.0" IssueInstant="{ISSUE}">
    <saml:Issuer>{IDP}</saml:Issuer>{tmpl(assertion_id) if assertion_sig else ""}
    <saml:Subject>
      <saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{name_id}</saml:NameID>
      <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
        <saml:SubjectConfirmationData InResponseTo="{REQ}" NotOnOrAfter="{NOT_AFTER}" Recipient="{ACS}"/>
      </saml:SubjectConfirmation>
    </saml:Subject>
    <saml:Conditions NotBefore="{NOT_BEFORE}" NotOnOrAfter="{NOT_AFTER}">
      <saml:AudienceRestriction><saml:Audience>{SP}</saml:Audience></saml:AudienceRestriction>
    </saml:Conditions>
    <saml:AuthnStatement AuthnInstant="{ISSUE}" SessionIndex="_s-91ab" SessionNotOnOrAfter="{SESSION_END}">
      <saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>
    </saml:AuthnStatement>
    <saml:AttributeStatement>
      <saml:Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress" FriendlyName="email" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">
        <saml:AttributeValue xsi:type="xs:string">{name_id}</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="groups">
        <saml:AttributeValue xsi:type="xs:string">staff</saml:AttributeValue>
        <saml:AttributeValue xsi:type="xs:string">r&amp;d &lt;lab&gt;</saml:AttributeValue>
      </saml:Attribute>
    </saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>
'''


def xmlsec_sign(xml, key, out_name):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.xml")
        dst = os.path.join(tmp, "out.xml")
        with open(src, "w") as f:
            f.write(xml)
        run("xmlsec1", "--sign", "--privkey-pem", f"{key}.key,{key}.crt",
            "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
            "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response",
            "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
            "--output", dst, src)
        with open(dst) as f:
            return f.read()


def fixture_text(name):
    with open(os.path.join(RESP, name)) as f:
        return f.read()


def xmlsec_verify(path, crt):
    for node in ("urn:oasis:names:tc:SAML:2.0:assertion:Assertion", "urn:oasis:names:tc:SAML:2.0:protocol:Response"):
        res = subprocess.run(
            ["xmlsec1", "--verify", "--pubkey-cert-pem", crt, "--enabled-key-data", "x509",
             "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
             "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response",
             "--node-name", node, path], capture_output=True)
        text = res.stderr.decode()
        if "OK" in text:
            return True
    return False


def signxml_sign_assertion(xml, key, alg, dig, c14n=EXC, prefixes=None, placeholder_after_issuer=True):
    """Signs the Assertion inside `xml` with signxml, in place (Signature after saml:Issuer)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(xml.encode(), parser)
    return etree.tostring(_signxml_sign(root, root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion"), key, alg, dig, c14n, prefixes), encoding="unicode")


def _signxml_sign(root, target, key, alg, dig, c14n, prefixes):
    issuer = target.find("{urn:oasis:names:tc:SAML:2.0:assertion}Issuer")
    placeholder = etree.Element(f"{{{DS}}}Signature", nsmap={"ds": DS}, Id="placeholder")
    issuer.addnext(placeholder)
    signer = XMLSigner(method=methods.enveloped, signature_algorithm=alg, digest_algorithm=dig,
                       c14n_algorithm=c14n)
    signer.namespaces = {"ds": DS}
    with open(key + ".key", "rb") as f:
        k = f.read()
    with open(key + ".crt", "rb") as f:
        c = f.read()
    kwargs = {}
    if prefixes:
        kwargs["inclusive_ns_prefixes"] = prefixes
    # signxml signs the element passed as its own document; sign a standalone copy and put it back.
    copy = etree.fromstring(etree.tostring(target))
    signed = signer.sign(copy, key=k, cert=c, reference_uri=target.get("ID"), id_attribute="ID", **kwargs)
    parent = target.getparent()
    if parent is None:
        return signed
    signed.tail = target.tail
    parent.replace(target, signed)
    return root


def signxml_sign_response(xml, key, alg, dig):
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(xml.encode(), parser)
    return etree.tostring(_signxml_sign(root, root, key, alg, dig, EXC, None), encoding="unicode")


XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
DATA_URI = {
    "aes128-gcm": XENC11 + "aes128-gcm",
    "aes256-gcm": XENC11 + "aes256-gcm",
    "aes128-cbc": XENC + "aes128-cbc",
    "aes256-cbc": XENC + "aes256-cbc",
}
SESSION = {"aes128-gcm": "aes-128", "aes256-gcm": "aes-256", "aes128-cbc": "aes-128", "aes256-cbc": "aes-256"}


def xmlsec_encrypt_assertion(xml, data_alg, key_transport="oaep", sibling_key=False):
    """Encrypts the saml:Assertion of `xml` to the SP certificate with xmlsec1 and wraps the
    resulting xenc:EncryptedData in saml:EncryptedAssertion."""
    if key_transport == "oaep":
        km = (f'<xenc:EncryptionMethod Algorithm="{XENC}rsa-oaep-mgf1p">'
              f'<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/></xenc:EncryptionMethod>')
    elif key_transport == "oaep11-sha256":
        km = (f'<xenc:EncryptionMethod Algorithm="{XENC11}rsa-oaep">'
              f'<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
              f'<xenc11:MGF xmlns:xenc11="{XENC11}" Algorithm="{XENC11}mgf1sha256"/></xenc:EncryptionMethod>')
    else:
        km = f'<xenc:EncryptionMethod Algorithm="{XENC}rsa-1_5"/>'
    tmpl = (f'<xenc:EncryptedData xmlns:xenc="{XENC}" Type="{XENC}Element">'
            f'<xenc:EncryptionMethod Algorithm="{DATA_URI[data_alg]}"/>'
            f'<ds:KeyInfo xmlns:ds="{DS}"><xenc:EncryptedKey>{km}'
            f'<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>'
            f'<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>')
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "doc.xml")
        tpl = os.path.join(tmp, "tmpl.xml")
        out = os.path.join(tmp, "out.xml")
        with open(data, "w") as f:
            f.write(xml)
        with open(tpl, "w") as f:
            f.write(tmpl)
        run("xmlsec1", "--encrypt", "--pubkey-cert-pem", os.path.join(KEYS, "sp-rsa.crt"),
            "--session-key", SESSION[data_alg], "--xml-data", data,
            "--node-name", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", "--output", out, tpl)
        root = etree.parse(out, etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    enc = root.find(f"{{{XENC}}}EncryptedData")
    wrapper = etree.Element("{urn:oasis:names:tc:SAML:2.0:assertion}EncryptedAssertion")
    wrapper.tail = enc.tail
    enc.addprevious(wrapper)
    wrapper.append(enc)
    enc.tail = None
    if sibling_key:
        # Shibboleth style: EncryptedKey as a sibling of EncryptedData, referenced by RetrievalMethod.
        ki = enc.find(f"{{{DS}}}KeyInfo")
        ek = ki.find(f"{{{XENC}}}EncryptedKey")
        ek.set("Id", "_ek-1")
        ki.remove(ek)
        rm = etree.SubElement(ki, f"{{{DS}}}RetrievalMethod")
        rm.set("Type", XENC + "EncryptedKey")
        rm.set("URI", "#_ek-1")
        wrapper.append(ek)
    return etree.tostring(root, encoding="unicode")


def cryptography_encrypt_assertion(xml):
    """XML-Enc 1.1 rsa-oaep (SHA-256, MGF1-SHA-256) + AES-256-GCM with Python cryptography."""
    import base64
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    root = etree.fromstring(xml.encode(), etree.XMLParser(resolve_entities=False, no_network=True))
    assertion = root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
    plaintext = etree.tostring(assertion)  # lxml serializes the in-scope namespaces too
    key = os.urandom(32)
    iv = os.urandom(12)
    data = iv + AESGCM(key).encrypt(iv, plaintext, None)
    with open(os.path.join(KEYS, "sp-rsa.crt"), "rb") as f:
        pub = x509.load_pem_x509_certificate(f.read()).public_key()
    wrapped = pub.encrypt(key, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
    b = lambda x: base64.b64encode(x).decode()
    enc = etree.fromstring(
        f'<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">'
        f'<xenc:EncryptedData xmlns:xenc="{XENC}" Type="{XENC}Element">'
        f'<xenc:EncryptionMethod Algorithm="{XENC11}aes256-gcm"/>'
        f'<ds:KeyInfo xmlns:ds="{DS}"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="{XENC11}rsa-oaep">'
        f'<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
        f'<xenc11:MGF xmlns:xenc11="{XENC11}" Algorithm="{XENC11}mgf1sha256"/></xenc:EncryptionMethod>'
        f'<xenc:CipherData><xenc:CipherValue>{b(wrapped)}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>'
        f'<xenc:CipherData><xenc:CipherValue>{b(data)}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>'
        f'</saml:EncryptedAssertion>')
    enc.tail = assertion.tail
    root.replace(assertion, enc)
    return etree.tostring(root, encoding="unicode")


def main():
    ensure_keys()
    os.makedirs(RESP, exist_ok=True)
    k = lambda n: os.path.join(KEYS, n)
    fixtures = []

    def save(name, text, key, what):
        path = os.path.join(RESP, name)
        with open(path, "w") as f:
            f.write(text)
        entry = {"file": name, "key": key, "what": what}
        if "encrypted" in name and "response-signed" not in name:
            # The signature is inside the ciphertext: check xmlsec1 can decrypt it instead.
            res = subprocess.run(["xmlsec1", "--decrypt", "--privkey-pem", k("sp-rsa") + ".key", path],
                                 capture_output=True)
            entry["xmlsec1_decrypts"] = res.returncode == 0
            print(f"{name}: xmlsec1 --decrypt {'OK' if res.returncode == 0 else 'not supported by xmlsec1'}")
        else:
            ok = xmlsec_verify(path, k(key) + ".crt")
            entry["xmlsec1_verifies"] = ok
            print(f"{name}: xmlsec1 --verify {'OK' if ok else 'FAILED'}")
        fixtures.append(entry)

    # xmlsec1 (libxmlsec1 + OpenSSL)
    save("xmlsec1_assertion_rsa-sha256.xml",
         xmlsec_sign(response(assertion_sig=True, sig=("rsa-sha256", "sha256", EXC)), k("idp-rsa"), ""),
         "idp-rsa", "assertion signed")
    save("xmlsec1_response_rsa-sha256.xml",
         xmlsec_sign(response(resp_sig=True, sig=("rsa-sha256", "sha256", EXC)), k("idp-rsa"), ""),
         "idp-rsa", "response signed")
    # Both: sign the assertion, then add the response template and sign again (first template wins).
    inner = xmlsec_sign(response(assertion_sig=True, sig=("rsa-sha256", "sha256", EXC)), k("idp-rsa"), "")
    outer_tmpl = response(resp_sig=True, sig=("rsa-sha512", "sha512", EXC)).split("<samlp:Status>")[0]
    both = outer_tmpl + "<samlp:Status>" + inner.split("<samlp:Status>", 1)[1]
    save("xmlsec1_both_rsa-sha512.xml", xmlsec_sign(both, k("idp-rsa"), ""), "idp-rsa",
         "response (rsa-sha512/sha512) and assertion (rsa-sha256) signed")
    save("xmlsec1_assertion_rsa-sha1.xml",
         xmlsec_sign(response(assertion_sig=True, sig=("rsa-sha1", "sha1", EXC)), k("idp-rsa"), ""),
         "idp-rsa", "assertion signed with RSA-SHA1/SHA-1 (opt-in only)")
    save("xmlsec1_assertion_ecdsa-sha256.xml",
         xmlsec_sign(response(assertion_sig=True, sig=("ecdsa-sha256", "sha256", EXC)), k("idp-ec256"), ""),
         "idp-ec256", "assertion signed with ECDSA P-256")
    save("xmlsec1_assertion_rsa-sha384_withcomments.xml",
         xmlsec_sign(response(assertion_sig=True, sig=("rsa-sha384", "sha384", EXC_WC),
                              name_id="bob@example.test<!-- c -->"), k("idp-rsa"), ""),
         "idp-rsa", "assertion signed, exc-c14n#WithComments, comment inside NameID")

    save("xmlsec1_assertion_rsa-sha512_prefixlist.xml",
         xmlsec_sign(response(assertion_sig=True, sig=("rsa-sha512", "sha512", EXC, "xs xsi")), k("idp-rsa"), ""),
         "idp-rsa", "assertion signed, InclusiveNamespaces PrefixList xs xsi (SignedInfo and Reference)")

    # signxml (Python cryptography)
    save("signxml_assertion_rsa-sha256.xml",
         signxml_sign_assertion(response(), k("idp-rsa"), "rsa-sha256", "sha256"),
         "idp-rsa", "assertion signed")
    save("signxml_response_rsa-sha384.xml",
         signxml_sign_response(response(), k("idp-rsa"), "rsa-sha384", "sha384"),
         "idp-rsa", "response signed")
    save("signxml_assertion_ecdsa-sha384.xml",
         signxml_sign_assertion(response(), k("idp-ec384"), "ecdsa-sha384", "sha384"),
         "idp-ec384", "assertion signed with ECDSA P-384")
    # An attacker's own key and certificate (cloned subject), shipped in KeyInfo (CERT-1/2).
    save("signxml_attacker_assertion_rsa-sha256.xml",
         signxml_sign_assertion(response(name_id="victim@example.test"), k("attacker-rsa"), "rsa-sha256", "sha256"),
         "attacker-rsa", "assertion for the victim signed with the attacker's key (must be rejected)")

    # Encrypted assertions (xmlsec1 --encrypt to the SP certificate).
    signed_assertion = fixture_text("xmlsec1_assertion_rsa-sha256.xml")
    for data_alg in ("aes128-gcm", "aes256-gcm", "aes128-cbc", "aes256-cbc"):
        save(f"xmlsec1_encrypted_{data_alg}.xml", xmlsec_encrypt_assertion(signed_assertion, data_alg),
             "idp-rsa", f"signed assertion encrypted with {data_alg} + rsa-oaep-mgf1p")
    # xmlsec1 1.2 lacks XML-Enc 1.1 rsa-oaep; use Python cryptography (OpenSSL) for that one.
    save("cryptography_encrypted_aes256-gcm_oaep11-sha256.xml",
         cryptography_encrypt_assertion(signed_assertion),
         "idp-rsa", "signed assertion encrypted with aes256-gcm + xmlenc11 rsa-oaep SHA-256/MGF1-SHA-256")
    save("xmlsec1_encrypted_sibling-key.xml",
         xmlsec_encrypt_assertion(signed_assertion, "aes128-cbc", sibling_key=True),
         "idp-rsa", "EncryptedKey as a sibling of EncryptedData (Shibboleth style)")
    save("xmlsec1_encrypted_rsa-1_5.xml",
         xmlsec_encrypt_assertion(signed_assertion, "aes128-gcm", "rsa15"),
         "idp-rsa", "key transport RSA PKCS#1 v1.5 (must be refused)")
    # ENC-1: an unsigned assertion anyone can encrypt to the SP's public certificate.
    save("xmlsec1_encrypted_unsigned.xml",
         xmlsec_encrypt_assertion(response(name_id="victim@example.test"), "aes128-gcm"),
         "idp-rsa", "UNSIGNED assertion encrypted to the SP (must be refused)")
    # Unsigned assertion, encrypted, then the Response signed (covers the ciphertext).
    enc_unsigned = xmlsec_encrypt_assertion(response(), "aes128-gcm")
    tmpl_resp = response(resp_sig=True, sig=("rsa-sha256", "sha256", EXC))
    sig_start = tmpl_resp.index("<ds:Signature")
    sig_end = tmpl_resp.index("</ds:Signature>") + len("</ds:Signature>")
    issuer_end = enc_unsigned.index("</saml:Issuer>") + len("</saml:Issuer>")
    enc_with_tmpl = enc_unsigned[:issuer_end] + tmpl_resp[sig_start:sig_end] + enc_unsigned[issuer_end:]
    save("xmlsec1_encrypted_response-signed.xml", xmlsec_sign(enc_with_tmpl, k("idp-rsa"), ""),
         "idp-rsa", "unsigned assertion encrypted, Response signed over the ciphertext")

    # Signed IdP metadata (xmlsec1), for the optional metadata signature check.
    with open(k("idp-rsa") + ".crt") as f:
        cert_b64 = "".join(l for l in f.read().splitlines() if not l.startswith("-----"))
    md = (f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" ID="_md-1" entityID="{IDP}">'
          f'<ds:Signature xmlns:ds="{DS}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{EXC}"/>'
          f'<ds:SignatureMethod Algorithm="{SIG_URI["rsa-sha256"]}"/><ds:Reference URI="#_md-1"><ds:Transforms>'
          f'<ds:Transform Algorithm="{ENV}"/><ds:Transform Algorithm="{EXC}"/></ds:Transforms>'
          f'<ds:DigestMethod Algorithm="{DIG_URI["sha256"]}"/><ds:DigestValue></ds:DigestValue></ds:Reference>'
          f'</ds:SignedInfo><ds:SignatureValue></ds:SignatureValue></ds:Signature>'
          f'<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
          f'<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="{DS}"><ds:X509Data><ds:X509Certificate>{cert_b64}'
          f'</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>'
          f'<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.test/sso"/>'
          f'</md:IDPSSODescriptor></md:EntityDescriptor>\n')
    md_path = os.path.join(FIX, "metadata", "xmlsec1_signed_metadata.xml")
    os.makedirs(os.path.dirname(md_path), exist_ok=True)
    with open(md_path, "w") as f:
        f.write(xmlsec_sign(md, k("idp-rsa"), ""))
    res = subprocess.run(["xmlsec1", "--verify", "--pubkey-cert-pem", k("idp-rsa") + ".crt",
                          "--enabled-key-data", "x509", "--id-attr:ID",
                          "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor", md_path], capture_output=True)
    print(f"metadata/xmlsec1_signed_metadata.xml: xmlsec1 --verify {'OK' if res.returncode == 0 else 'FAILED'}")
    if res.returncode != 0:
        sys.exit("signed metadata does not verify with xmlsec1")

    with open(os.path.join(RESP, "index.json"), "w") as f:
        json.dump(fixtures, f, indent=2)
        f.write("\n")
    if not all(x.get("xmlsec1_verifies", True) for x in fixtures):
        sys.exit("some fixtures do not verify with xmlsec1")


if __name__ == "__main__":
    main()
