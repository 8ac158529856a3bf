"""App clients through boto3 (spec §2.2)."""

import re

import pytest

from support import all_pages, aws_error, saml_provider, unique


def test_create_client_defaults(cognito, pool):
    c = cognito.create_user_pool_client(UserPoolId=pool, ClientName="web")["UserPoolClient"]
    assert re.fullmatch(r"[a-z0-9]{26}", c["ClientId"])
    assert c["UserPoolId"] == pool and c["ClientName"] == "web"
    assert "ClientSecret" not in c
    assert c["RefreshTokenValidity"] == 30
    assert c["EnableTokenRevocation"] is True
    assert c["AuthSessionValidity"] == 3
    assert c["AllowedOAuthFlowsUserPoolClient"] is False
    assert c["CreationDate"] == c["LastModifiedDate"]
    described = cognito.describe_user_pool_client(UserPoolId=pool, ClientId=c["ClientId"])["UserPoolClient"]
    assert described == c


def test_generate_secret(cognito, pool):
    c = cognito.create_user_pool_client(UserPoolId=pool, ClientName="confidential", GenerateSecret=True)["UserPoolClient"]
    secret = c["ClientSecret"]
    assert 24 <= len(secret) <= 64 and re.fullmatch(r"[\w+]+", secret)
    described = cognito.describe_user_pool_client(UserPoolId=pool, ClientId=c["ClientId"])["UserPoolClient"]
    assert described["ClientSecret"] == secret
    listed = cognito.list_user_pool_clients(UserPoolId=pool, MaxResults=60)["UserPoolClients"]
    mine = [x for x in listed if x["ClientId"] == c["ClientId"]]
    assert mine == [{"ClientId": c["ClientId"], "UserPoolId": pool, "ClientName": "confidential"}]
    # The secret survives an update.
    cognito.update_user_pool_client(UserPoolId=pool, ClientId=c["ClientId"], ClientName="renamed")
    again = cognito.describe_user_pool_client(UserPoolId=pool, ClientId=c["ClientId"])["UserPoolClient"]
    assert again["ClientSecret"] == secret and again["ClientName"] == "renamed"


def test_client_secret_supplied(cognito, pool):
    secret = "s" * 20 + "0123456789"
    c = cognito.create_user_pool_client(UserPoolId=pool, ClientName="own", ClientSecret=secret)["UserPoolClient"]
    assert c["ClientSecret"] == secret
    with aws_error("InvalidParameterException", "GenerateSecret"):
        cognito.create_user_pool_client(UserPoolId=pool, ClientName="both", GenerateSecret=True, ClientSecret=secret)
    with aws_error("InvalidParameterException", "clientSecret"):
        cognito.create_user_pool_client(UserPoolId=pool, ClientName="long", ClientSecret="s" * 65)


@pytest.mark.parametrize(
    "url",
    ["https://app.example.com/callback", "http://localhost:3000/cb", "http://127.0.0.1:8080/cb", "myapp://callback"],
)
def test_callback_url_accepted(cognito, pool, url):
    c = cognito.create_user_pool_client(UserPoolId=pool, ClientName="cb", CallbackURLs=[url], LogoutURLs=[url])["UserPoolClient"]
    assert c["CallbackURLs"] == [url] and c["LogoutURLs"] == [url]


@pytest.mark.parametrize(
    "url, message",
    [
        ("http://app.example.com/callback", "https"),
        ("https://app.example.com/callback#fragment", "fragment"),
        ("/relative/callback", "absolute"),
        ("javascript:alert(1)", "scheme"),
    ],
    ids=["http-remote", "fragment", "relative", "javascript"],
)
def test_callback_url_refused(cognito, pool, url, message):
    with aws_error("InvalidParameterException", message):
        cognito.create_user_pool_client(UserPoolId=pool, ClientName="cb", CallbackURLs=[url])
    with aws_error("InvalidParameterException", message):
        cognito.create_user_pool_client(UserPoolId=pool, ClientName="lo", LogoutURLs=[url])


def test_default_redirect_uri_must_be_a_callback(cognito, pool):
    with aws_error("InvalidParameterException", "DefaultRedirectURI"):
        cognito.create_user_pool_client(
            UserPoolId=pool, ClientName="d", CallbackURLs=["https://a.example.com/cb"], DefaultRedirectURI="https://b.example.com/cb"
        )
    c = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="d", CallbackURLs=["https://a.example.com/cb"], DefaultRedirectURI="https://a.example.com/cb"
    )["UserPoolClient"]
    assert c["DefaultRedirectURI"] == "https://a.example.com/cb"


def test_oauth_flow_rules(cognito, pool):
    cognito.create_resource_server(
        UserPoolId=pool, Identifier="https://api.example.com", Name="api", Scopes=[{"ScopeName": "read", "ScopeDescription": "read"}]
    )
    base = dict(UserPoolId=pool, ClientName="m2m", AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthScopes=["https://api.example.com/read"])
    with aws_error("InvalidOAuthFlowException", "client_credentials"):
        cognito.create_user_pool_client(
            **base, GenerateSecret=True, AllowedOAuthFlows=["client_credentials", "code"], CallbackURLs=["https://a.example.com/cb"]
        )
    with aws_error("InvalidOAuthFlowException", "secret"):
        cognito.create_user_pool_client(**base, AllowedOAuthFlows=["client_credentials"])
    c = cognito.create_user_pool_client(**base, GenerateSecret=True, AllowedOAuthFlows=["client_credentials"])["UserPoolClient"]
    assert c["AllowedOAuthFlows"] == ["client_credentials"]
    assert c["AllowedOAuthScopes"] == ["https://api.example.com/read"]
    assert c["AllowedOAuthFlowsUserPoolClient"] is True
    with aws_error("InvalidParameterException", "allowedOAuthFlows"):
        cognito.create_user_pool_client(
            UserPoolId=pool, ClientName="bad", AllowedOAuthFlows=["password"], AllowedOAuthScopes=["openid"]
        )
    # Code flow with user scopes and a callback.
    code = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="web", AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email", "profile"], CallbackURLs=["https://a.example.com/cb"],
        SupportedIdentityProviders=["COGNITO"],
    )["UserPoolClient"]
    assert code["AllowedOAuthFlows"] == ["code"] and code["SupportedIdentityProviders"] == ["COGNITO"]


def test_scopes_must_exist(cognito, pool):
    with aws_error("ScopeDoesNotExistException", "https://api.example.com/write"):
        cognito.create_user_pool_client(
            UserPoolId=pool, ClientName="s", AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"],
            AllowedOAuthScopes=["openid", "https://api.example.com/write"], CallbackURLs=["https://a.example.com/cb"],
        )
    cognito.create_resource_server(
        UserPoolId=pool, Identifier="https://api.example.com", Name="api", Scopes=[{"ScopeName": "write", "ScopeDescription": "write"}]
    )
    c = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="s", AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "https://api.example.com/write"], CallbackURLs=["https://a.example.com/cb"],
    )["UserPoolClient"]
    assert c["AllowedOAuthScopes"] == ["openid", "https://api.example.com/write"]


def test_supported_identity_providers_must_exist(cognito, pool):
    with aws_error("InvalidParameterException", "NoSuchIdp"):
        cognito.create_user_pool_client(UserPoolId=pool, ClientName="i", SupportedIdentityProviders=["COGNITO", "NoSuchIdp"])
    with aws_error("InvalidParameterException", "Google"):
        cognito.create_user_pool_client(UserPoolId=pool, ClientName="i", SupportedIdentityProviders=["Google"])
    name = saml_provider(cognito, pool)["ProviderName"]
    c = cognito.create_user_pool_client(UserPoolId=pool, ClientName="i", SupportedIdentityProviders=["COGNITO", name])["UserPoolClient"]
    assert c["SupportedIdentityProviders"] == ["COGNITO", name]


def test_update_resets_omitted_members(cognito, pool):
    c = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="full", GenerateSecret=True,
        RefreshTokenValidity=10, AccessTokenValidity=2, IdTokenValidity=2,
        TokenValidityUnits={"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"},
        ReadAttributes=["email", "name"], WriteAttributes=["name"],
        ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"],
        SupportedIdentityProviders=["COGNITO"], CallbackURLs=["https://a.example.com/cb"], LogoutURLs=["https://a.example.com/out"],
        DefaultRedirectURI="https://a.example.com/cb", AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid"],
        AllowedOAuthFlowsUserPoolClient=True, PreventUserExistenceErrors="ENABLED", EnableTokenRevocation=False,
        AuthSessionValidity=10,
    )["UserPoolClient"]
    assert c["RefreshTokenValidity"] == 10 and c["EnableTokenRevocation"] is False
    out = cognito.update_user_pool_client(UserPoolId=pool, ClientId=c["ClientId"], ClientName="bare")["UserPoolClient"]
    for member in (
        "AccessTokenValidity", "IdTokenValidity", "TokenValidityUnits", "ReadAttributes", "WriteAttributes",
        "ExplicitAuthFlows", "SupportedIdentityProviders", "CallbackURLs", "LogoutURLs", "DefaultRedirectURI",
        "AllowedOAuthFlows", "AllowedOAuthScopes", "PreventUserExistenceErrors",
    ):
        assert not out.get(member), f"{member} kept after an update that omitted it: {out.get(member)!r}"
    assert out["RefreshTokenValidity"] == 30
    assert out["EnableTokenRevocation"] is True
    assert out["AuthSessionValidity"] == 3
    assert out["AllowedOAuthFlowsUserPoolClient"] is False
    assert out["ClientName"] == "bare" and out["ClientSecret"] == c["ClientSecret"]
    assert out["CreationDate"] == c["CreationDate"] and out["LastModifiedDate"] >= c["LastModifiedDate"]
    assert cognito.describe_user_pool_client(UserPoolId=pool, ClientId=c["ClientId"])["UserPoolClient"] == out


def test_update_validates_like_create(cognito, pool):
    c = cognito.create_user_pool_client(UserPoolId=pool, ClientName="v")["UserPoolClient"]
    with aws_error("InvalidParameterException", "https"):
        cognito.update_user_pool_client(UserPoolId=pool, ClientId=c["ClientId"], CallbackURLs=["http://evil.example.com/cb"])
    with aws_error("InvalidOAuthFlowException"):
        cognito.update_user_pool_client(
            UserPoolId=pool, ClientId=c["ClientId"], AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=["openid"],
        )
    with aws_error("ResourceNotFoundException", "does not exist"):
        cognito.update_user_pool_client(UserPoolId=pool, ClientId="nosuchclient000000000000000", ClientName="x")
    assert cognito.describe_user_pool_client(UserPoolId=pool, ClientId=c["ClientId"])["UserPoolClient"] == c


def test_token_validity_ranges(cognito, pool):
    with aws_error("InvalidParameterException"):
        cognito.create_user_pool_client(UserPoolId=pool, ClientName="t", AccessTokenValidity=25)  # hours: > 1 day
    with aws_error("InvalidParameterException"):
        cognito.create_user_pool_client(
            UserPoolId=pool, ClientName="t", AccessTokenValidity=4, TokenValidityUnits={"AccessToken": "minutes"}
        )
    c = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="t", AccessTokenValidity=60, TokenValidityUnits={"AccessToken": "minutes"}
    )["UserPoolClient"]
    assert c["AccessTokenValidity"] == 60 and c["TokenValidityUnits"]["AccessToken"] == "minutes"


def test_read_write_attributes_must_exist(cognito, pool):
    with aws_error("InvalidParameterException", "custom:nope"):
        cognito.create_user_pool_client(UserPoolId=pool, ClientName="a", ReadAttributes=["email", "custom:nope"])
    with aws_error("InvalidParameterException", "sub"):
        cognito.create_user_pool_client(UserPoolId=pool, ClientName="a", WriteAttributes=["sub"])


def test_delete_client(cognito, pool):
    c = cognito.create_user_pool_client(UserPoolId=pool, ClientName="gone")["UserPoolClient"]
    cognito.delete_user_pool_client(UserPoolId=pool, ClientId=c["ClientId"])
    with aws_error("ResourceNotFoundException", c["ClientId"]):
        cognito.describe_user_pool_client(UserPoolId=pool, ClientId=c["ClientId"])
    with aws_error("ResourceNotFoundException"):
        cognito.delete_user_pool_client(UserPoolId=pool, ClientId=c["ClientId"])


def test_client_of_another_pool_is_not_found(cognito, pool):
    other = cognito.create_user_pool(PoolName=unique("other-"))["UserPool"]["Id"]
    c = cognito.create_user_pool_client(UserPoolId=other, ClientName="elsewhere")["UserPoolClient"]
    with aws_error("ResourceNotFoundException"):
        cognito.describe_user_pool_client(UserPoolId=pool, ClientId=c["ClientId"])


def test_list_clients_pagination(cognito, pool):
    ids = {cognito.create_user_pool_client(UserPoolId=pool, ClientName=f"c{i}")["UserPoolClient"]["ClientId"] for i in range(5)}
    items, sizes = all_pages(cognito.list_user_pool_clients, "UserPoolClients", "NextToken", UserPoolId=pool, MaxResults=2)
    assert [len(ids)] == [len({i["ClientId"] for i in items})]
    assert {i["ClientId"] for i in items} == ids and len(items) == 5
    assert sizes == [2, 2, 1]
    assert all("ClientSecret" not in i for i in items)
    with aws_error("InvalidParameterException", "maxResults"):
        cognito.list_user_pool_clients(UserPoolId=pool, MaxResults=61)
    with aws_error("ResourceNotFoundException"):
        cognito.list_user_pool_clients(UserPoolId="us-east-1_Missing00", MaxResults=10)


def test_explicit_auth_flows(cognito, pool):
    c = cognito.create_user_pool_client(UserPoolId=pool, ClientName="f", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    assert c["UserPoolClient"]["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    with aws_error("InvalidParameterException"):
        cognito.create_user_pool_client(UserPoolId=pool, ClientName="f", ExplicitAuthFlows=["USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"])
    with aws_error("InvalidParameterException", "explicitAuthFlows"):
        cognito.create_user_pool_client(UserPoolId=pool, ClientName="f", ExplicitAuthFlows=["ALLOW_MAGIC"])


def test_code_flow_needs_callback_urls(cognito, pool):
    with aws_error("InvalidParameterException", "CallbackURLs"):
        cognito.create_user_pool_client(
            UserPoolId=pool, ClientName="nocb", AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid"]
        )
