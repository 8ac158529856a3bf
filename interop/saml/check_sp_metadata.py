#!/usr/bin/env python3
"""Independent structural check of SP metadata written by cirrus-saml (sp_metadata.rs), with
lxml (libxml2) and Python `cryptography`, following the SAML 2.0 metadata schema
(saml-schema-metadata-2.0.xsd) by hand since the XSD is not shipped here. A ds:Signature, if
present, is validated against the XML-DSig core schema that signxml ships.

Usage: python3 interop/saml/check_sp_metadata.py FILE
Prints one JSON line with what was found; exit 0 if every check passed, 1 otherwise.
Run by crates/cirrus-saml/tests/signing.rs.
"""
import base64
import json
import os
import sys

from lxml import etree

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
PROTO = "urn:oasis:names:tc:SAML:2.0:protocol"
XML_NS = "http://www.w3.org/XML/1998/namespace"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
URI_FMT = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
BASIC_FMT = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
BOOLS = {"true", "false", "1", "0"}

# SSODescriptorType / SPSSODescriptorType content model, in schema order (RoleDescriptorType
# first). The rank must never decrease.
ORDER = [
    (DS, "Signature"),
    (MD, "Extensions"),
    (MD, "KeyDescriptor"),
    (MD, "Organization"),
    (MD, "ContactPerson"),
    (MD, "ArtifactResolutionService"),
    (MD, "SingleLogoutService"),
    (MD, "ManageNameIDService"),
    (MD, "NameIDFormat"),
    (MD, "AssertionConsumerService"),
    (MD, "AttributeConsumingService"),
]


def q(ns, local):
    return "{%s}%s" % (ns, local)


def fail(msg):
    print(json.dumps({"ok": False, "error": msg}))
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def dsig_schema():
    try:
        import signxml

        path = os.path.join(os.path.dirname(signxml.__file__), "schemas", "xmldsig-core-schema.xsd")
        return etree.XMLSchema(etree.parse(path))
    except Exception:  # noqa: BLE001 - optional oracle
        return None


def elements(node):
    return [c for c in node if isinstance(c.tag, str)]


def main(path):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    root = etree.parse(path, parser).getroot()
    check(root.tag == q(MD, "EntityDescriptor"), "root is %s" % root.tag)
    check(root.get("entityID"), "entityID missing")
    check(len(root.get("entityID")) <= 1024, "entityID longer than 1024")
    found = {"entityID": root.get("entityID"), "signature": False}
    kids = elements(root)
    sigs = [k for k in kids if k.tag == q(DS, "Signature")]
    if sigs:
        check(len(sigs) == 1 and kids[0] is sigs[0], "ds:Signature must be the first child")
        check(root.get("ID"), "signed EntityDescriptor needs an ID")
        schema = dsig_schema()
        if schema is not None:
            check(schema.validate(sigs[0]), "ds:Signature invalid: %s" % schema.error_log)
            found["signature_schema"] = "xmldsig-core-schema.xsd"
        ref = sigs[0].find(".//{%s}Reference" % DS)
        check(ref is not None and ref.get("URI") == "#" + root.get("ID"), "Reference URI")
        found["signature"] = True
        kids = kids[1:]
    check(len(kids) == 1 and kids[0].tag == q(MD, "SPSSODescriptor"), "one SPSSODescriptor")
    sp = kids[0]
    check(PROTO in (sp.get("protocolSupportEnumeration") or "").split(), "protocolSupportEnumeration")
    check(sp.get("WantAssertionsSigned") == "true", "WantAssertionsSigned")
    check(sp.get("AuthnRequestsSigned") in BOOLS, "AuthnRequestsSigned")
    found["AuthnRequestsSigned"] = sp.get("AuthnRequestsSigned")

    rank = -1
    order = []
    for c in elements(sp):
        key = (etree.QName(c).namespace, etree.QName(c).localname)
        check(key in ORDER, "unexpected child %s" % c.tag)
        r = ORDER.index(key)
        check(r >= rank, "%s out of schema order" % key[1])
        rank = r
        if not order or order[-1] != key[1]:
            order.append(key[1])
    found["order"] = order

    uses = []
    for kd in sp.findall(q(MD, "KeyDescriptor")):
        use = kd.get("use")
        check(use in ("signing", "encryption"), "KeyDescriptor use %r" % use)
        kkids = elements(kd)
        check(kkids and kkids[0].tag == q(DS, "KeyInfo"), "KeyDescriptor starts with ds:KeyInfo")
        check(all(k.tag == q(MD, "EncryptionMethod") and k.get("Algorithm") for k in kkids[1:]),
              "KeyDescriptor: only EncryptionMethod after KeyInfo")
        certs = kd.findall("{%s}KeyInfo/{%s}X509Data/{%s}X509Certificate" % (DS, DS, DS))
        check(len(certs) == 1, "one X509Certificate per KeyDescriptor")
        der = base64.b64decode("".join(certs[0].text.split()), validate=True)
        from cryptography import x509

        x509.load_der_x509_certificate(der)
        uses.append({"use": use, "methods": [k.get("Algorithm") for k in kkids[1:]]})
    found["key_descriptors"] = uses

    slo = sp.findall(q(MD, "SingleLogoutService"))
    found["slo_bindings"] = [s.get("Binding") for s in slo]
    for s in slo:
        check(s.get("Binding") in (POST, REDIRECT) and s.get("Location"), "SingleLogoutService")

    found["name_id_formats"] = [n.text for n in sp.findall(q(MD, "NameIDFormat"))]
    acs = sp.findall(q(MD, "AssertionConsumerService"))
    check(len(acs) >= 1, "AssertionConsumerService required")
    for a in acs:
        check(a.get("Binding") and a.get("Location"), "ACS Binding/Location")
        int(a.get("index"))
        check(a.get("isDefault") in (None, *BOOLS), "isDefault")
    found["acs"] = [(a.get("Binding"), a.get("Location"), a.get("index"), a.get("isDefault")) for a in acs]

    found["requested_attributes"] = []
    for svc in sp.findall(q(MD, "AttributeConsumingService")):
        int(svc.get("index"))
        skids = elements(svc)
        names = [k for k in skids if k.tag == q(MD, "ServiceName")]
        check(names and skids[0].tag == q(MD, "ServiceName"), "ServiceName first and required")
        check(all(n.get(q(XML_NS, "lang")) for n in names), "ServiceName xml:lang")
        rest = [k for k in skids if k.tag != q(MD, "ServiceName")]
        check(rest, "RequestedAttribute+ required")
        check(skids[len(names):] == rest, "ServiceName before ServiceDescription/RequestedAttribute")
        for ra in rest:
            if ra.tag == q(MD, "ServiceDescription"):
                continue
            check(ra.tag == q(MD, "RequestedAttribute"), "unexpected %s" % ra.tag)
            check(ra.get("Name"), "RequestedAttribute Name")
            check(ra.get("NameFormat") in (URI_FMT, BASIC_FMT), "NameFormat")
            check(ra.get("isRequired") in (None, *BOOLS), "isRequired")
            found["requested_attributes"].append(
                [ra.get("Name"), ra.get("NameFormat"), ra.get("FriendlyName"), ra.get("isRequired")]
            )
    found["ok"] = True
    print(json.dumps(found))


if __name__ == "__main__":
    main(sys.argv[1])
