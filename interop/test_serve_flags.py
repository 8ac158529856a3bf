"""`cirrus serve` flags and their environment twins (DESIGN §3)."""



from conftest import Server, make_client, run_serve_expect_exit
from support import aws_error, free_port, unique




def test_public_url_is_the_ready_line(fresh_store, launch):
    port = free_port()
    srv = launch(fresh_store(), "--public-url", "https://cirrus.example.test/", listen=f"127.0.0.1:{port}",
                 health_url=f"http://127.0.0.1:{port}")
    assert srv.url == "https://cirrus.example.test"
    c = make_client(f"http://127.0.0.1:{port}")
    assert c.list_user_pools(MaxResults=1)["UserPools"] == []


def test_default_public_url_is_the_bound_address(fresh_store, launch):
    port = free_port()
    srv = launch(fresh_store(), listen=f"127.0.0.1:{port}")
    assert srv.url == f"http://127.0.0.1:{port}"


def test_region_and_account_shape_ids(fresh_store, launch):
    srv = launch(fresh_store(), "--region", "eu-west-1", "--account-id", "123456789012")
    c = make_client(srv.url)
    pool = c.create_user_pool(PoolName="eu")["UserPool"]
    assert pool["Id"].startswith("eu-west-1_")
    assert pool["Arn"] == f"arn:aws:cognito-idp:eu-west-1:123456789012:userpool/{pool['Id']}"
    assert c.list_tags_for_resource(ResourceArn=pool["Arn"])["Tags"] == {}
    domain = unique("eu-acct-")
    c.create_user_pool_domain(UserPoolId=pool["Id"], Domain=domain)
    assert c.describe_user_pool_domain(Domain=domain)["DomainDescription"]["AWSAccountId"] == "123456789012"


def test_env_twins(fresh_store, launch, tmp_path):
    keys = "AKIDENV1:secret-one,AKIDENV2:secret-two"
    srv = launch(fresh_store(), env={"CIRRUS_REGION": "ap-south-1", "CIRRUS_ADMIN_KEYS": keys})
    import boto3
    from botocore.config import Config

    ap = boto3.client("cognito-idp", endpoint_url=srv.url, region_name="ap-south-1", aws_access_key_id="AKIDENV2",
                      aws_secret_access_key="secret-two", config=Config(retries={"total_max_attempts": 1}))
    assert ap.create_user_pool(PoolName="env")["UserPool"]["Id"].startswith("ap-south-1_")
    # Keys are enforced, and signatures must be for the configured region.
    with aws_error("InvalidSignatureException"):
        make_client(srv.url, access_key="AKIDENV2", secret_key="secret-two").list_user_pools(MaxResults=1)
    with aws_error("UnrecognizedClientException"):
        boto3.client("cognito-idp", endpoint_url=srv.url, region_name="ap-south-1", aws_access_key_id="AKIDOTHER",
                     aws_secret_access_key="x", config=Config(retries={"total_max_attempts": 1})).list_user_pools(MaxResults=1)


def test_non_postgres_database_url_refused(fresh_store):
    store = fresh_store()
    rc, out, err = run_serve_expect_exit(["--listen", "127.0.0.1:0", "--data-dir", str(store.data_dir), "--database-url", "mysql://db/cirrus"])
    assert rc != 0 and "cirrus listening on" not in out
    assert "is not a postgres:// URL" in err


def test_master_key(fresh_store, backend, server):
    if backend == "sqlite":
        # The embedded store generates its master key in the data dir on first start.
        import base64

        key = (server.store.data_dir / "master.key").read_text().strip()
        assert len(base64.b64decode(key)) == 32
        return
    store = fresh_store()
    rc, out, err = run_serve_expect_exit(["--listen", "127.0.0.1:0", "--database-url", store.database_url])
    assert rc != 0 and "--master-key-file is required with PostgreSQL" in err


def test_bad_master_key_file_refused(fresh_store, tmp_path):
    bad = tmp_path / "bad.key"
    bad.write_text("not base64 of 32 bytes\n")
    store = fresh_store()
    args = ["--listen", "127.0.0.1:0", "--data-dir", str(store.data_dir), "--master-key-file", str(bad)]
    if store.database_url:
        args += ["--database-url", store.database_url]
    rc, out, err = run_serve_expect_exit(args)
    assert rc != 0 and "cirrus listening on" not in out and err.strip()


def test_port_in_use_refused(fresh_store, server):
    port = server.url.rsplit(":", 1)[1]
    rc, out, err = run_serve_expect_exit(["--listen", f"127.0.0.1:{port}", *fresh_store().args()])
    assert rc != 0 and f"cannot listen on 127.0.0.1:{port}" in err


def test_healthz(server):
    import requests

    r = requests.get(server.url + "/healthz", timeout=10)
    assert r.status_code == 200 and r.text == "ok"


def test_sigterm_right_after_the_ready_line(fresh_store):
    """A supervisor may stop a server as soon as it says it is ready; that stop must be graceful."""
    store = fresh_store()
    codes = []
    for _ in range(20):
        srv = Server(store)
        srv.wait_healthy = False
        srv.start()
        codes.append(srv.stop())
    assert codes == [0] * 20, codes
