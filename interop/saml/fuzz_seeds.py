#!/usr/bin/env python3
"""Seeds the libFuzzer corpora of crates/cirrus-saml/fuzz from the committed fixtures, and
writes a dictionary of SAML/XML-DSig/XML-Enc tokens.

Usage: python3 interop/saml/fuzz_seeds.py   (from the repository root)
Then, from crates/cirrus-saml:
  RUSTC_BOOTSTRAP=1 cargo fuzz run <target> fuzz/corpus/<target> -- -dict=fuzz/saml.dict -max_total_time=240

Writes (git-ignored) crates/cirrus-saml/fuzz/corpus/<target>/seed-*:
  xml_parse, c14n, response: every response fixture (make_fixtures.py, make_idp_shapes.py)
  response_signed: the plaintext ones without their signatures, behind a flags byte
  metadata: every metadata fixture
  slo: HTTP-Redirect LogoutRequest / LogoutResponse query strings (signed with the test IdP
       key by Python cryptography, and unsigned), a POST-binding value, raw DEFLATE data
and crates/cirrus-saml/fuzz/saml.dict (committed).
"""
import base64
import glob
import os
import urllib.parse
import zlib

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CRATE = os.path.join(ROOT, "crates", "cirrus-saml")
FIX = os.path.join(CRATE, "tests", "fixtures")
FUZZ = os.path.join(CRATE, "fuzz")

IDP = "https://idp.example.test/saml"
SLO = "https://sp.example.test/slo"


def write(target, name, data):
    d = os.path.join(FUZZ, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def logout_request(signed_post=False):
    return (f'<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
            f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_lr-1" Version="2.0" '
            f'IssueInstant="1970-01-01T00:00:00Z" Destination="{SLO}" NotOnOrAfter="1970-01-01T00:05:00Z">'
            f'<saml:Issuer>{IDP}</saml:Issuer>'
            f'<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">alice@example.test</saml:NameID>'
            f'<samlp:SessionIndex>_s-91ab</samlp:SessionIndex></samlp:LogoutRequest>').encode()


def logout_response():
    return (f'<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
            f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_lp-1" Version="2.0" '
            f'IssueInstant="1970-01-01T00:00:00Z" Destination="{SLO}" InResponseTo="_r">'
            f'<saml:Issuer>{IDP}</saml:Issuer><samlp:Status><samlp:StatusCode '
            f'Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:LogoutResponse>').encode()


def query(param, xml, key, relay="rs-1"):
    q = f"{param}=" + urllib.parse.quote(base64.b64encode(deflate(xml)).decode(), safe="")
    if relay:
        q += "&RelayState=" + urllib.parse.quote(relay, safe="")
    q += "&SigAlg=" + urllib.parse.quote("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", safe="")
    sig = key.sign(q.encode(), padding.PKCS1v15(), hashes.SHA256())
    return q + "&Signature=" + urllib.parse.quote(base64.b64encode(sig).decode(), safe="")


def main():
    responses = sorted(glob.glob(os.path.join(FIX, "responses", "*.xml"))
                       + glob.glob(os.path.join(FIX, "idp_shapes", "*", "response*.xml")))
    for i, path in enumerate(responses):
        with open(path, "rb") as f:
            data = f.read()
        for target in ("xml_parse", "c14n", "response"):
            write(target, f"{i:02}-{os.path.basename(path)}", data)
    # response_signed: the fixtures with their signatures removed (the target signs them),
    # behind a flags byte: 1 = sign the Assertion, 2 = the Response, 3 = both.
    from lxml import etree
    for i, path in enumerate(responses):
        root = etree.parse(path, etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        if root.find(".//{urn:oasis:names:tc:SAML:2.0:assertion}EncryptedAssertion") is not None:
            continue
        for sig in root.findall(".//{http://www.w3.org/2000/09/xmldsig#}Signature"):
            sig.getparent().remove(sig)
        text = etree.tostring(root)
        for flags in (1, 2, 3):
            write("response_signed", f"{i:02}-{flags}-{os.path.basename(path)}", bytes([flags]) + text)
    for path in sorted(glob.glob(os.path.join(FIX, "metadata", "*.xml"))
                       + glob.glob(os.path.join(FIX, "idp_shapes", "*", "metadata.xml"))):
        with open(path, "rb") as f:
            write("metadata", path.split(os.sep)[-2] + "-" + os.path.basename(path), f.read())

    with open(os.path.join(FIX, "keys", "idp-rsa.key"), "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    write("slo", "request-signed", query("SAMLRequest", logout_request(), key))
    write("slo", "request-signed-no-relay", query("SAMLRequest", logout_request(), key, relay=None))
    write("slo", "request-unsigned",
          "SAMLRequest=" + urllib.parse.quote(base64.b64encode(deflate(logout_request())).decode(), safe=""))
    write("slo", "response-signed", query("SAMLResponse", logout_response(), key))
    write("slo", "post-request", base64.b64encode(logout_request()))
    write("slo", "raw-deflate", deflate(logout_request()))

    tokens = [
        "<", ">", "</", "/>", "=\"", "\"", "&amp;", "&#x", "<!--", "-->", "<![CDATA[", "]]>", "<?", "?>",
        "xmlns", "xmlns:", "xml:", "urn:oasis:names:tc:SAML:2.0:assertion", "urn:oasis:names:tc:SAML:2.0:protocol",
        "urn:oasis:names:tc:SAML:2.0:metadata", "http://www.w3.org/2000/09/xmldsig#",
        "http://www.w3.org/2001/10/xml-exc-c14n#", "http://www.w3.org/2001/04/xmlenc#",
        "saml:", "samlp:", "ds:", "md:", "xenc:", "Response", "Assertion", "EncryptedAssertion", "Issuer",
        "Signature", "SignedInfo", "Reference", "URI=\"#", "Transform", "DigestValue", "SignatureValue",
        "KeyInfo", "InclusiveNamespaces", "PrefixList", "Subject", "NameID", "SubjectConfirmation",
        "SubjectConfirmationData", "Conditions", "AudienceRestriction", "Audience", "AuthnStatement",
        "AttributeStatement", "Attribute", "AttributeValue", "Status", "StatusCode", "EncryptedData",
        "EncryptedKey", "CipherValue", "EntityDescriptor", "EntitiesDescriptor", "IDPSSODescriptor",
        "KeyDescriptor", "SingleSignOnService", "SingleLogoutService", "X509Certificate", "ID=\"",
        "Version=\"2.0\"", "IssueInstant=\"", "NotOnOrAfter=\"", "NotBefore=\"", "InResponseTo=\"",
        "Destination=\"", "Recipient=\"", "2026-01-01T00:00:00Z", "SAMLRequest=", "SAMLResponse=",
        "&RelayState=", "&SigAlg=", "&Signature=", "%3D", "%2B", "%2F",
    ]
    with open(os.path.join(FUZZ, "saml.dict"), "w") as f:
        f.write("# SAML, XML-DSig, XML-Enc and binding tokens (interop/saml/fuzz_seeds.py)\n")
        for t in tokens:
            f.write('"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"\n')
    print(f"{len(responses)} response seeds; corpora in {os.path.join(FUZZ, 'corpus')}")


if __name__ == "__main__":
    main()
