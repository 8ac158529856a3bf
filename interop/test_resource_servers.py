"""Resource servers and their scopes through boto3."""

from support import all_pages, aws_error

API = "https://api.example.com"


def scopes(*names):
    return [{"ScopeName": n, "ScopeDescription": f"{n} access"} for n in names]


def test_resource_server_crud(cognito, pool):
    created = cognito.create_resource_server(UserPoolId=pool, Identifier=API, Name="Orders API", Scopes=scopes("read", "write"))["ResourceServer"]
    assert created == {"UserPoolId": pool, "Identifier": API, "Name": "Orders API", "Scopes": scopes("read", "write")}
    assert cognito.describe_resource_server(UserPoolId=pool, Identifier=API)["ResourceServer"] == created
    with aws_error("InvalidParameterException", API):
        cognito.create_resource_server(UserPoolId=pool, Identifier=API, Name="again")
    updated = cognito.update_resource_server(UserPoolId=pool, Identifier=API, Name="Orders", Scopes=scopes("admin"))["ResourceServer"]
    assert updated["Name"] == "Orders" and updated["Scopes"] == scopes("admin")
    assert cognito.describe_resource_server(UserPoolId=pool, Identifier=API)["ResourceServer"] == updated
    cognito.delete_resource_server(UserPoolId=pool, Identifier=API)
    with aws_error("ResourceNotFoundException", API):
        cognito.describe_resource_server(UserPoolId=pool, Identifier=API)
    with aws_error("ResourceNotFoundException"):
        cognito.update_resource_server(UserPoolId=pool, Identifier=API, Name="x")
    with aws_error("ResourceNotFoundException"):
        cognito.delete_resource_server(UserPoolId=pool, Identifier=API)


def test_resource_server_validation(cognito, pool):
    with aws_error("InvalidParameterException", "read"):
        cognito.create_resource_server(UserPoolId=pool, Identifier=API, Name="dup", Scopes=scopes("read", "read"))
    with aws_error("InvalidParameterException", "/"):
        cognito.create_resource_server(UserPoolId=pool, Identifier=API, Name="slash", Scopes=scopes("a/b"))
    with aws_error("InvalidParameterException", "scopeName"):
        cognito.create_resource_server(UserPoolId=pool, Identifier=API, Name="space", Scopes=scopes("has space"))
    with aws_error("InvalidParameterException", "identifier"):
        cognito.create_resource_server(UserPoolId=pool, Identifier="x" * 257, Name="long")
    with aws_error("ResourceNotFoundException"):
        cognito.create_resource_server(UserPoolId="us-east-1_Missing00", Identifier=API, Name="orphan")
    assert cognito.list_resource_servers(UserPoolId=pool, MaxResults=50)["ResourceServers"] == []


def test_list_resource_servers_pagination(cognito, pool):
    ids = {f"https://api{i}.example.com" for i in range(5)}
    for i in ids:
        cognito.create_resource_server(UserPoolId=pool, Identifier=i, Name="n", Scopes=scopes("read"))
    items, sizes = all_pages(cognito.list_resource_servers, "ResourceServers", "NextToken", UserPoolId=pool, MaxResults=2)
    assert {s["Identifier"] for s in items} == ids and len(items) == 5
    assert sizes == [2, 2, 1]
    assert all(s["Scopes"] == scopes("read") for s in items)


def test_scopes_usable_by_clients(cognito, pool):
    cognito.create_resource_server(UserPoolId=pool, Identifier=API, Name="api", Scopes=scopes("read", "write"))
    client = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="m2m", GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=[f"{API}/read", f"{API}/write"],
    )["UserPoolClient"]
    assert client["AllowedOAuthScopes"] == [f"{API}/read", f"{API}/write"]
    # A scope that the server no longer defines cannot be given to a client any more.
    cognito.update_resource_server(UserPoolId=pool, Identifier=API, Name="api", Scopes=scopes("read"))
    with aws_error("ScopeDoesNotExistException", f"{API}/write"):
        cognito.update_user_pool_client(
            UserPoolId=pool, ClientId=client["ClientId"], AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=[f"{API}/read", f"{API}/write"],
        )
    out = cognito.update_user_pool_client(
        UserPoolId=pool, ClientId=client["ClientId"], AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=[f"{API}/read"],
    )["UserPoolClient"]
    assert out["AllowedOAuthScopes"] == [f"{API}/read"]
    # Scopes are per pool.
    other = cognito.create_user_pool(PoolName="scopes-other")["UserPool"]["Id"]
    with aws_error("ScopeDoesNotExistException"):
        cognito.create_user_pool_client(
            UserPoolId=other, ClientName="m2m", GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=[f"{API}/read"],
        )
