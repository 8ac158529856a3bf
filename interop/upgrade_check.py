"""Upgrade check: a store written by an older `cirrus` is read by a newer one with nothing lost.

Usage: python3 interop/upgrade_check.py OLD_CIRRUS NEW_CIRRUS

Build the old binary from an earlier commit, e.g.
    git worktree add /tmp/cirrus-old <rev> && (cd /tmp/cirrus-old && CARGO_TARGET_DIR=/tmp/target-old cargo build -p cirrus)
The old server makes a pool, domain, SAML provider, client with a secret and a disabled user with
custom attributes on the embedded store; the new server, on the same data directory, must show
all of it, the same signing certificate and JWKS, and accept changes. Not part of the suite (it
needs two builds); run it when the store's format changes.
"""

import json
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
from botocore.config import Config

from idp import SamlTestIdP

def start(binary, data):
    p = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", data], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = p.stdout.readline().decode()
    url = line.strip().split("listening on ")[1]
    time.sleep(0.5)
    return p, url

def client(url):
    return boto3.client("cognito-idp", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y", config=Config(retries={"total_max_attempts": 1}))

data = tempfile.mkdtemp()
old, url = start(sys.argv[1], data)
c = client(url)
pool = c.create_user_pool(PoolName="upgrade", Schema=[{"Name": "dept", "AttributeDataType": "String"}])["UserPool"]["Id"]
c.create_user_pool_domain(UserPoolId=pool, Domain="upgrade-login")
idp = SamlTestIdP()
c.create_identity_provider(UserPoolId=pool, ProviderName="Corp", ProviderType="SAML", ProviderDetails={"MetadataFile": idp.metadata()}, AttributeMapping={"email": "mail"})
cl = c.create_user_pool_client(UserPoolId=pool, ClientName="web", GenerateSecret=True, SupportedIdentityProviders=["Corp"], CallbackURLs=["https://a.test/cb"], AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid"], AllowedOAuthFlowsUserPoolClient=True)["UserPoolClient"]
c.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS", UserAttributes=[{"Name": "email", "Value": "a@x.test"}, {"Name": "custom:dept", "Value": "eng"}, {"Name": "email_verified", "Value": "true"}])
c.admin_disable_user(UserPoolId=pool, Username="alice")
cert = c.get_signing_certificate(UserPoolId=pool)["Certificate"]
jwks_before = json.load(urllib.request.urlopen(f"{url}/{pool}/.well-known/jwks.json"))
old.terminate(); old.wait()
new, url2 = start(sys.argv[2], data)
c2 = client(url2)
assert c2.describe_user_pool(UserPoolId=pool)["UserPool"]["Name"] == "upgrade"
d = c2.describe_user_pool_client(UserPoolId=pool, ClientId=cl["ClientId"])["UserPoolClient"]
assert d["ClientSecret"] == cl["ClientSecret"] and d["CallbackURLs"] == ["https://a.test/cb"]
u = c2.admin_get_user(UserPoolId=pool, Username="alice")
attrs = {a["Name"]: a["Value"] for a in u["UserAttributes"]}
assert attrs["custom:dept"] == "eng" and attrs["email_verified"] == "true" and u["Enabled"] is False, u
assert c2.get_signing_certificate(UserPoolId=pool)["Certificate"] == cert
assert c2.describe_identity_provider(UserPoolId=pool, ProviderName="Corp")["IdentityProvider"]["AttributeMapping"]["email"] == "mail"
jwks_after = json.load(urllib.request.urlopen(f"{url2}/{pool}/.well-known/jwks.json"))
assert jwks_before == jwks_after
c2.update_user_pool_client(UserPoolId=pool, ClientId=cl["ClientId"], ClientName="web2")
assert c2.describe_user_pool_client(UserPoolId=pool, ClientId=cl["ClientId"])["UserPoolClient"]["ClientName"] == "web2"
new.terminate(); new.wait()
print("upgrade from", sys.argv[1], "to", sys.argv[2], "kept everything; exit codes", old.returncode, new.returncode)
