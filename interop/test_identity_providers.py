"""Identity providers through boto3 (spec §2.4, §4): SAML metadata checked when configured,
names, identifiers, attribute mapping and the client WriteAttributes rule; OIDC stored."""


import pytest

from support import aws_error, certificate, idp_metadata, load_certificate, saml_provider, unique

MAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"


def test_create_saml_from_metadata_file(cognito, pool):
    metadata = idp_metadata(entity_id="https://idp.example.com/corp")
    created = cognito.create_identity_provider(
        UserPoolId=pool,
        ProviderName="CorpSAML",
        ProviderType="SAML",
        ProviderDetails={"MetadataFile": metadata, "IDPSignout": "true", "IDPInit": "false", "RequestSigningAlgorithm": "rsa-sha256"},
        AttributeMapping={"email": MAIL, "given_name": "firstName"},
        IdpIdentifiers=["corp.example.com", "corp"],
    )["IdentityProvider"]
    assert created["UserPoolId"] == pool
    assert created["ProviderName"] == "CorpSAML" and created["ProviderType"] == "SAML"
    details = created["ProviderDetails"]
    assert details["MetadataFile"] == metadata
    assert details["IDPSignout"] == "true" and details["IDPInit"] == "false"
    assert details["RequestSigningAlgorithm"] == "rsa-sha256"
    assert details["SSORedirectBindingURI"] == "https://idp.example.com/sso/redirect"
    assert details["SLORedirectBindingURI"] == "https://idp.example.com/slo/redirect"
    # Cognito publishes the provider's encryption certificate even when EncryptedResponses is not
    # "true" (observed: lgallard/terraform-aws-cognito-user-pool#135, a perpetual diff on it).
    load_certificate(details["ActiveEncryptionCertificate"])
    assert "MetadataURL" not in details
    assert created["AttributeMapping"] == {"email": MAIL, "given_name": "firstName"}
    assert created["IdpIdentifiers"] == ["corp.example.com", "corp"]
    assert created["CreationDate"] == created["LastModifiedDate"]
    described = cognito.describe_identity_provider(UserPoolId=pool, ProviderName="CorpSAML")["IdentityProvider"]
    assert described == created


def test_encrypted_responses_publishes_a_certificate(cognito, pool):
    p = saml_provider(cognito, pool, details={"EncryptedResponses": "true"})
    details = p["ProviderDetails"]
    assert details["EncryptedResponses"] == "true"
    cert = load_certificate(details["ActiveEncryptionCertificate"])
    assert cert.public_key().key_size >= 2048
    again = cognito.describe_identity_provider(UserPoolId=pool, ProviderName=p["ProviderName"])["IdentityProvider"]
    assert again["ProviderDetails"]["ActiveEncryptionCertificate"] == details["ActiveEncryptionCertificate"]
    # Sending the derived keys back (as tools that round-trip Describe do) is accepted and ignored.
    updated = cognito.update_identity_provider(
        UserPoolId=pool, ProviderName=p["ProviderName"], ProviderDetails=dict(details, SSORedirectBindingURI="https://evil.example.com/")
    )["IdentityProvider"]
    assert updated["ProviderDetails"]["SSORedirectBindingURI"] == "https://idp.example.com/sso/redirect"
    assert updated["ProviderDetails"]["ActiveEncryptionCertificate"] == details["ActiveEncryptionCertificate"]


def test_no_slo_endpoint_means_no_slo_key(cognito, pool):
    p = saml_provider(cognito, pool, metadata=idp_metadata(slo_redirect=None))
    assert "SLORedirectBindingURI" not in p["ProviderDetails"]
    with aws_error("InvalidParameterException", "IDPSignout"):
        saml_provider(cognito, pool, metadata=idp_metadata(slo_redirect=None), details={"IDPSignout": "true"})


BAD_METADATA = [
    ("not-xml", "this is <not xml", "not well-formed"),
    ("dtd", idp_metadata(doctype='<!DOCTYPE md:EntityDescriptor [<!ENTITY x "y">]>\n'), "DTD"),
    ("no-idpssodescriptor", idp_metadata(descriptor=False), "IDPSSODescriptor"),
    ("no-signing-cert", idp_metadata(signing=False), "signing certificate"),
    ("encryption-cert-only", idp_metadata(signing=False, encryption_cert=certificate("enc.example.com")), "signing certificate"),
    ("no-redirect-sso", idp_metadata(sso_redirect=None), "HTTP-Redirect"),
    ("expired-signing-cert", idp_metadata(signing_cert=certificate("old.example.com", expired=True)), "expired"),
    ("expired-metadata", idp_metadata(valid_until="2001-01-01T00:00:00Z"), "validUntil"),
    ("wrong-root", '<?xml version="1.0"?><html><body>login</body></html>', "EntityDescriptor"),
    ("bad-cert", idp_metadata(signing_cert="bm90IGEgY2VydGlmaWNhdGU="), "certificate"),
    ("xxe", idp_metadata(doctype='<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'), "DTD"),
    ("processing-instruction", idp_metadata().replace("?>\n", '?>\n<?xml-stylesheet href="x.xsl"?>\n', 1), "processing instruction"),
    ("xinclude", idp_metadata().replace(
        "</md:EntityDescriptor>",
        '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/></md:EntityDescriptor>'), "XInclude"),
    ("deep-nesting", idp_metadata().replace(
        "</md:EntityDescriptor>", "<md:Extensions>" + "<x>" * 300 + "</x>" * 300 + "</md:Extensions></md:EntityDescriptor>"), "deeper"),
    ("utf16-declaration", idp_metadata().replace('encoding="UTF-8"', 'encoding="UTF-16"'), "UTF-8"),
]


@pytest.mark.parametrize("metadata, message", [(m, msg) for _, m, msg in BAD_METADATA], ids=[i for i, _, _ in BAD_METADATA])
def test_bad_metadata_file_refused(cognito, pool, metadata, message):
    name = unique("Bad")
    with aws_error("InvalidParameterException", message):
        cognito.create_identity_provider(UserPoolId=pool, ProviderName=name, ProviderType="SAML", ProviderDetails={"MetadataFile": metadata})
    with aws_error("ResourceNotFoundException"):
        cognito.describe_identity_provider(UserPoolId=pool, ProviderName=name)


def test_bad_metadata_on_update_keeps_the_old(cognito, pool):
    p = saml_provider(cognito, pool)
    with aws_error("InvalidParameterException", "IDPSSODescriptor"):
        cognito.update_identity_provider(
            UserPoolId=pool, ProviderName=p["ProviderName"], ProviderDetails={"MetadataFile": idp_metadata(descriptor=False)}
        )
    assert cognito.describe_identity_provider(UserPoolId=pool, ProviderName=p["ProviderName"])["IdentityProvider"] == p


def test_metadata_sources(cognito, pool):
    with aws_error("InvalidParameterException", "At least one of the MetadataURL or MetadataFile should be provided."):
        cognito.create_identity_provider(UserPoolId=pool, ProviderName="NoMeta", ProviderType="SAML", ProviderDetails={"IDPSignout": "false"})
    with aws_error("InvalidParameterException", "MetadataURL"):
        cognito.create_identity_provider(
            UserPoolId=pool, ProviderName="BothMeta", ProviderType="SAML",
            ProviderDetails={"MetadataFile": idp_metadata(), "MetadataURL": "https://idp.example.com/metadata"},
        )
    with aws_error("InvalidParameterException", "NotAKey"):
        saml_provider(cognito, pool, details={"NotAKey": "x"})
    with aws_error("InvalidParameterException", "IDPInit"):
        saml_provider(cognito, pool, details={"IDPInit": "yes"})
    with aws_error("InvalidParameterException", "RequestSigningAlgorithm"):
        saml_provider(cognito, pool, details={"RequestSigningAlgorithm": "rsa-sha1"})


def test_cirrus_details_are_echoed(cognito, pool):
    p = saml_provider(cognito, pool, details={"CirrusClockSkewSeconds": "60", "CirrusAllowSha1": "false"})
    assert p["ProviderDetails"]["CirrusClockSkewSeconds"] == "60"
    assert p["ProviderDetails"]["CirrusAllowSha1"] == "false"
    with aws_error("InvalidParameterException", "CirrusClockSkewSeconds"):
        saml_provider(cognito, pool, details={"CirrusClockSkewSeconds": "forever"})


def test_duplicate_provider(cognito, pool):
    p = saml_provider(cognito, pool, name="DupCorp")
    with aws_error("DuplicateProviderException", "DupCorp"):
        saml_provider(cognito, pool, name="DupCorp")
    # Another pool may use the same name.
    other = cognito.create_user_pool(PoolName=unique("other-"))["UserPool"]["Id"]
    assert saml_provider(cognito, other, name="DupCorp")["UserPoolId"] == other
    assert cognito.describe_identity_provider(UserPoolId=pool, ProviderName="DupCorp")["IdentityProvider"] == p


@pytest.mark.parametrize("name", ["COGNITO", "Cognito", "Google", "Facebook", "LoginWithAmazon", "SignInWithApple"])
def test_reserved_provider_names(cognito, pool, name):
    with aws_error("InvalidParameterException", name):
        saml_provider(cognito, pool, name=name)


@pytest.mark.parametrize("name", ["a_bc", "Corp-IdP.1", "okta", "x" * 32, "Ünïcode"])
def test_provider_name_pattern_accepted(cognito, pool, name):
    assert saml_provider(cognito, pool, name=name)["ProviderName"] == name


@pytest.mark.parametrize("name", ["_abc", "ab_c", "abc_", "ab", "a b c", "x" * 33])
def test_provider_name_pattern_refused(cognito, pool, name):
    with aws_error("InvalidParameterException", "providerName"):
        saml_provider(cognito, pool, name=name)


def test_social_provider_must_be_named_after_its_type(cognito, pool):
    details = {"client_id": "id", "client_secret": "secret", "authorize_scopes": "email"}
    with aws_error("InvalidParameterException", "Provider MyGoogle cannot be of type Google."):
        cognito.create_identity_provider(UserPoolId=pool, ProviderName="MyGoogle", ProviderType="Google", ProviderDetails=details)


def test_idp_identifiers(cognito, pool):
    a = saml_provider(cognito, pool, IdpIdentifiers=["example.com", "ex"])
    with aws_error("InvalidParameterException", "example.com"):
        saml_provider(cognito, pool, IdpIdentifiers=["other.com", "example.com"])
    with aws_error("InvalidParameterException", "dup.com"):
        saml_provider(cognito, pool, IdpIdentifiers=["dup.com", "dup.com"])
    with aws_error("InvalidParameterException", "idpIdentifiers"):
        saml_provider(cognito, pool, IdpIdentifiers=["x" * 41])
    got = cognito.get_identity_provider_by_identifier(UserPoolId=pool, IdpIdentifier="example.com")["IdentityProvider"]
    assert got == a
    assert cognito.get_identity_provider_by_identifier(UserPoolId=pool, IdpIdentifier="ex")["IdentityProvider"]["ProviderName"] == a["ProviderName"]
    with aws_error("ResourceNotFoundException"):
        cognito.get_identity_provider_by_identifier(UserPoolId=pool, IdpIdentifier="nobody.example")
    # Identifiers move when the provider is updated.
    b = saml_provider(cognito, pool, IdpIdentifiers=["b.example"])
    with aws_error("InvalidParameterException", "ex"):
        cognito.update_identity_provider(UserPoolId=pool, ProviderName=b["ProviderName"], IdpIdentifiers=["b.example", "ex"])
    cognito.update_identity_provider(UserPoolId=pool, ProviderName=a["ProviderName"], IdpIdentifiers=["example.com"])
    cognito.update_identity_provider(UserPoolId=pool, ProviderName=b["ProviderName"], IdpIdentifiers=["b.example", "ex"])
    assert cognito.get_identity_provider_by_identifier(UserPoolId=pool, IdpIdentifier="ex")["IdentityProvider"]["ProviderName"] == b["ProviderName"]
    # Identifiers are per pool.
    other = cognito.create_user_pool(PoolName=unique("other-"))["UserPool"]["Id"]
    saml_provider(cognito, other, IdpIdentifiers=["example.com"])


@pytest.fixture
def mapping_pool(cognito):
    return cognito.create_user_pool(
        PoolName=unique("map-"),
        Schema=[
            {"Name": "given_name", "Mutable": False},
            {"Name": "dept", "AttributeDataType": "String"},
            {"Name": "employee_id", "AttributeDataType": "String", "Mutable": False},
        ],
    )["UserPool"]["Id"]


@pytest.mark.parametrize(
    "mapping, attribute",
    [
        ({"email": MAIL, "custom:nope": "nope"}, "custom:nope"),
        ({"nickname_x": "nick"}, "nickname_x"),
        ({"given_name": "firstName"}, "given_name"),
        ({"custom:employee_id": "eid"}, "custom:employee_id"),
        ({"sub": "uid"}, "sub"),
        ({"username": "uid"}, "username"),
    ],
    ids=["unknown-custom", "unknown-standard", "immutable-standard", "immutable-custom", "sub", "username-saml"],
)
def test_attribute_mapping_checked_at_configuration(cognito, mapping_pool, mapping, attribute):
    with aws_error("InvalidParameterException", f"'{attribute}'"):
        saml_provider(cognito, mapping_pool, AttributeMapping=mapping)
    p = saml_provider(cognito, mapping_pool, AttributeMapping={"email": MAIL})
    with aws_error("InvalidParameterException", f"'{attribute}'"):
        cognito.update_identity_provider(UserPoolId=mapping_pool, ProviderName=p["ProviderName"], AttributeMapping=mapping)
    assert cognito.describe_identity_provider(UserPoolId=mapping_pool, ProviderName=p["ProviderName"])["IdentityProvider"]["AttributeMapping"] == {"email": MAIL}


def test_attribute_mapping_replaced_on_update(cognito, mapping_pool):
    p = saml_provider(cognito, mapping_pool, AttributeMapping={"email": MAIL, "custom:dept": "department"})
    assert p["AttributeMapping"] == {"email": MAIL, "custom:dept": "department"}
    out = cognito.update_identity_provider(
        UserPoolId=mapping_pool, ProviderName=p["ProviderName"], AttributeMapping={"family_name": "sn"}
    )["IdentityProvider"]
    assert out["AttributeMapping"] == {"family_name": "sn"}
    # Omitted members keep their value; ProviderDetails without a metadata source keep the source.
    out = cognito.update_identity_provider(
        UserPoolId=mapping_pool, ProviderName=p["ProviderName"], ProviderDetails={"IDPInit": "true"}
    )["IdentityProvider"]
    assert out["AttributeMapping"] == {"family_name": "sn"}
    assert out["ProviderDetails"]["IDPInit"] == "true"
    assert out["ProviderDetails"]["MetadataFile"] == p["ProviderDetails"]["MetadataFile"]
    assert out["ProviderDetails"]["SSORedirectBindingURI"] == p["ProviderDetails"]["SSORedirectBindingURI"]
    assert out["CreationDate"] == p["CreationDate"] and out["LastModifiedDate"] >= p["LastModifiedDate"]
    # New metadata replaces the derived endpoints.
    out = cognito.update_identity_provider(
        UserPoolId=mapping_pool, ProviderName=p["ProviderName"],
        ProviderDetails={"MetadataFile": idp_metadata(sso_redirect="https://idp2.example.com/sso")},
    )["IdentityProvider"]
    assert out["ProviderDetails"]["SSORedirectBindingURI"] == "https://idp2.example.com/sso"


def test_client_must_be_able_to_write_what_its_providers_map(cognito, mapping_pool):
    pool = mapping_pool
    corp = saml_provider(cognito, pool, name="WriteCorp", AttributeMapping={"email": MAIL, "custom:dept": "department"})["ProviderName"]
    # Omitted WriteAttributes: standard mutable attributes only, so custom:dept is not writable.
    with aws_error("InvalidParameterException", "'custom:dept'", "WriteCorp"):
        cognito.create_user_pool_client(UserPoolId=pool, ClientName="c", SupportedIdentityProviders=[corp])
    with aws_error("InvalidParameterException", "'email'", "WriteCorp"):
        cognito.create_user_pool_client(UserPoolId=pool, ClientName="c", SupportedIdentityProviders=[corp], WriteAttributes=["custom:dept"])
    client = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="c", SupportedIdentityProviders=[corp], WriteAttributes=["email", "custom:dept"]
    )["UserPoolClient"]
    # Client update that drops a mapped attribute.
    with aws_error("InvalidParameterException", "'custom:dept'", "WriteCorp"):
        cognito.update_user_pool_client(
            UserPoolId=pool, ClientId=client["ClientId"], ClientName="c", SupportedIdentityProviders=[corp], WriteAttributes=["email"]
        )
    # Provider update that maps something the client cannot write.
    with aws_error("InvalidParameterException", "'family_name'", "WriteCorp"):
        cognito.update_identity_provider(
            UserPoolId=pool, ProviderName=corp, AttributeMapping={"email": MAIL, "custom:dept": "department", "family_name": "sn"}
        )
    assert cognito.describe_identity_provider(UserPoolId=pool, ProviderName=corp)["IdentityProvider"]["AttributeMapping"] == {
        "email": MAIL, "custom:dept": "department"
    }
    assert cognito.describe_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"])["UserPoolClient"]["WriteAttributes"] == [
        "email", "custom:dept"
    ]
    # A client that does not list the provider is unaffected.
    cognito.create_user_pool_client(UserPoolId=pool, ClientName="plain", WriteAttributes=["email"])


def test_delete_refused_while_a_client_lists_it(cognito, pool):
    name = saml_provider(cognito, pool, AttributeMapping={"email": MAIL})["ProviderName"]
    client = cognito.create_user_pool_client(UserPoolId=pool, ClientName="c", SupportedIdentityProviders=["COGNITO", name])["UserPoolClient"]
    with aws_error("InvalidParameterException", name, client["ClientId"]):
        cognito.delete_identity_provider(UserPoolId=pool, ProviderName=name)
    assert cognito.describe_identity_provider(UserPoolId=pool, ProviderName=name)["IdentityProvider"]["ProviderName"] == name
    cognito.update_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"], ClientName="c", SupportedIdentityProviders=["COGNITO"])
    cognito.delete_identity_provider(UserPoolId=pool, ProviderName=name)
    with aws_error("ResourceNotFoundException", name):
        cognito.describe_identity_provider(UserPoolId=pool, ProviderName=name)
    with aws_error("ResourceNotFoundException"):
        cognito.delete_identity_provider(UserPoolId=pool, ProviderName=name)


def test_list_providers_pagination(cognito, pool):
    names = {saml_provider(cognito, pool)["ProviderName"] for _ in range(4)}
    names.add(cognito.create_identity_provider(
        UserPoolId=pool, ProviderName="ListOidc", ProviderType="OIDC",
        ProviderDetails={"client_id": "abc", "authorize_scopes": "openid", "oidc_issuer": "https://issuer.example.com", "attributes_request_method": "GET"},
    )["IdentityProvider"]["ProviderName"])
    seen, sizes, token = [], [], None
    while True:
        kw = {"NextToken": token} if token else {}
        out = cognito.list_identity_providers(UserPoolId=pool, MaxResults=2, **kw)
        seen.extend(out["Providers"])
        sizes.append(len(out["Providers"]))
        token = out.get("NextToken")
        if not token:
            break
    assert {p["ProviderName"] for p in seen} == names and len(seen) == 5
    assert sizes == [2, 2, 1]
    for p in seen:
        assert set(p) == {"ProviderName", "ProviderType", "LastModifiedDate", "CreationDate"}
    assert {p["ProviderType"] for p in seen} == {"SAML", "OIDC"}
    with aws_error("InvalidParameterException", "maxResults"):
        cognito.list_identity_providers(UserPoolId=pool, MaxResults=61)


def test_oidc_provider_stored(cognito, pool):
    details = {
        "client_id": "oidc-client",
        "client_secret": "oidc-secret",
        "authorize_scopes": "openid email profile",
        "oidc_issuer": "https://login.example.com",
        "attributes_request_method": "GET",
    }
    p = cognito.create_identity_provider(
        UserPoolId=pool, ProviderName="Okta", ProviderType="OIDC", ProviderDetails=details,
        AttributeMapping={"email": "email", "username": "sub"},
    )["IdentityProvider"]
    assert p["ProviderType"] == "OIDC"
    for k, v in details.items():
        assert p["ProviderDetails"][k] == v
    assert p["AttributeMapping"] == {"email": "email", "username": "sub"}
    assert cognito.describe_identity_provider(UserPoolId=pool, ProviderName="Okta")["IdentityProvider"] == p
    with aws_error("InvalidParameterException", "oidc_issuer"):
        cognito.create_identity_provider(
            UserPoolId=pool, ProviderName="NoIssuer", ProviderType="OIDC",
            ProviderDetails={"client_id": "x", "authorize_scopes": "openid"},
        )


def test_unknown_provider_and_pool(cognito, pool):
    with aws_error("ResourceNotFoundException"):
        cognito.describe_identity_provider(UserPoolId=pool, ProviderName="Nobody")
    with aws_error("ResourceNotFoundException"):
        cognito.update_identity_provider(UserPoolId=pool, ProviderName="Nobody", AttributeMapping={"email": "mail"})
    with aws_error("ResourceNotFoundException"):
        saml_provider(cognito, "us-east-1_Missing00")
    with aws_error("InvalidParameterException", "providerType"):
        cognito.create_identity_provider(UserPoolId=pool, ProviderName="Weird", ProviderType="LDAP", ProviderDetails={"a": "b"})


def test_get_signing_certificate(cognito, pool):
    cert = cognito.get_signing_certificate(UserPoolId=pool)["Certificate"]
    assert not cert.startswith("-----"), "GetSigningCertificate returns base64 DER without PEM armour"
    parsed = load_certificate(cert)
    assert pool in parsed.subject.rfc4514_string()
    assert cognito.get_signing_certificate(UserPoolId=pool)["Certificate"] == cert
    with aws_error("ResourceNotFoundException"):
        cognito.get_signing_certificate(UserPoolId="us-east-1_Missing00")


# --- MetadataURL ---------------------------------------------------------------------------


def test_metadata_url(fresh_store, launch, metadata_site):
    base, documents = metadata_site
    documents["/idp/metadata.xml"] = idp_metadata(sso_redirect="https://url-idp.example.com/sso")
    srv = launch(fresh_store(), "--allow-insecure-metadata-urls")
    c = srv.client()
    pool = c.create_user_pool(PoolName="url-pool")["UserPool"]["Id"]
    url = f"{base}/idp/metadata.xml"
    p = c.create_identity_provider(UserPoolId=pool, ProviderName="UrlIdp", ProviderType="SAML", ProviderDetails={"MetadataURL": url})["IdentityProvider"]
    assert p["ProviderDetails"]["MetadataURL"] == url
    assert "MetadataFile" not in p["ProviderDetails"]
    assert p["ProviderDetails"]["SSORedirectBindingURI"] == "https://url-idp.example.com/sso"
    # Update re-fetches.
    documents["/idp/metadata.xml"] = idp_metadata(sso_redirect="https://url-idp.example.com/sso2")
    p = c.update_identity_provider(UserPoolId=pool, ProviderName="UrlIdp", ProviderDetails={"MetadataURL": url})["IdentityProvider"]
    assert p["ProviderDetails"]["SSORedirectBindingURI"] == "https://url-idp.example.com/sso2"
    with aws_error("InvalidParameterException", f"Non-ok status code 404 returned from remote metadata source {base}/missing.xml"):
        c.create_identity_provider(UserPoolId=pool, ProviderName="Url404", ProviderType="SAML", ProviderDetails={"MetadataURL": f"{base}/missing.xml"})
    documents["/bad.xml"] = idp_metadata(signing=False)
    with aws_error("InvalidParameterException", "signing certificate"):
        c.create_identity_provider(UserPoolId=pool, ProviderName="UrlBad", ProviderType="SAML", ProviderDetails={"MetadataURL": f"{base}/bad.xml"})


def test_metadata_url_refused_without_insecure_flag(fresh_store, launch, metadata_site):
    base, documents = metadata_site
    documents["/m.xml"] = idp_metadata()
    srv = launch(fresh_store())
    c = srv.client()
    pool = c.create_user_pool(PoolName="secure-pool")["UserPool"]["Id"]
    with aws_error("InvalidParameterException", "https"):
        c.create_identity_provider(UserPoolId=pool, ProviderName="HttpIdp", ProviderType="SAML", ProviderDetails={"MetadataURL": f"{base}/m.xml"})
    # https to a loopback address is refused too (no SSRF into the deployment's network).
    with aws_error("InvalidParameterException", "127.0.0.1"):
        c.create_identity_provider(
            UserPoolId=pool, ProviderName="LoopIdp", ProviderType="SAML",
            ProviderDetails={"MetadataURL": "https://127.0.0.1:1/metadata.xml"},
        )
    assert c.list_identity_providers(UserPoolId=pool, MaxResults=10)["Providers"] == []


def test_idp_identifiers_compare_without_case(cognito, pool):
    # [U] spec §4.3: identifiers are domain-like; the server itself refuses "A.com" next to "a.com" in
    # one list, so two providers must not hold them either.
    saml_provider(cognito, pool, IdpIdentifiers=["case.example"])
    with aws_error("InvalidParameterException", "CASE.example"):
        saml_provider(cognito, pool, IdpIdentifiers=["CASE.example"])


def test_metadata_file_size_limit(cognito, pool):
    padding = "<!-- " + "x" * 131_100 + " -->\n"
    big = idp_metadata().replace("</md:EntityDescriptor>", padding + "</md:EntityDescriptor>")
    with aws_error("InvalidParameterException", "131072"):
        saml_provider(cognito, pool, metadata=big)


def test_entities_descriptor_needs_a_choice(cognito, pool):
    one = idp_metadata(entity_id="https://a.example.com/saml", sso_redirect="https://a.example.com/sso")
    two = idp_metadata(entity_id="https://b.example.com/saml", sso_redirect="https://b.example.com/sso")
    strip = lambda m: m.split("?>\n", 1)[1]  # noqa: E731
    both = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">\n'
        f"{strip(one)}{strip(two)}</md:EntitiesDescriptor>\n"
    )
    with aws_error("InvalidParameterException", "CirrusEntityId") as _:
        saml_provider(cognito, pool, metadata=both)
    p = saml_provider(cognito, pool, metadata=both, details={"CirrusEntityId": "https://b.example.com/saml"})
    assert p["ProviderDetails"]["SSORedirectBindingURI"] == "https://b.example.com/sso"
    assert p["ProviderDetails"]["CirrusEntityId"] == "https://b.example.com/saml"


def test_metadata_variants_accepted(cognito, pool):
    # An ECDSA signing certificate.
    saml_provider(cognito, pool, metadata=idp_metadata(signing_cert=certificate("ec.example.com", kind="ec")))
    # One expired and one current signing certificate (rollover): any current one is enough.
    rollover = idp_metadata(signing_cert=certificate("old.example.com", expired=True)).replace(
        "<md:SingleLogoutService", (
            '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
            f"{certificate('new.example.com')}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n"
            "    <md:SingleLogoutService"), 1)
    saml_provider(cognito, pool, metadata=rollover)
    # A KeyDescriptor without use="..." serves for signing.
    saml_provider(cognito, pool, metadata=idp_metadata().replace('<md:KeyDescriptor use="signing">', "<md:KeyDescriptor>"))
    # An encryption certificate next to the signing one.
    saml_provider(cognito, pool, metadata=idp_metadata(encryption_cert=certificate("enc.example.com")))
