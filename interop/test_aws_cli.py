"""The AWS CLI (`aws --endpoint-url URL cognito-idp ...`) against a real server."""

import json
import os
import shutil
import subprocess
import time

import pytest

from support import idp_metadata, unique

pytestmark = pytest.mark.skipif(shutil.which("aws") is None, reason="AWS CLI not installed (pip install awscli)")


@pytest.fixture
def aws(server, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    # AWS CLI v1 would otherwise download parameter values that look like URLs (callback URLs).
    (tmp_path / "config").write_text("[default]\ncli_follow_urlparam = false\n")
    env.update(
        AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="y", AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="",
        AWS_CONFIG_FILE=str(tmp_path / "config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
        AWS_MAX_ATTEMPTS="1",
    )

    def run(*args, expect_error: bool = False):
        p = subprocess.run(
            ["aws", "--endpoint-url", server.url, "--output", "json", "cognito-idp", *args],
            capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path,
        )
        if expect_error:
            assert p.returncode != 0, p.stdout
            return p.stderr
        assert p.returncode == 0, f"aws {' '.join(args)} failed ({p.returncode}):\n{p.stderr}"
        return json.loads(p.stdout) if p.stdout.strip() else {}

    return run


def test_cli_round_trip(aws, cognito, tmp_path):
    name = unique("cli-")
    pool = aws("create-user-pool", "--pool-name", name, "--schema",
               "Name=dept,AttributeDataType=String,Mutable=true",
               "--username-configuration", "CaseSensitive=false")["UserPool"]
    pool_id = pool["Id"]
    assert pool["Name"] == name
    assert any(a["Name"] == "custom:dept" for a in pool["SchemaAttributes"])
    # AWS CLI v1 prints the wire's epoch seconds as they came.
    assert abs(pool["CreationDate"] - time.time()) < 120

    described = aws("describe-user-pool", "--user-pool-id", pool_id)["UserPool"]
    assert described["Id"] == pool_id and described["UsernameConfiguration"] == {"CaseSensitive": False}
    assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 8

    details = tmp_path / "details.json"
    metadata = idp_metadata(sso_redirect="https://cli-idp.example.com/sso")
    details.write_text(json.dumps({"MetadataFile": metadata, "IDPSignout": "false"}))
    idp = aws("create-identity-provider", "--user-pool-id", pool_id, "--provider-name", "CliCorp",
              "--provider-type", "SAML", "--provider-details", f"file://{details}",
              "--attribute-mapping", "email=mail,custom:dept=department",
              "--idp-identifiers", "cli.example.com")["IdentityProvider"]
    assert idp["ProviderDetails"]["MetadataFile"] == metadata
    assert idp["ProviderDetails"]["SSORedirectBindingURI"] == "https://cli-idp.example.com/sso"
    assert idp["AttributeMapping"] == {"email": "mail", "custom:dept": "department"}

    client = aws("create-user-pool-client", "--user-pool-id", pool_id, "--client-name", "cli-app",
                 "--generate-secret", "--supported-identity-providers", "CliCorp", "COGNITO",
                 "--write-attributes", "email", "custom:dept",
                 "--callback-urls", "https://app.example.com/cb", "--allowed-o-auth-flows", "code",
                 "--allowed-o-auth-scopes", "openid", "email", "--allowed-o-auth-flows-user-pool-client")["UserPoolClient"]
    assert client["ClientSecret"] and client["SupportedIdentityProviders"] == ["CliCorp", "COGNITO"]
    aws("admin-create-user", "--user-pool-id", pool_id, "--username", "ada", "--message-action", "SUPPRESS",
        "--user-attributes", "Name=email,Value=ada@example.com")
    for username, email in [("alan", "alan@example.com"), ("grace", "grace@navy.example")]:
        cognito.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS",
                                  UserAttributes=[{"Name": "email", "Value": email}])
    # The CLI follows PaginationToken itself; --page-size makes it take several pages.
    everyone = aws("list-users", "--user-pool-id", pool_id, "--page-size", "2")["Users"]
    assert sorted(u["Username"] for u in everyone) == ["ada", "alan", "grace"]
    found = aws("list-users", "--user-pool-id", pool_id, "--filter", 'email = "grace@navy.example"')["Users"]
    assert [u["Username"] for u in found] == ["grace"]
    found = aws("list-users", "--user-pool-id", pool_id, "--filter", 'username = "ADA"', "--attributes-to-get", "email")["Users"]
    assert [(u["Username"], u["Attributes"]) for u in found] == [("ada", [{"Name": "email", "Value": "ada@example.com"}])]

    err = aws("list-users", "--user-pool-id", pool_id, "--filter", "custom:dept = \"x\"", expect_error=True)
    assert "InvalidParameterException" in err and "Invalid search attribute" in err

    err = aws("delete-identity-provider", "--user-pool-id", pool_id, "--provider-name", "CliCorp", expect_error=True)
    assert "InvalidParameterException" in err and client["ClientId"] in err
    aws("delete-user-pool", "--user-pool-id", pool_id)
    assert "ResourceNotFoundException" in aws("describe-user-pool", "--user-pool-id", pool_id, expect_error=True)
