#!/usr/bin/env python3
"""Generates IdP metadata and signed SAML Responses in the shapes real IdPs send (ADFS, Okta,
Entra ID, Shibboleth IdP, Keycloak, SimpleSAMLphp), written from public knowledge of those
products' formats (namespace prefixes, signature placement and prefix, KeyInfo content, NameID
formats and qualifiers, attribute names / NameFormats / FriendlyNames / xsi:type, timestamp
precision, ID styles, metadata layouts). Nothing is copied from those products or other projects.

Signatures and encryption come from implementations we did not write: the xmlsec1 command-line
tool (libxmlsec1/OpenSSL) and Python signxml (cryptography). Both are represented:
  xmlsec1: ADFS (response and signed FederationMetadata), Okta (Response and Assertion),
           Keycloak (Response and Assertion, `dsig:` prefix), Shibboleth (Response over an
           encrypted assertion; encryption with `xmlsec1 --encrypt`)
  signxml: Entra ID (assertion and FederationMetadata, default-namespace `<Signature>`),
           SimpleSAMLphp (Response only), Shibboleth (assertion signed inside the encryption)
Every signature is checked with `xmlsec1 --verify` (each ds:Signature separately; encrypted
assertions are first decrypted with `xmlsec1 --decrypt`); the script fails if one does not.

Usage: python3 interop/saml/make_idp_shapes.py   (from the repository root)

Writes crates/cirrus-saml/tests/fixtures/idp_shapes/:
  keys/<name>.{key,crt}          test-only keys (created once), certificates 2025..2125
  <idp>/metadata.xml             the IdP's metadata as that product publishes it
  <idp>/<variant>.xml            Responses (plain XML, not base64)
  index.json                     what each file is, who signed it, xmlsec1's verdict
Checked by crates/cirrus-saml/tests/idp_shapes.rs (scenario constants must match).
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile

from lxml import etree
from signxml import XMLSigner, methods

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.path.join(ROOT, "crates", "cirrus-saml", "tests", "fixtures")
OUT = os.path.join(FIX, "idp_shapes")
KEYS = os.path.join(OUT, "keys")
SP_KEY = os.path.join(FIX, "keys", "sp-rsa")  # the SP's encryption key (make_fixtures.py)

DS = "http://www.w3.org/2000/09/xmldsig#"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENV = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
XS = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SOAP = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP"
ARTIFACT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
NF_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
NF_UNSPEC = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
NF_PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
NF_TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
NF_ENTITY = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
AN_URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
AN_BASIC = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
AN_UNSPEC = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"
PPT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"

# The SP scenario shared with tests/idp_shapes.rs: a Cognito-style pool behind Cirrus.
SP = "urn:amazon:cognito:sp:us-east-1_ShApEs42"
ACS = "https://auth.cirrus.test/saml2/idpresponse"
REQ = "_8d0c5e3a-4f1b-4b6e-9a2d-7c1e5f3b9a10"
# The tests validate at 2026-03-01T12:00:30Z.


def t(seconds, ms=True, frac=".218"):
    """Timestamp `seconds` after 2026-03-01T12:00:00Z, with milliseconds as most Java/.NET IdPs
    write them, or without (SimpleSAMLphp)."""
    base = datetime.datetime(2026, 3, 1, 12, 0, 0) + datetime.timedelta(seconds=seconds)
    return base.strftime("%Y-%m-%dT%H:%M:%S") + (frac if ms else "") + "Z"


def run(*args):
    res = subprocess.run(args, capture_output=True)
    if res.returncode != 0:
        sys.exit(f"{args[0]} failed: {res.stderr.decode()}")
    return res


# ------------------------------------------------------------------------------------ keys

KEY_SUBJECTS = {
    # Product-style certificate subjects (self-signed, as these products generate them).
    "adfs-signing": [("CN", "ADFS Signing - adfs.contoso.test")],
    "adfs-encryption": [("CN", "ADFS Encryption - adfs.contoso.test")],
    "okta": [("C", "US"), ("ST", "California"), ("L", "San Francisco"), ("O", "Okta"),
             ("OU", "SSOProvider"), ("CN", "dev-31415926")],
    "entra": [("CN", "Microsoft Azure Federated SSO Certificate")],
    "shibboleth-signing": [("CN", "idp.example.org")],
    "shibboleth-backchannel": [("CN", "idp.example.org")],
    "shibboleth-encryption": [("CN", "idp.example.org")],
    "keycloak": [("CN", "cirrus")],
    "simplesamlphp": [("C", "NO"), ("O", "Example"), ("CN", "ssp.example.test")],
}


def ensure_keys():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    oid = {"CN": NameOID.COMMON_NAME, "C": NameOID.COUNTRY_NAME, "ST": NameOID.STATE_OR_PROVINCE_NAME,
           "L": NameOID.LOCALITY_NAME, "O": NameOID.ORGANIZATION_NAME, "OU": NameOID.ORGANIZATIONAL_UNIT_NAME}
    os.makedirs(KEYS, exist_ok=True)
    for i, (name, subj) in enumerate(KEY_SUBJECTS.items()):
        key_path, crt_path = k(name) + ".key", k(name) + ".crt"
        if not os.path.exists(key_path):
            run("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key_path)
        if os.path.exists(crt_path):
            continue
        with open(key_path, "rb") as f:
            key = serialization.load_pem_private_key(f.read(), password=None)
        subject = x509.Name([x509.NameAttribute(oid[a], v) for a, v in subj])
        cert = (x509.CertificateBuilder()
                .subject_name(subject).issuer_name(subject)
                .public_key(key.public_key())
                .serial_number(0x5A11 + i)
                .not_valid_before(datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc))
                .not_valid_after(datetime.datetime(2125, 1, 1, tzinfo=datetime.timezone.utc))
                .sign(key, hashes.SHA256()))
        with open(crt_path, "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))


def k(name):
    return os.path.join(KEYS, name)


def cert_b64(name, wrap=None, indent=""):
    with open(k(name) + ".crt") as f:
        b64 = "".join(l for l in f.read().splitlines() if not l.startswith("-----"))
    if not wrap:
        return b64
    return "".join(f"\n{indent}{b64[i:i + wrap]}" for i in range(0, len(b64), wrap)) + "\n" + indent[:-2]


# ------------------------------------------------------------------------------ signatures

def sig_tmpl(ref, p="ds", prefix_list=None, key_info="<{q}X509Data/>"):
    """An empty XML-DSig template for xmlsec1 (exc-c14n, RSA-SHA256, SHA-256). `p` is the
    prefix (None: default namespace); `prefix_list` goes into the Reference's exc-c14n
    Transform only, as Okta writes it."""
    q = f"{p}:" if p else ""
    decl = f'xmlns:{p}="{DS}"' if p else f'xmlns="{DS}"'
    inc = f'<ec:InclusiveNamespaces xmlns:ec="{EXC}" PrefixList="{prefix_list}"/>' if prefix_list else ""
    return (f'<{q}Signature {decl}><{q}SignedInfo><{q}CanonicalizationMethod Algorithm="{EXC}"/>'
            f'<{q}SignatureMethod Algorithm="{RSA_SHA256}"/><{q}Reference URI="#{ref}"><{q}Transforms>'
            f'<{q}Transform Algorithm="{ENV}"/><{q}Transform Algorithm="{EXC}">{inc}</{q}Transform>'
            f'</{q}Transforms><{q}DigestMethod Algorithm="{SHA256}"/><{q}DigestValue/></{q}Reference>'
            f'</{q}SignedInfo><{q}SignatureValue/><{q}KeyInfo>{key_info.format(q=q)}</{q}KeyInfo></{q}Signature>')


def xmlsec_sign(xml, key):
    """Signs the first signature template in `xml` with xmlsec1."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in.xml"), os.path.join(tmp, "out.xml")
        with open(src, "w") as f:
            f.write(xml)
        run("xmlsec1", "--sign", "--privkey-pem", f"{k(key)}.key,{k(key)}.crt",
            "--id-attr:ID", f"{SAML}:Assertion", "--id-attr:ID", f"{SAMLP}:Response",
            "--id-attr:ID", f"{MD}:EntityDescriptor", "--output", dst, src)
        with open(dst) as f:
            text = f.read()
    # xmlsec1 writes an XML declaration only if the input had one; keep the input's choice.
    return text


def signxml_sign(xml, target_id, key, prefix="ds"):
    """Signs the element with ID `target_id` with signxml, enveloped, the Signature placed right
    after that element's Issuer (or first child if it has none); `prefix` None writes
    `<Signature xmlns="...xmldsig#">` as Microsoft products do."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    root = etree.fromstring(xml.encode(), parser)
    target = root if root.get("ID") == target_id else root.xpath(f"//*[@ID='{target_id}']")[0]
    nsmap = {prefix: DS}
    placeholder = etree.Element(f"{{{DS}}}Signature", nsmap=nsmap, Id="placeholder")
    issuer = target.find(f"{{{SAML}}}Issuer")
    if issuer is not None:
        placeholder.tail = issuer.tail
        issuer.addnext(placeholder)
    else:
        placeholder.tail = target.text
        target.insert(0, placeholder)
    signer = XMLSigner(method=methods.enveloped, signature_algorithm="rsa-sha256",
                       digest_algorithm="sha256", c14n_algorithm=EXC)
    signer.namespaces = nsmap
    with open(k(key) + ".key", "rb") as f:
        key_pem = f.read()
    with open(k(key) + ".crt", "rb") as f:
        cert_pem = f.read()
    # signxml signs the element passed as its own document: sign a stand-alone copy (exclusive
    # c14n makes that identical) and put it back in place.
    copy = etree.fromstring(etree.tostring(target))
    signed = signer.sign(copy, key=key_pem, cert=cert_pem, reference_uri=target_id, id_attribute="ID")
    parent = target.getparent()
    decl = xml[:xml.index("?>") + 2] if xml.startswith("<?xml") else ""
    if parent is None:
        return decl + etree.tostring(signed, encoding="unicode")
    signed.tail = target.tail
    parent.replace(target, signed)
    return decl + etree.tostring(root, encoding="unicode")


def xmlsec_encrypt(assertion_xml, data_alg, session, ek_attrs=""):
    """Encrypts a stand-alone Assertion (its own namespace declarations, as OpenSAML marshals it
    before encrypting) to the SP certificate with xmlsec1: rsa-oaep-mgf1p key transport, the SP
    certificate in the EncryptedKey's KeyInfo, as Shibboleth writes it. Returns the
    xenc:EncryptedData element text."""
    tmpl = (f'<xenc:EncryptedData xmlns:xenc="{XENC}" Id="_e3b0c44298fc1c149afbf4c8996fb924" Type="{XENC}Element">'
            f'<xenc:EncryptionMethod Algorithm="{data_alg}"/>'
            f'<ds:KeyInfo xmlns:ds="{DS}"><xenc:EncryptedKey Id="_27ae41e4649b934ca495991b7852b855"{ek_attrs}>'
            f'<xenc:EncryptionMethod Algorithm="{XENC}rsa-oaep-mgf1p"><ds:DigestMethod Algorithm="{DS}sha1"/></xenc:EncryptionMethod>'
            f'<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{sp_cert_b64()}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>'
            f'<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>'
            f'<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>')
    with tempfile.TemporaryDirectory() as tmp:
        data, tpl, out = (os.path.join(tmp, n) for n in ("doc.xml", "tmpl.xml", "out.xml"))
        with open(data, "w") as f:
            f.write(assertion_xml)
        with open(tpl, "w") as f:
            f.write(tmpl)
        run("xmlsec1", "--encrypt", "--pubkey-cert-pem", SP_KEY + ".crt", "--session-key", session,
            "--xml-data", data, "--node-name", f"{SAML}:Assertion", "--output", out, tpl)
        root = etree.parse(out, etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    assert root.tag == f"{{{XENC}}}EncryptedData"
    return etree.tostring(root, encoding="unicode")


def sp_cert_b64():
    with open(SP_KEY + ".crt") as f:
        return "".join(l for l in f.read().splitlines() if not l.startswith("-----"))


# --------------------------------------------------------------------------- verification

ID_ATTRS = ["--id-attr:ID", f"{SAML}:Assertion", "--id-attr:ID", f"{SAMLP}:Response",
            "--id-attr:ID", f"{MD}:EntityDescriptor"]


SIG_XPATH = f"//*[local-name()='Signature' and namespace-uri()='{DS}']"
ASSERTION_SIG_XPATH = (f"//*[local-name()='Assertion' and namespace-uri()='{SAML}']"
                       f"/*[local-name()='Signature' and namespace-uri()='{DS}']")


def xmlsec_verify_each(path, key, xpath=SIG_XPATH):
    """`xmlsec1 --verify` of every ds:Signature (matched by `xpath`) in the file, one at a time,
    with only `key`'s certificate. Returns the number of signatures; exits if one fails."""
    doc = etree.parse(path, etree.XMLParser(resolve_entities=False, no_network=True))
    count = len(doc.getroot().xpath(xpath))
    for i in range(1, count + 1):
        res = subprocess.run(
            ["xmlsec1", "--verify", "--pubkey-cert-pem", k(key) + ".crt", "--enabled-key-data", "x509",
             *ID_ATTRS, "--node-xpath", f"({xpath})[{i}]", path], capture_output=True)
        if res.returncode != 0:
            sys.exit(f"{path}: xmlsec1 --verify of signature {i} failed: {res.stderr.decode()}")
    return count


def xmlsec_decrypt_and_verify(path, key):
    """Decrypts with `xmlsec1 --decrypt` (SP key) and verifies the signatures of the decrypted
    assertion (a Response signature no longer verifies once its ciphertext is replaced)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "plain.xml")
        res = subprocess.run(["xmlsec1", "--decrypt", "--privkey-pem", SP_KEY + ".key", "--output", out, path],
                             capture_output=True)
        if res.returncode != 0:
            sys.exit(f"{path}: xmlsec1 --decrypt failed: {res.stderr.decode()}")
        return xmlsec_verify_each(out, key, ASSERTION_SIG_XPATH)


# ----------------------------------------------------------------------------- documents

def attr(p, name, values, name_format=None, friendly=None, value_attrs="", extra=""):
    q = f"{p}:" if p else ""
    fa = f' FriendlyName="{friendly}"' if friendly else ""
    nf = f' NameFormat="{name_format}"' if name_format else ""
    vals = "".join(f"<{q}AttributeValue{value_attrs}>{v}</{q}AttributeValue>" for v in values)
    return f'<{q}Attribute Name="{name}"{nf}{fa}{extra}>{vals}</{q}Attribute>'


# ADFS (AD FS 2016/2019): samlp: Response, default-namespace Assertion, assertion-only signature
# after Issuer, AttributeStatement before AuthnStatement, Consent, claim-type URIs without
# NameFormat, an OriginalIssuer annotation, values without xsi:type.
ADFS_ID = "http://adfs.contoso.test/adfs/services/trust"


def adfs():
    rid, aid = "_1b5f0a2e-7c3d-4e8f-9a01-b2c3d4e5f607", "_3e2d1c0b-a998-4877-b665-c4d3e2f1a0b9"
    claims = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims"
    attrs = (attr(None, f"{claims}/emailaddress", ["alice@contoso.test"])
             + attr(None, f"{claims}/upn", ["alice@corp.contoso.test"])
             + attr(None, f"{claims}/givenname", ["Alice"],
                    extra=' a:OriginalIssuer="http://partner.fabrikam.test/adfs/services/trust" '
                          'xmlns:a="http://schemas.xmlsoap.org/ws/2009/09/identity/claims"')
             + attr(None, "http://schemas.xmlsoap.org/claims/Group", ["Domain Users", "CIRRUS-Admins", "R&amp;D"]))
    response = (
        f'<samlp:Response ID="{rid}" Version="2.0" IssueInstant="{t(0)}" Destination="{ACS}" '
        f'Consent="urn:oasis:names:tc:SAML:2.0:consent:unspecified" InResponseTo="{REQ}" xmlns:samlp="{SAMLP}">'
        f'<Issuer xmlns="{SAML}">{ADFS_ID}</Issuer>'
        f'<samlp:Status><samlp:StatusCode Value="{SUCCESS}" /></samlp:Status>'
        f'<Assertion ID="{aid}" IssueInstant="{t(0)}" Version="2.0" xmlns="{SAML}">'
        f'<Issuer>{ADFS_ID}</Issuer>{sig_tmpl(aid)}'
        f'<Subject><NameID Format="{NF_PERSISTENT}">q8Jt+Pz/3WnC0b1y9x2KfA==</NameID>'
        f'<SubjectConfirmation Method="{BEARER}"><SubjectConfirmationData InResponseTo="{REQ}" '
        f'NotOnOrAfter="{t(300)}" Recipient="{ACS}" /></SubjectConfirmation></Subject>'
        f'<Conditions NotBefore="{t(0)}" NotOnOrAfter="{t(3600)}"><AudienceRestriction>'
        f'<Audience>{SP}</Audience></AudienceRestriction></Conditions>'
        f'<AttributeStatement>{attrs}</AttributeStatement>'
        f'<AuthnStatement AuthnInstant="{t(-2, frac=".045")}" SessionIndex="{aid}"><AuthnContext>'
        f'<AuthnContextClassRef>{PPT}</AuthnContextClassRef></AuthnContext></AuthnStatement>'
        f'</Assertion></samlp:Response>')
    ki = lambda c: f'<KeyInfo xmlns="{DS}"><X509Data><X509Certificate>{cert_b64(c)}</X509Certificate></X509Data></KeyInfo>'
    fed = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706"'
    epr = lambda a: (f'<wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing">'
                     f'<wsa:Address>{a}</wsa:Address></wsa:EndpointReference>')
    claim_types = "".join(
        f'<auth:ClaimType Uri="{u}" Optional="true" xmlns:auth="http://docs.oasis-open.org/wsfed/authorization/200706">'
        f'<auth:DisplayName>{d}</auth:DisplayName><auth:Description>The {d.lower()} of the user</auth:Description></auth:ClaimType>'
        for u, d in [(f"{claims}/emailaddress", "E-Mail Address"), (f"{claims}/upn", "UPN"),
                     ("http://schemas.xmlsoap.org/claims/Group", "Group")])
    saml_attrs = "".join(
        f'<Attribute Name="{u}" NameFormat="{AN_URI}" FriendlyName="{d}" xmlns="{SAML}" />'
        for u, d in [(f"{claims}/emailaddress", "E-Mail Address"), (f"{claims}/upn", "UPN"),
                     ("http://schemas.xmlsoap.org/claims/Group", "Group")])
    md_id = "_7a0d4c1e-2b3f-4a5d-8e6f-0a1b2c3d4e5f"
    metadata = (
        f'<?xml version="1.0" encoding="utf-8"?>\n'
        f'<EntityDescriptor ID="{md_id}" entityID="{ADFS_ID}" xmlns="{MD}">{sig_tmpl(md_id, key_info="<{q}X509Data/>")}'
        f'<RoleDescriptor xsi:type="fed:ApplicationServiceType" {fed} protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706" ServiceDisplayName="Contoso">'
        f'<KeyDescriptor use="encryption">{ki("adfs-encryption")}</KeyDescriptor>'
        f'<fed:TargetScopes>{epr("https://adfs.contoso.test/adfs/services/trust/2005/issuedtokenmixedasymmetricbasic256")}</fed:TargetScopes>'
        f'<fed:PassiveRequestorEndpoint>{epr("https://adfs.contoso.test/adfs/ls/")}</fed:PassiveRequestorEndpoint></RoleDescriptor>'
        f'<RoleDescriptor xsi:type="fed:SecurityTokenServiceType" {fed} protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706" ServiceDisplayName="Contoso">'
        f'<KeyDescriptor use="signing">{ki("adfs-signing")}</KeyDescriptor>'
        f'<fed:TokenTypesOffered><fed:TokenType Uri="urn:oasis:names:tc:SAML:2.0:assertion" />'
        f'<fed:TokenType Uri="urn:oasis:names:tc:SAML:1.0:assertion" /></fed:TokenTypesOffered>'
        f'<fed:ClaimTypesOffered>{claim_types}</fed:ClaimTypesOffered>'
        f'<fed:SecurityTokenServiceEndpoint>{epr("https://adfs.contoso.test/adfs/services/trust/2005/certificatemixed")}</fed:SecurityTokenServiceEndpoint>'
        f'<fed:PassiveRequestorEndpoint>{epr("https://adfs.contoso.test/adfs/ls/")}</fed:PassiveRequestorEndpoint></RoleDescriptor>'
        f'<SPSSODescriptor WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f'<KeyDescriptor use="encryption">{ki("adfs-encryption")}</KeyDescriptor>'
        f'<KeyDescriptor use="signing">{ki("adfs-signing")}</KeyDescriptor>'
        f'<SingleLogoutService Binding="{REDIRECT}" Location="https://adfs.contoso.test/adfs/ls/" />'
        f'<SingleLogoutService Binding="{POST}" Location="https://adfs.contoso.test/adfs/ls/" />'
        f'<NameIDFormat>{NF_EMAIL}</NameIDFormat><NameIDFormat>{NF_PERSISTENT}</NameIDFormat><NameIDFormat>{NF_TRANSIENT}</NameIDFormat>'
        f'<AssertionConsumerService Binding="{POST}" Location="https://adfs.contoso.test/adfs/ls/" index="0" isDefault="true" />'
        f'<AssertionConsumerService Binding="{ARTIFACT}" Location="https://adfs.contoso.test/adfs/ls/" index="1" />'
        f'<AssertionConsumerService Binding="{REDIRECT}" Location="https://adfs.contoso.test/adfs/ls/" index="2" /></SPSSODescriptor>'
        f'<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f'<KeyDescriptor use="encryption">{ki("adfs-encryption")}</KeyDescriptor>'
        f'<KeyDescriptor use="signing">{ki("adfs-signing")}</KeyDescriptor>'
        f'<SingleLogoutService Binding="{REDIRECT}" Location="https://adfs.contoso.test/adfs/ls/" />'
        f'<SingleLogoutService Binding="{POST}" Location="https://adfs.contoso.test/adfs/ls/" />'
        f'<NameIDFormat>{NF_EMAIL}</NameIDFormat><NameIDFormat>{NF_PERSISTENT}</NameIDFormat><NameIDFormat>{NF_TRANSIENT}</NameIDFormat>'
        f'<SingleSignOnService Binding="{REDIRECT}" Location="https://adfs.contoso.test/adfs/ls/" />'
        f'<SingleSignOnService Binding="{POST}" Location="https://adfs.contoso.test/adfs/ls/" />{saml_attrs}</IDPSSODescriptor>'
        f'<ContactPerson contactType="support" /></EntityDescriptor>')
    return {
        "metadata": (xmlsec_sign(metadata, "adfs-signing"), "xmlsec1", "adfs-signing"),
        "response": (xmlsec_sign(response, "adfs-signing"), "xmlsec1", "adfs-signing"),
    }


# Okta: saml2p:/saml2: prefixes declared where used, Issuer Format entity, Response and
# Assertion both signed, exc-c14n Transform with InclusiveNamespaces PrefixList="xs",
# emailAddress NameID, NameFormat unspecified attributes with xsi:type="xs:string" values that
# declare xs and xsi themselves.
OKTA_ID = "http://www.okta.com/exk1a2b3c4D5e6F7g8h9"


def okta():
    metadata, solicited = okta_response(True)
    _, unsolicited = okta_response(False)
    return {
        "metadata": (metadata, None, None),
        "response": (solicited, "xmlsec1", "okta"),
        "response_idp-initiated": (unsolicited, "xmlsec1", "okta"),
    }


def okta_response(solicited):
    """`solicited` False: IdP-initiated from the Okta dashboard (no InResponseTo anywhere), with
    an empty value for a profile field that is not set."""
    rid, aid = "id40193818235926571503462895", "id4019381823601161820187337"
    if not solicited:
        rid, aid = "id40193818240019283746556102", "id4019381824001928374655611"
    irt = f' InResponseTo="{REQ}"' if solicited else ""
    xv = f' xmlns:xs="{XS}" xmlns:xsi="{XSI}" xsi:type="xs:string"'
    attrs = (attr("saml2", "firstName", ["Alice"], AN_UNSPEC, value_attrs=xv)
             + attr("saml2", "lastName", ["Okafor"], AN_UNSPEC, value_attrs=xv)
             + attr("saml2", "email", ["alice@okta-customer.test"], AN_UNSPEC, value_attrs=xv)
             + ("" if solicited else attr("saml2", "mobilePhone", [""], AN_UNSPEC, value_attrs=xv))
             + attr("saml2", "groups", ["Everyone", "Cirrus Admins"], AN_UNSPEC, value_attrs=xv))
    issuer = f'<saml2:Issuer xmlns:saml2="{SAML}" Format="{NF_ENTITY}">{OKTA_ID}</saml2:Issuer>'
    assertion = (
        f'<saml2:Assertion xmlns:saml2="{SAML}" ID="{aid}" IssueInstant="{t(0)}" Version="2.0">'
        f'<saml2:Issuer Format="{NF_ENTITY}">{OKTA_ID}</saml2:Issuer>{sig_tmpl(aid, prefix_list="xs")}'
        f'<saml2:Subject><saml2:NameID Format="{NF_EMAIL}">alice@okta-customer.test</saml2:NameID>'
        f'<saml2:SubjectConfirmation Method="{BEARER}"><saml2:SubjectConfirmationData{irt} '
        f'NotOnOrAfter="{t(300)}" Recipient="{ACS}"/></saml2:SubjectConfirmation></saml2:Subject>'
        f'<saml2:Conditions NotBefore="{t(-300)}" NotOnOrAfter="{t(300)}"><saml2:AudienceRestriction>'
        f'<saml2:Audience>{SP}</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions>'
        f'<saml2:AuthnStatement AuthnInstant="{t(-1, frac=".530")}" SessionIndex="{aid}"><saml2:AuthnContext>'
        f'<saml2:AuthnContextClassRef>{PPT}</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>'
        f'<saml2:AttributeStatement>{attrs}</saml2:AttributeStatement></saml2:Assertion>')
    head = (f'<?xml version="1.0" encoding="UTF-8"?><saml2p:Response xmlns:saml2p="{SAMLP}" Destination="{ACS}" '
            f'ID="{rid}"{irt} IssueInstant="{t(0)}" Version="2.0">{issuer}')
    status = (f'<saml2p:Status xmlns:saml2p="{SAMLP}"><saml2p:StatusCode Value="{SUCCESS}"/></saml2p:Status>')
    # Assertion first (the only template), then the Response (its template comes first).
    inner = xmlsec_sign(head + status + assertion + "</saml2p:Response>", "okta")
    body = inner.split("</saml2:Issuer>", 1)[1]
    both = xmlsec_sign(head + sig_tmpl(rid, prefix_list="xs") + body, "okta")
    metadata = (
        f'<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="{MD}" entityID="{OKTA_ID}">'
        f'<md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f'<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="{DS}"><ds:X509Data><ds:X509Certificate>'
        f'{cert_b64("okta", 76, "")}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>'
        f'<md:NameIDFormat>{NF_UNSPEC}</md:NameIDFormat><md:NameIDFormat>{NF_EMAIL}</md:NameIDFormat>'
        f'<md:SingleSignOnService Binding="{POST}" Location="https://cirrus-test.okta.test/app/cirrus-test_cirrus_1/exk1a2b3c4D5e6F7g8h9/sso/saml"/>'
        f'<md:SingleSignOnService Binding="{REDIRECT}" Location="https://cirrus-test.okta.test/app/cirrus-test_cirrus_1/exk1a2b3c4D5e6F7g8h9/sso/saml"/>'
        f'</md:IDPSSODescriptor></md:EntityDescriptor>')
    return metadata, both


# Entra ID (Azure AD): everything in default namespaces, the assertion-only signature is
# `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">` after Issuer, exc-c14n without
# InclusiveNamespaces, persistent opaque NameID, Microsoft claim URIs without NameFormat, signed
# FederationMetadata with WS-Federation RoleDescriptors.
TENANT = "8a3f1c2e-5b7d-4e9a-b1c3-d5e7f9a2b4c6"
ENTRA_ID = f"https://sts.windows.net/{TENANT}/"


def entra():
    rid, aid = "_c4f1e9a2-03b7-4d6e-8f15-a2b3c4d5e6f7", "_9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4"
    ms = "http://schemas.microsoft.com/identity/claims"
    ws = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims"
    attrs = (attr(None, f"{ms}/tenantid", [TENANT])
             + attr(None, f"{ms}/objectidentifier", ["5d2e6f70-8192-4a3b-bc4d-5e6f70819203"])
             + attr(None, f"{ms}/displayname", ["Alice Nakamura"])
             + attr(None, "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
                    ["0f1e2d3c-4b5a-4968-8778-695a4b3c2d1e", "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"])
             + attr(None, f"{ms}/identityprovider", [ENTRA_ID])
             + attr(None, "http://schemas.microsoft.com/claims/authnmethodsreferences",
                    ["http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password",
                     "http://schemas.microsoft.com/claims/multipleauthn"])
             + attr(None, f"{ws}/givenname", ["Alice"])
             + attr(None, f"{ws}/surname", ["Nakamura"])
             + attr(None, f"{ws}/emailaddress", ["alice@fabrikam.test"])
             + attr(None, f"{ws}/name", ["alice@fabrikam.test"]))
    response = (
        f'<samlp:Response ID="{rid}" Version="2.0" IssueInstant="{t(0, frac=".104")}" Destination="{ACS}" '
        f'InResponseTo="{REQ}" xmlns:samlp="{SAMLP}"><Issuer xmlns="{SAML}">{ENTRA_ID}</Issuer>'
        f'<samlp:Status><samlp:StatusCode Value="{SUCCESS}"/></samlp:Status>'
        f'<Assertion ID="{aid}" IssueInstant="{t(0, frac=".104")}" Version="2.0" xmlns="{SAML}"><Issuer>{ENTRA_ID}</Issuer>'
        f'<Subject><NameID Format="{NF_PERSISTENT}">Tb1kRX0m5Zq9vQ3C7yH2gJ8sLpWn4dF6aE0uIoYcB1M</NameID>'
        f'<SubjectConfirmation Method="{BEARER}"><SubjectConfirmationData InResponseTo="{REQ}" '
        f'NotOnOrAfter="{t(3900, frac=".104")}" Recipient="{ACS}"/></SubjectConfirmation></Subject>'
        f'<Conditions NotBefore="{t(-300, frac=".104")}" NotOnOrAfter="{t(4200, frac=".104")}"><AudienceRestriction>'
        f'<Audience>{SP}</Audience></AudienceRestriction></Conditions>'
        f'<AttributeStatement>{attrs}</AttributeStatement>'
        f'<AuthnStatement AuthnInstant="{t(-5, frac=".000")}" SessionIndex="{aid}"><AuthnContext>'
        f'<AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</AuthnContextClassRef>'
        f'</AuthnContext></AuthnStatement></Assertion></samlp:Response>')
    fed = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706"'
    ki = f'<KeyInfo xmlns="{DS}"><X509Data><X509Certificate>{cert_b64("entra")}</X509Certificate></X509Data></KeyInfo>'
    epr = lambda a: (f'<wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing">'
                     f'<wsa:Address>{a}</wsa:Address></wsa:EndpointReference>')
    login = f"https://login.microsoftonline.test/{TENANT}"
    md_id = "_5b9d3c1a-7e2f-4a6b-9c8d-1e2f3a4b5c6d"
    metadata = (
        f'<?xml version="1.0" encoding="utf-8"?><EntityDescriptor ID="{md_id}" entityID="{ENTRA_ID}" xmlns="{MD}">'
        f'<RoleDescriptor xsi:type="fed:SecurityTokenServiceType" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706" {fed}>'
        f'<KeyDescriptor use="signing">{ki}</KeyDescriptor>'
        f'<fed:ClaimTypesOffered><auth:ClaimType Uri="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name" '
        f'xmlns:auth="http://docs.oasis-open.org/wsfed/authorization/200706"><auth:DisplayName>Name</auth:DisplayName>'
        f'</auth:ClaimType></fed:ClaimTypesOffered>'
        f'<fed:SecurityTokenServiceEndpoint>{epr(login + "/wsfed")}</fed:SecurityTokenServiceEndpoint>'
        f'<fed:PassiveRequestorEndpoint>{epr(login + "/wsfed")}</fed:PassiveRequestorEndpoint></RoleDescriptor>'
        f'<RoleDescriptor xsi:type="fed:ApplicationServiceType" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706" {fed}>'
        f'<fed:TargetScopes>{epr(ENTRA_ID)}</fed:TargetScopes>'
        f'<fed:ApplicationServiceEndpoint>{epr(login + "/wsfed")}</fed:ApplicationServiceEndpoint>'
        f'<fed:PassiveRequestorEndpoint>{epr(login + "/wsfed")}</fed:PassiveRequestorEndpoint></RoleDescriptor>'
        f'<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f'<KeyDescriptor use="signing">{ki}</KeyDescriptor>'
        f'<SingleLogoutService Binding="{REDIRECT}" Location="{login}/saml2"/>'
        f'<SingleSignOnService Binding="{REDIRECT}" Location="{login}/saml2"/>'
        f'<SingleSignOnService Binding="{POST}" Location="{login}/saml2"/></IDPSSODescriptor></EntityDescriptor>')
    # "Sign SAML response and assertion": the assertion, then the Response around it.
    rid2, aid2 = rid[:-2] + "b2", aid[:-2] + "b2"
    both = signxml_sign(signxml_sign(response.replace(rid, rid2).replace(aid, aid2), aid2, "entra", prefix=None),
                        rid2, "entra", prefix=None)
    return {
        "metadata": (signxml_sign(metadata, md_id, "entra", prefix=None), "signxml", "entra"),
        "response": (signxml_sign(response, aid, "entra", prefix=None), "signxml", "entra"),
        "response_response-and-assertion-signed": (both, "signxml", "entra"),
    }


# Shibboleth IdP (v4/v5): saml2p:/saml2: declared where used, urn:oid: attribute names with
# FriendlyName and the uri NameFormat, xsi:type="xsd:string" with xsd/xsi declared on each value,
# transient NameID with NameQualifier and SPNameQualifier. Defaults: the Response is signed and
# the (unsigned) assertion encrypted (AES-128-GCM, RSA-OAEP); variant with the assertion signed
# inside the encryption (AES-256-CBC) and the Response unsigned.
SHIB_ID = "https://idp.example.org/idp/shibboleth"


def shib_attrs(extra=""):
    xv = f' xmlns:xsd="{XS}" xmlns:xsi="{XSI}" xsi:type="xsd:string"'
    a = lambda oid, fn, vals: attr("saml2", f"urn:oid:{oid}", vals, AN_URI, fn, value_attrs=xv)
    return (a("0.9.2342.19200300.100.1.1", "uid", ["alice"])
            + a("0.9.2342.19200300.100.1.3", "mail", ["alice@example.org"])
            + a("1.3.6.1.4.1.5923.1.1.1.6", "eduPersonPrincipalName", ["alice@example.org"])
            + a("1.3.6.1.4.1.5923.1.1.1.9", "eduPersonScopedAffiliation", ["member@example.org", "staff@example.org"])
            + a("2.16.840.1.113730.3.1.241", "displayName", ["Alice Ødegård"])
            + extra)


def shib_assertion(aid, name_id):
    return (
        f'<saml2:Assertion xmlns:saml2="{SAML}" ID="{aid}" IssueInstant="{t(0)}" Version="2.0">'
        f'<saml2:Issuer>{SHIB_ID}</saml2:Issuer>'
        f'<saml2:Subject>{name_id}'
        f'<saml2:SubjectConfirmation Method="{BEARER}"><saml2:SubjectConfirmationData Address="192.0.2.10" '
        f'InResponseTo="{REQ}" NotOnOrAfter="{t(300)}" Recipient="{ACS}"/></saml2:SubjectConfirmation></saml2:Subject>'
        f'<saml2:Conditions NotBefore="{t(0)}" NotOnOrAfter="{t(300)}"><saml2:AudienceRestriction>'
        f'<saml2:Audience>{SP}</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions>'
        f'<saml2:AuthnStatement AuthnInstant="{t(-3, frac=".731")}" SessionIndex="_1f7b3c9e0a5d2b8c4e6f1a3b5c7d9e0f">'
        f'<saml2:SubjectLocality Address="192.0.2.10"/><saml2:AuthnContext>'
        f'<saml2:AuthnContextClassRef>{PPT}</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>'
        f'<saml2:AttributeStatement>{shib_attrs()}</saml2:AttributeStatement></saml2:Assertion>')


def shibboleth():
    transient = (f'<saml2:NameID Format="{NF_TRANSIENT}" NameQualifier="{SHIB_ID}" SPNameQualifier="{SP}">'
                 f'AAdzZWNyZXQxTmTFo7cWqlWbHpLq2TjnJ0hUM7yEvRF0kBbB3TW4v8w2b9V0xAuV6y2pT7jK</saml2:NameID>')
    persistent = (f'<saml2:NameID Format="{NF_PERSISTENT}" NameQualifier="{SHIB_ID}" SPNameQualifier="{SP}">'
                  f'X1hdk9JqL0zHu2vSx/Wd0yzgE8k=</saml2:NameID>')
    gcm, cbc = XENC11 + "aes128-gcm", XENC + "aes256-cbc"

    def response(rid, inner, signed):
        return (f'<?xml version="1.0" encoding="UTF-8"?><saml2p:Response xmlns:saml2p="{SAMLP}" Destination="{ACS}" '
                f'ID="{rid}" InResponseTo="{REQ}" IssueInstant="{t(0)}" Version="2.0">'
                f'<saml2:Issuer xmlns:saml2="{SAML}">{SHIB_ID}</saml2:Issuer>{sig_tmpl(rid) if signed else ""}'
                f'<saml2p:Status><saml2p:StatusCode Value="{SUCCESS}"/></saml2p:Status>'
                f'<saml2:EncryptedAssertion xmlns:saml2="{SAML}">{inner}</saml2:EncryptedAssertion></saml2p:Response>')

    ek = f' Recipient="{SP}"'
    # Default relying-party profile: unsigned assertion encrypted, Response signed (xmlsec1).
    a1 = shib_assertion("_0a8f2c6e4b1d3f5a7c9e1b3d5f7a9c2e", transient)
    default = xmlsec_sign(response("_6b2d8f4a0c1e3b5d7f9a2c4e6b8d0f1a", xmlsec_encrypt(a1, gcm, "aes-128", ek), True),
                          "shibboleth-signing")
    # signAssertions=true, signResponses=false, CBC for an SP that asked for it: signxml inside.
    a2 = signxml_sign(shib_assertion("_2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b", persistent),
                      "_2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b", "shibboleth-signing")
    signed_inside = response("_8d0f2b4c6e1a3d5b7f9c0e2a4c6e8b1d", xmlsec_encrypt(a2, cbc, "aes-256", ek), False)
    # eduPersonTargetedID in its SAML 2 form: an AttributeValue holding a saml2:NameID element
    # (still released by many Shibboleth deployments); plaintext, Response signed (xmlsec1).
    eptid = attr("saml2", "urn:oid:1.3.6.1.4.1.5923.1.1.1.10",
                 [f'<saml2:NameID Format="{NF_PERSISTENT}" NameQualifier="{SHIB_ID}" SPNameQualifier="{SP}">'
                  f'X1hdk9JqL0zHu2vSx/Wd0yzgE8k=</saml2:NameID>'], AN_URI, "eduPersonTargetedID")
    a3 = shib_assertion("_4e6a8c0b2d4f6e8a0c2e4b6d8f0a2c4e", persistent).replace(
        "</saml2:AttributeStatement>", eptid + "</saml2:AttributeStatement>")
    rid3 = "_a0c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9"
    eptid_resp = xmlsec_sign(
        f'<?xml version="1.0" encoding="UTF-8"?><saml2p:Response xmlns:saml2p="{SAMLP}" Destination="{ACS}" '
        f'ID="{rid3}" InResponseTo="{REQ}" IssueInstant="{t(0)}" Version="2.0">'
        f'<saml2:Issuer xmlns:saml2="{SAML}">{SHIB_ID}</saml2:Issuer>{sig_tmpl(rid3)}'
        f'<saml2p:Status><saml2p:StatusCode Value="{SUCCESS}"/></saml2p:Status>{a3}</saml2p:Response>',
        "shibboleth-signing")

    ind = "                        "
    kd = lambda use, name: (f'<KeyDescriptor use="{use}">\n      <ds:KeyInfo>\n        <ds:X509Data>\n'
                            f'          <ds:X509Certificate>{cert_b64(name, 64, ind[:12])}</ds:X509Certificate>\n'
                            f'        </ds:X509Data>\n      </ds:KeyInfo>\n    </KeyDescriptor>\n    ')
    metadata = f'''<?xml version="1.0" encoding="UTF-8"?>
<!--
     Test IdP metadata in the layout the Shibboleth IdP generates (a comment before the root).
-->
<EntityDescriptor xmlns="{MD}" xmlns:ds="{DS}" xmlns:shibmd="urn:mace:shibboleth:metadata:1.0" xmlns:xml="http://www.w3.org/XML/1998/namespace" xmlns:mdui="urn:oasis:names:tc:SAML:metadata:ui" validUntil="2125-01-01T00:00:00.000Z" entityID="{SHIB_ID}">

  <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol urn:oasis:names:tc:SAML:1.1:protocol urn:mace:shibboleth:1.0">

    <Extensions>
      <shibmd:Scope regexp="false">example.org</shibmd:Scope>
      <mdui:UIInfo>
        <mdui:DisplayName xml:lang="en">Example Org IdP</mdui:DisplayName>
        <mdui:Logo height="80" width="80">https://idp.example.org/logo.png</mdui:Logo>
      </mdui:UIInfo>
    </Extensions>

    {kd("signing", "shibboleth-backchannel")}{kd("signing", "shibboleth-signing")}{kd("encryption", "shibboleth-encryption")}
    <ArtifactResolutionService Binding="urn:oasis:names:tc:SAML:1.0:bindings:SOAP-binding" Location="https://idp.example.org:8443/idp/profile/SAML1/SOAP/ArtifactResolution" index="1"/>
    <ArtifactResolutionService Binding="{SOAP}" Location="https://idp.example.org:8443/idp/profile/SAML2/SOAP/ArtifactResolution" index="2"/>

    <SingleLogoutService Binding="{REDIRECT}" Location="https://idp.example.org/idp/profile/SAML2/Redirect/SLO"/>
    <SingleLogoutService Binding="{POST}" Location="https://idp.example.org/idp/profile/SAML2/POST/SLO"/>
    <SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST-SimpleSign" Location="https://idp.example.org/idp/profile/SAML2/POST-SimpleSign/SLO"/>
    <SingleLogoutService Binding="{SOAP}" Location="https://idp.example.org:8443/idp/profile/SAML2/SOAP/SLO"/>

    <NameIDFormat>{NF_TRANSIENT}</NameIDFormat>
    <NameIDFormat>{NF_PERSISTENT}</NameIDFormat>

    <SingleSignOnService Binding="urn:mace:shibboleth:1.0:profiles:AuthnRequest" Location="https://idp.example.org/idp/profile/Shibboleth/SSO"/>
    <SingleSignOnService Binding="{POST}" Location="https://idp.example.org/idp/profile/SAML2/POST/SSO"/>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST-SimpleSign" Location="https://idp.example.org/idp/profile/SAML2/POST-SimpleSign/SSO"/>
    <SingleSignOnService Binding="{REDIRECT}" Location="https://idp.example.org/idp/profile/SAML2/Redirect/SSO"/>

  </IDPSSODescriptor>

  <AttributeAuthorityDescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol">
    <Extensions>
      <shibmd:Scope regexp="false">example.org</shibmd:Scope>
    </Extensions>
    {kd("signing", "shibboleth-backchannel")}
    <AttributeService Binding="urn:oasis:names:tc:SAML:1.0:bindings:SOAP-binding" Location="https://idp.example.org:8443/idp/profile/SAML1/SOAP/AttributeQuery"/>
  </AttributeAuthorityDescriptor>

</EntityDescriptor>
'''
    return {
        "metadata": (metadata, None, None),
        "response": (default, "xmlsec1", "shibboleth-signing"),
        "response_signed-inside_aes256-cbc": (signed_inside, "signxml", "shibboleth-signing"),
        "response_eptid": (eptid_resp, "xmlsec1", "shibboleth-signing"),
    }


# Keycloak: samlp:/saml: declared on the Response, the Assertion re-declaring the assertion
# namespace as the default, Response and Assertion signed with the `dsig:` prefix and KeyName +
# X509Data in KeyInfo, persistent "G-<uuid>" NameID, "<uuid>::<uuid>" SessionIndex, X500 user
# attributes (urn:oid with FriendlyName) and a Role attribute, values typed xs:string.
# The legacy EntitiesDescriptor Name="urn:keycloak" metadata layout.
KC_ID = "https://keycloak.example.test/realms/cirrus"


def keycloak(single_role_attribute=True):
    rid, aid = "ID_6f0e2b8d-4a1c-4e3f-9b7d-5c2a1e0f8d6b", "ID_2a9c7e5b-3d1f-4b8a-a6c4-e2f0d8b6a4c2"
    if single_role_attribute:
        rid, aid = rid[:-2] + "aa", aid[:-2] + "aa"
    xv = f' xmlns:xs="{XS}" xmlns:xsi="{XSI}" xsi:type="xs:string"'
    roles = ["offline_access", "uma_authorization", "cirrus-admin"]
    if single_role_attribute:
        role_attrs = attr("saml", "Role", roles, AN_BASIC, value_attrs=xv)
    else:
        # The role list mapper with "Single Role Attribute" off: one Attribute per role.
        role_attrs = "".join(attr("saml", "Role", [r], AN_BASIC, value_attrs=xv) for r in roles)
    attrs = (attr("saml", "urn:oid:1.2.840.113549.1.9.1", ["alice@keycloak-users.test"], AN_URI, "email", value_attrs=xv)
             + attr("saml", "urn:oid:2.5.4.42", ["Alice"], AN_URI, "givenName", value_attrs=xv)
             + attr("saml", "urn:oid:2.5.4.4", ["Kowalska"], AN_URI, "surname", value_attrs=xv)
             + role_attrs)
    ki = "<{q}KeyName>Zx3k9Qp1Vb7Nw5Lm2Jr8Ty4Hc6Gd0Fs</{q}KeyName><{q}X509Data/>"
    head = (f'<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" Destination="{ACS}" ID="{rid}" '
            f'InResponseTo="{REQ}" IssueInstant="{t(0)}" Version="2.0"><saml:Issuer>{KC_ID}</saml:Issuer>')
    rest = (
        f'<samlp:Status><samlp:StatusCode Value="{SUCCESS}"/></samlp:Status>'
        f'<saml:Assertion xmlns="{SAML}" ID="{aid}" IssueInstant="{t(0)}" Version="2.0">'
        f'<saml:Issuer>{KC_ID}</saml:Issuer>{sig_tmpl(aid, p="dsig", key_info=ki)}'
        f'<saml:Subject><saml:NameID Format="{NF_PERSISTENT}">G-7d1f3b5a-9c2e-4f6a-8b0d-1e3f5a7c9b2d</saml:NameID>'
        f'<saml:SubjectConfirmation Method="{BEARER}"><saml:SubjectConfirmationData InResponseTo="{REQ}" '
        f'NotOnOrAfter="{t(300)}" Recipient="{ACS}"/></saml:SubjectConfirmation></saml:Subject>'
        f'<saml:Conditions NotBefore="{t(0)}" NotOnOrAfter="{t(60)}"><saml:AudienceRestriction>'
        f'<saml:Audience>{SP}</saml:Audience></saml:AudienceRestriction></saml:Conditions>'
        f'<saml:AuthnStatement AuthnInstant="{t(0)}" SessionIndex="4f9b2d6e-1a3c-4e5f-8b7d-9c0a2e4f6b8d::a1c3e5f7-b9d2-4f6a-8c0e-2b4d6f8a0c1e" '
        f'SessionNotOnOrAfter="{t(36000)}"><saml:AuthnContext>'
        f'<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified</saml:AuthnContextClassRef>'
        f'</saml:AuthnContext></saml:AuthnStatement>'
        f'<saml:AttributeStatement>{attrs}</saml:AttributeStatement></saml:Assertion></samlp:Response>')
    inner = xmlsec_sign(head + rest, "keycloak")
    body = inner.split("</saml:Issuer>", 1)[1]
    both = xmlsec_sign(head + sig_tmpl(rid, p="dsig", key_info=ki) + body, "keycloak")
    base = "https://keycloak.example.test/realms/cirrus/protocol/saml"
    kd = (f'<KeyDescriptor use="signing"><dsig:KeyInfo xmlns:dsig="{DS}"><dsig:KeyName>Zx3k9Qp1Vb7Nw5Lm2Jr8Ty4Hc6Gd0Fs</dsig:KeyName>'
          f'<dsig:X509Data><dsig:X509Certificate>{cert_b64("keycloak")}</dsig:X509Certificate></dsig:X509Data></dsig:KeyInfo></KeyDescriptor>')
    metadata = f'''<EntitiesDescriptor Name="urn:keycloak" xmlns="{MD}" xmlns:dsig="{DS}">
	<EntityDescriptor entityID="{KC_ID}">
		<IDPSSODescriptor WantAuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
			{kd}
			<ArtifactResolutionService Binding="{SOAP}" Location="{base}/resolve" index="0"></ArtifactResolutionService>
			<SingleLogoutService Binding="{POST}" Location="{base}"/>
			<SingleLogoutService Binding="{REDIRECT}" Location="{base}"/>
			<SingleLogoutService Binding="{ARTIFACT}" Location="{base}"/>
			<NameIDFormat>{NF_PERSISTENT}</NameIDFormat>
			<NameIDFormat>{NF_TRANSIENT}</NameIDFormat>
			<NameIDFormat>{NF_UNSPEC}</NameIDFormat>
			<NameIDFormat>{NF_EMAIL}</NameIDFormat>
			<SingleSignOnService Binding="{POST}" Location="{base}"/>
			<SingleSignOnService Binding="{REDIRECT}" Location="{base}"/>
			<SingleSignOnService Binding="{SOAP}" Location="{base}"/>
			<SingleSignOnService Binding="{ARTIFACT}" Location="{base}"/>
		</IDPSSODescriptor>
	</EntityDescriptor>
</EntitiesDescriptor>
'''
    return metadata, both


# SimpleSAMLphp (xmlseclibs): samlp:/saml: on the Response, only the Response signed (the
# assertion unsigned inside it), xs/xsi declared on the Assertion, transient NameID with
# SPNameQualifier, urn:oid: names with the uri NameFormat and no FriendlyName, timestamps
# without fractions; plain md: metadata with the same key for signing and encryption.
SSP_ID = "https://ssp.example.test/simplesaml/saml2/idp/metadata.php"


def simplesamlphp():
    rid, aid = "_8e1c5a9f3b7d2e6a0c4f8b1d5e9a3c7f2b6d0e4a", "_d4f8b2e6a0c5f9b3d7e1a5c9f3b8d2e6a0c4f8b1"
    xv = ' xsi:type="xs:string"'
    a = lambda oid, vals: attr("saml", f"urn:oid:{oid}", vals, AN_URI, value_attrs=xv)
    attrs = (a("0.9.2342.19200300.100.1.1", ["alice"])
             + a("0.9.2342.19200300.100.1.3", ["alice@ssp.example.test"])
             + a("2.5.4.42", ["Åsa"])
             + a("1.3.6.1.4.1.5923.1.1.1.1", ["member", "student"]))
    response = (
        f'<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="{rid}" Version="2.0" '
        f'IssueInstant="{t(0, ms=False)}" Destination="{ACS}" InResponseTo="{REQ}">'
        f'<saml:Issuer>{SSP_ID}</saml:Issuer>'
        f'<samlp:Status><samlp:StatusCode Value="{SUCCESS}"/></samlp:Status>'
        f'<saml:Assertion xmlns:xsi="{XSI}" xmlns:xs="{XS}" ID="{aid}" Version="2.0" IssueInstant="{t(0, ms=False)}">'
        f'<saml:Issuer>{SSP_ID}</saml:Issuer>'
        f'<saml:Subject><saml:NameID SPNameQualifier="{SP}" Format="{NF_TRANSIENT}">_6c2a8e4f0b7d3a9c5e1f7b3d9a5c1e7f3b</saml:NameID>'
        f'<saml:SubjectConfirmation Method="{BEARER}"><saml:SubjectConfirmationData NotOnOrAfter="{t(300, ms=False)}" '
        f'Recipient="{ACS}" InResponseTo="{REQ}"/></saml:SubjectConfirmation></saml:Subject>'
        f'<saml:Conditions NotBefore="{t(-30, ms=False)}" NotOnOrAfter="{t(300, ms=False)}"><saml:AudienceRestriction>'
        f'<saml:Audience>{SP}</saml:Audience></saml:AudienceRestriction></saml:Conditions>'
        f'<saml:AuthnStatement AuthnInstant="{t(-4, ms=False)}" SessionNotOnOrAfter="{t(28800, ms=False)}" '
        f'SessionIndex="_b5e1d7a3c9f2e8b4d0a6c2f8e4b0d6a2c8f4e0b6"><saml:AuthnContext>'
        f'<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef>'
        f'</saml:AuthnContext></saml:AuthnStatement>'
        f'<saml:AttributeStatement>{attrs}</saml:AttributeStatement></saml:Assertion></samlp:Response>')
    c = cert_b64("simplesamlphp")
    kd = lambda use: (f'<md:KeyDescriptor use="{use}">\n      <ds:KeyInfo xmlns:ds="{DS}">\n        <ds:X509Data>\n'
                      f'          <ds:X509Certificate>{c}</ds:X509Certificate>\n        </ds:X509Data>\n'
                      f'      </ds:KeyInfo>\n    </md:KeyDescriptor>\n    ')
    metadata = f'''<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="{MD}" xmlns:ds="{DS}" entityID="{SSP_ID}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    {kd("signing")}{kd("encryption")}<md:SingleLogoutService Binding="{REDIRECT}" Location="https://ssp.example.test/simplesaml/saml2/idp/SingleLogoutService.php"/>
    <md:NameIDFormat>{NF_TRANSIENT}</md:NameIDFormat>
    <md:SingleSignOnService Binding="{REDIRECT}" Location="https://ssp.example.test/simplesaml/saml2/idp/SSOService.php"/>
  </md:IDPSSODescriptor>
  <md:ContactPerson contactType="technical">
    <md:GivenName>Ada</md:GivenName>
    <md:EmailAddress>mailto:ada@ssp.example.test</md:EmailAddress>
  </md:ContactPerson>
</md:EntityDescriptor>
'''
    return {
        "metadata": (metadata, None, None),
        "response": (signxml_sign(response, rid, "simplesamlphp"), "signxml", "simplesamlphp"),
    }


def main():
    ensure_keys()
    index = []
    kc_md, kc_single = keycloak(True)
    _, kc_multi = keycloak(False)
    products = {
        "adfs": adfs(),
        "okta": okta(),
        "entra": entra(),
        "shibboleth": shibboleth(),
        "keycloak": {
            "metadata": (kc_md, None, None),
            "response": (kc_single, "xmlsec1", "keycloak"),
            "response_role-per-attribute": (kc_multi, "xmlsec1", "keycloak"),
        },
        "simplesamlphp": simplesamlphp(),
    }
    for idp, files in products.items():
        os.makedirs(os.path.join(OUT, idp), exist_ok=True)
        for variant, (text, signer, key) in files.items():
            rel = f"{idp}/{variant}.xml"
            path = os.path.join(OUT, rel)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text if text.endswith("\n") else text + "\n")
            entry = {"file": rel, "signer": signer, "key": key}
            if signer:
                entry["xmlsec1_verified_signatures"] = xmlsec_verify_each(path, key)
                if "EncryptedAssertion" in text:
                    entry["xmlsec1_decrypted_and_verified_signatures"] = xmlsec_decrypt_and_verify(path, key)
            index.append(entry)
            print(f"{rel}: {entry}")
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
