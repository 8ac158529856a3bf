#!/usr/bin/env python3
"""Second independent verifier for signatures made by cirrus-saml (dsig_sign.rs): Python
signxml (lxml + cryptography) verifies the enveloped signature of FILE with the certificate
CERT (PEM) and prints the signed element's tag and ID as JSON. Exit 1 if it does not verify.

Usage: python3 interop/saml/verify_with_signxml.py FILE CERT
Run by crates/cirrus-saml/tests/signing.rs.
"""
import json
import sys

from lxml import etree
from signxml import XMLVerifier


def main(path, cert_path):
    data = open(path, "rb").read()
    cert = open(cert_path).read()
    try:
        result = XMLVerifier().verify(data, x509_cert=cert, expect_references=1)
    except Exception as e:  # noqa: BLE001 - report any refusal
        print(json.dumps({"ok": False, "error": "%s: %s" % (type(e).__name__, e)}))
        sys.exit(1)
    el = result.signed_xml
    print(json.dumps({"ok": True, "tag": el.tag, "id": el.get("ID"), "alg": str(result.signature_xml.find(".//{http://www.w3.org/2000/09/xmldsig#}SignatureMethod").get("Algorithm"))}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
