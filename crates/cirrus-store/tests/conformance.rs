//! One conformance suite for every `Store` implementation: the embedded SQLite store always, and
//! PostgreSQL when `CIRRUS_TEST_DATABASE_URL` is set (each run in a database of its own, dropped
//! afterwards).
#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

use std::collections::BTreeMap;

use cirrus_core::model::Timestamp;
use cirrus_core::model::client::{AppClient, ClientSettings};
use cirrus_core::model::domain::PoolDomain;
use cirrus_core::model::group::Group;
use cirrus_core::model::identity_provider::IdentityProvider;
use cirrus_core::model::resource_server::{ResourceServer, ResourceServerScope};
use cirrus_core::model::schema::Schema;
use cirrus_core::model::session::{AuditEvent, JwtKeyRecord, RefreshTokenRecord};
use cirrus_core::model::user::User;
use cirrus_core::model::user_pool::{PoolSettings, UserPool};
use cirrus_core::store::{PoolSigningKey, Store, StoreError, UserFilter};
use cirrus_store::SqlStore;
use sqlx::Connection;

fn pool(id: &str) -> UserPool {
    UserPool {
        id: id.into(),
        name: format!("pool {id}"),
        arn: format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{id}"),
        creation_date: Timestamp(1_000),
        last_modified_date: Timestamp(1_000),
        schema_attributes: Schema::for_new_pool(&[]).unwrap(),
        alias_attributes: None,
        username_attributes: None,
        username_configuration: None,
        settings: PoolSettings::default().with_defaults(),
    }
}

fn key(pool_id: &str) -> PoolSigningKey {
    PoolSigningKey {
        pool_id: pool_id.into(),
        certificate: "Y2VydA==".into(),
        private_key_sealed: "v1.sealed".into(),
        created: 1_000,
    }
}

fn user(pool_id: &str, username: &str, attrs: &[(&str, &str)]) -> User {
    User {
        pool_id: pool_id.into(),
        username: username.into(),
        sub: uuid::Uuid::new_v4().to_string(),
        status: "CONFIRMED".into(),
        enabled: true,
        created: Timestamp(5),
        modified: Timestamp(5),
        attributes: attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn provider(pool_id: &str, name: &str, identifiers: &[&str]) -> IdentityProvider {
    IdentityProvider {
        user_pool_id: pool_id.into(),
        provider_name: name.into(),
        provider_type: "SAML".into(),
        provider_details: BTreeMap::from([("MetadataFile".to_string(), "<xml/>".to_string())]),
        attribute_mapping: BTreeMap::new(),
        idp_identifiers: identifiers.iter().map(|s| s.to_string()).collect(),
        creation_date: Timestamp(1),
        last_modified_date: Timestamp(1),
        metadata_xml: Some("<xml/>".into()),
        metadata_fetched_at: None,
        encryption_certificate: None,
        encryption_key_sealed: None,
    }
}

fn group(pool_id: &str, name: &str) -> Group {
    Group {
        group_name: name.into(),
        user_pool_id: pool_id.into(),
        description: None,
        role_arn: None,
        precedence: Some(1),
        creation_date: Timestamp(1),
        last_modified_date: Timestamp(1),
    }
}

async fn pools(s: &dyn Store) {
    for id in ["p_3", "p_1", "p_2"] {
        s.create_pool(&pool(id), &key(id)).await.unwrap();
    }
    assert!(matches!(
        s.create_pool(&pool("p_1"), &key("p_1")).await,
        Err(StoreError::Conflict(_))
    ));
    let page = s.list_pools(2, None).await.unwrap();
    assert_eq!(
        page.items.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["p_1", "p_2"]
    );
    let rest = s.list_pools(2, page.next.as_deref()).await.unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.next, None);
    let mut p = s.get_pool("p_1").await.unwrap().unwrap();
    assert_eq!(p, pool("p_1"));
    p.name = "renamed".into();
    s.put_pool(&p).await.unwrap();
    assert_eq!(s.get_pool("p_1").await.unwrap().unwrap().name, "renamed");
    assert!(matches!(
        s.put_pool(&pool("p_none")).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        s.pool_signing_key("p_1").await.unwrap().unwrap(),
        key("p_1")
    );
    assert_eq!(s.get_pool("p_none").await.unwrap(), None);
}

async fn clients_domains_servers(s: &dyn Store) {
    let client = AppClient {
        user_pool_id: "p_1".into(),
        client_id: "client1".into(),
        client_secret: Some("s".repeat(30)),
        creation_date: Timestamp(1),
        last_modified_date: Timestamp(1),
        settings: ClientSettings {
            client_name: Some("web".into()),
            supported_identity_providers: Some(vec!["Corp".into()]),
            ..Default::default()
        },
    };
    s.create_client(&client).await.unwrap();
    assert_eq!(
        s.get_client("p_1", "client1").await.unwrap().unwrap(),
        client
    );
    assert_eq!(
        s.get_client("p_2", "client1").await.unwrap(),
        None,
        "clients belong to one pool"
    );
    assert_eq!(s.count_clients("p_1").await.unwrap(), 1);
    s.delete_client("p_1", "client1").await.unwrap();
    assert!(matches!(
        s.delete_client("p_1", "client1").await,
        Err(StoreError::NotFound(_))
    ));

    let d = PoolDomain {
        domain: "login".into(),
        user_pool_id: "p_1".into(),
        certificate_arn: None,
        managed_login_version: Some(1),
        creation_date: Timestamp(1),
        last_modified_date: Timestamp(1),
    };
    s.create_domain(&d).await.unwrap();
    let mut other = d.clone();
    other.user_pool_id = "p_2".into();
    assert!(matches!(
        s.create_domain(&other).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.pool_domains("p_1").await.unwrap(), vec![d.clone()]);
    assert_eq!(s.get_domain("login").await.unwrap(), Some(d));

    let rs = ResourceServer {
        user_pool_id: "p_1".into(),
        identifier: "https://api".into(),
        name: "api".into(),
        scopes: vec![ResourceServerScope {
            scope_name: Some("read".into()),
            scope_description: Some("read".into()),
        }],
    };
    s.create_resource_server(&rs).await.unwrap();
    assert!(matches!(
        s.create_resource_server(&rs).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.list_resource_servers("p_1", 10, None)
            .await
            .unwrap()
            .items,
        vec![rs]
    );
}

async fn providers(s: &dyn Store) {
    s.create_provider(&provider("p_1", "Corp", &["corp.com", "corp.org"]))
        .await
        .unwrap();
    assert!(matches!(
        s.create_provider(&provider("p_1", "Corp", &[])).await,
        Err(StoreError::Conflict(what)) if what == "provider"
    ));
    // An identifier already taken fails the whole insert: the provider is not half-created.
    assert!(matches!(
        s.create_provider(&provider("p_1", "Other", &["new.com", "corp.com"])).await,
        Err(StoreError::Conflict(what)) if what == "identifier corp.com"
    ));
    assert_eq!(s.get_provider("p_1", "Other").await.unwrap(), None);
    assert!(
        s.provider_by_identifier("p_1", "new.com")
            .await
            .unwrap()
            .is_none()
    );
    // The same identifier in another pool is fine.
    s.create_provider(&provider("p_2", "Corp", &["corp.com"]))
        .await
        .unwrap();
    assert_eq!(
        s.provider_by_identifier("p_1", "corp.org")
            .await
            .unwrap()
            .unwrap()
            .provider_name,
        "Corp"
    );
    // Replacing identifiers frees the old ones.
    s.put_provider(&provider("p_1", "Corp", &["corp.net"]))
        .await
        .unwrap();
    assert!(
        s.provider_by_identifier("p_1", "corp.com")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.provider_by_identifier("p_1", "corp.net")
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(s.count_providers("p_1").await.unwrap(), 1);
    s.delete_provider("p_1", "Corp").await.unwrap();
    assert!(
        s.provider_by_identifier("p_1", "corp.net")
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        s.delete_provider("p_1", "Corp").await,
        Err(StoreError::NotFound(_))
    ));
}

async fn users_and_groups(s: &dyn Store) {
    let alice = user(
        "p_1",
        "Alice",
        &[("email", "Alice@Example.com"), ("name", "Alice A")],
    );
    s.create_user(&alice, true).await.unwrap();
    assert!(matches!(
        s.create_user(&user("p_1", "alice", &[]), true).await,
        Err(StoreError::Conflict(_))
    ));
    s.create_user(&user("p_2", "alice", &[]), false)
        .await
        .unwrap();
    assert_eq!(
        s.get_user("p_1", "ALICE", true)
            .await
            .unwrap()
            .unwrap()
            .attributes,
        alice.attributes
    );
    assert_eq!(s.get_user("p_1", "ALICE", false).await.unwrap(), None);
    for i in 0..5 {
        s.create_user(
            &user(
                "p_1",
                &format!("Corp_{i}"),
                &[("email", &format!("u{i}@corp.com"))],
            ),
            true,
        )
        .await
        .unwrap();
    }
    let filter = UserFilter::Username {
        value: "Corp_".into(),
        prefix: true,
        ignore_case: false,
    };
    let page = s.list_users("p_1", &filter, 3, None).await.unwrap();
    assert_eq!(page.items.len(), 3);
    assert_eq!(page.items[0].attributes["email"], "u0@corp.com");
    let rest = s
        .list_users("p_1", &filter, 3, page.next.as_deref())
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 2);
    assert!(rest.next.is_none());
    let email = |v: &str, prefix, ignore_case| UserFilter::Attribute {
        name: "email".into(),
        value: v.into(),
        prefix,
        ignore_case,
    };
    assert_eq!(
        s.list_users("p_1", &email("alice@example.com", false, true), 60, None)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert_eq!(
        s.list_users("p_1", &email("alice@example.com", false, false), 60, None)
            .await
            .unwrap()
            .items
            .len(),
        0
    );
    assert_eq!(
        s.list_users("p_1", &email("u", true, false), 60, None)
            .await
            .unwrap()
            .items
            .len(),
        5
    );
    // A prefix is a prefix, not a pattern: no LIKE wildcards.
    assert_eq!(
        s.list_users("p_1", &email("%", true, false), 60, None)
            .await
            .unwrap()
            .items
            .len(),
        0
    );
    assert_eq!(
        s.list_users("p_1", &UserFilter::All, 60, None)
            .await
            .unwrap()
            .items
            .len(),
        6
    );
    let mut a = s.get_user("p_1", "Alice", true).await.unwrap().unwrap();
    a.enabled = false;
    a.attributes.remove("name");
    a.attributes.insert("custom:dept".into(), "eng".into());
    s.put_user(&a).await.unwrap();
    let back = s.get_user("p_1", "Alice", true).await.unwrap().unwrap();
    assert_eq!(back, a);
    assert_eq!(
        s.list_users("p_1", &UserFilter::Enabled(false), 60, None)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert_eq!(
        s.list_users("p_1", &UserFilter::Status("CONFIRMED".into()), 60, None)
            .await
            .unwrap()
            .items
            .len(),
        6
    );
    assert_eq!(s.count_users("p_1").await.unwrap(), 6);

    s.create_group(&group("p_1", "admins")).await.unwrap();
    s.create_group(&group("p_1", "devs")).await.unwrap();
    assert!(matches!(
        s.create_group(&group("p_1", "admins")).await,
        Err(StoreError::Conflict(_))
    ));
    s.add_user_to_group("p_1", "admins", "Alice").await.unwrap();
    s.add_user_to_group("p_1", "admins", "Alice").await.unwrap();
    s.add_user_to_group("p_1", "devs", "Alice").await.unwrap();
    s.add_user_to_group("p_1", "devs", "Corp_1").await.unwrap();
    let groups = s
        .groups_of_user("p_1", "Alice", 60, None)
        .await
        .unwrap()
        .items;
    assert_eq!(
        groups
            .iter()
            .map(|g| g.group_name.as_str())
            .collect::<Vec<_>>(),
        ["admins", "devs"]
    );
    assert_eq!(
        s.users_in_group("p_1", "devs", 60, None)
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    s.remove_user_from_group("p_1", "devs", "Corp_1")
        .await
        .unwrap();
    assert_eq!(
        s.users_in_group("p_1", "devs", 60, None)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    s.delete_user("p_1", "Alice").await.unwrap();
    assert!(
        s.users_in_group("p_1", "admins", 60, None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    s.delete_group("p_1", "devs").await.unwrap();
    assert_eq!(s.list_groups("p_1", 60, None).await.unwrap().items.len(), 1);
}

async fn pool_deletion_cascades(s: &dyn Store) {
    s.delete_pool("p_1").await.unwrap();
    assert_eq!(s.get_pool("p_1").await.unwrap(), None);
    assert_eq!(s.count_users("p_1").await.unwrap(), 0);
    assert!(s.pool_domains("p_1").await.unwrap().is_empty());
    assert!(
        s.list_groups("p_1", 60, None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(s.get_domain("login").await.unwrap().is_none());
    // Other pools are untouched.
    assert!(s.get_user("p_2", "alice", false).await.unwrap().is_some());
    assert!(matches!(
        s.delete_pool("p_1").await,
        Err(StoreError::NotFound(_))
    ));
}

async fn sign_in_state(s: &dyn Store) {
    // Short-lived records: one use, and expiry counts.
    s.put_ephemeral("code", "c1", "p_1", 2_000, "{\"a\":1}", 1_000)
        .await
        .unwrap();
    assert!(matches!(
        s.put_ephemeral("code", "c1", "p_1", 2_000, "{}", 1_500)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.get_ephemeral("code", "c1", 1_500)
            .await
            .unwrap()
            .as_deref(),
        Some("{\"a\":1}")
    );
    assert_eq!(
        s.take_ephemeral("code", "c1", 1_500)
            .await
            .unwrap()
            .as_deref(),
        Some("{\"a\":1}")
    );
    assert_eq!(
        s.take_ephemeral("code", "c1", 1_500).await.unwrap(),
        None,
        "a code is taken once"
    );
    s.put_ephemeral("code", "c2", "p_1", 2_000, "{}", 1_000)
        .await
        .unwrap();
    assert_eq!(
        s.take_ephemeral("code", "c2", 2_000).await.unwrap(),
        None,
        "expired records are not handed out"
    );
    s.put_ephemeral("replay", "a1", "p_1", 2_000, "{}", 1_000)
        .await
        .unwrap();
    // Once expired, the same key may be used again.
    s.put_ephemeral("replay", "a1", "p_1", 9_000, "{}", 2_500)
        .await
        .unwrap();
    s.put_ephemeral("replay", "old", "p_1", 100, "{}", 50)
        .await
        .unwrap();
    assert!(s.purge_expired(1_000).await.unwrap() >= 1);

    let key = |kid: &str, created| JwtKeyRecord {
        pool_id: "p_1".into(),
        kid: kid.into(),
        token_use: "id".into(),
        created,
        retire_after: i64::MAX,
        private_key_sealed: "v1.x".into(),
        public_jwk: "{}".into(),
    };
    s.add_jwt_key(&key("k1", 1)).await.unwrap();
    s.add_jwt_key(&key("k2", 2)).await.unwrap();
    s.retire_jwt_key("p_1", "k1", 5).await.unwrap();
    let keys = s.jwt_keys("p_1").await.unwrap();
    assert_eq!(
        keys.iter().map(|k| k.kid.as_str()).collect::<Vec<_>>(),
        ["k2", "k1"]
    );
    assert_eq!(keys[1].retire_after, 5);

    let token = |hash: &str, origin: &str, provider: &str| RefreshTokenRecord {
        token_hash: hash.into(),
        pool_id: "p_1".into(),
        client_id: "c".into(),
        username: "Corp_1".into(),
        origin_jti: origin.into(),
        provider: provider.into(),
        created: 1,
        expires: 10_000_000,
        revoked: false,
        doc: "{}".into(),
    };
    s.put_refresh_token(&token("h1", "o1", "Corp"))
        .await
        .unwrap();
    s.put_refresh_token(&token("h2", "o2", "Corp"))
        .await
        .unwrap();
    s.put_refresh_token(&token("h3", "o3", "Other"))
        .await
        .unwrap();
    assert!(!s.is_origin_revoked("p_1", "o1").await.unwrap());
    assert_eq!(
        s.revoke_refresh_token("h1", 1)
            .await
            .unwrap()
            .unwrap()
            .origin_jti,
        "o1"
    );
    assert!(s.get_refresh_token("h1").await.unwrap().unwrap().revoked);
    assert!(s.is_origin_revoked("p_1", "o1").await.unwrap());
    assert_eq!(s.revoke_refresh_token("nope", 1).await.unwrap(), None);
    assert_eq!(
        s.revoke_user_tokens("p_1", "Corp_1", Some("Corp"), 1)
            .await
            .unwrap(),
        1
    );
    assert!(s.is_origin_revoked("p_1", "o2").await.unwrap());
    assert!(
        !s.get_refresh_token("h3").await.unwrap().unwrap().revoked,
        "other provider untouched"
    );
    assert_eq!(
        s.revoke_user_tokens("p_1", "Corp_1", None, 1)
            .await
            .unwrap(),
        1
    );

    for (i, kind) in ["sign_in.failed", "sign_in.succeeded"].iter().enumerate() {
        s.add_audit_event(&AuditEvent {
            id: format!("e{i}"),
            pool_id: "p_1".into(),
            at: 100 + i as i64,
            kind: kind.to_string(),
            detail: serde_json::json!({"provider": "Corp"}),
        })
        .await
        .unwrap();
    }
    let events = s.audit_events(Some("p_1"), 10).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].kind, "sign_in.succeeded", "newest first");
    assert_eq!(events[1].detail["provider"], "Corp");
    assert!(s.audit_events(Some("p_2"), 10).await.unwrap().is_empty());
}

async fn conformance(s: &dyn Store) {
    pools(s).await;
    sign_in_state(s).await;
    clients_domains_servers(s).await;
    providers(s).await;
    users_and_groups(s).await;
    pool_deletion_cascades(s).await;
}

/// Configuration one instance has cached follows writes made through another instance on the
/// same database (another node, or the CLI on the same file) as well as its own.
async fn config_cache_follows_writes(a: &dyn Store, b: &dyn Store) {
    a.create_pool(&pool("c_1"), &key("c_1")).await.unwrap();
    assert_eq!(b.get_pool("c_1").await.unwrap().unwrap().name, "pool c_1");
    let mut p = pool("c_1");
    p.name = "renamed by a".into();
    a.put_pool(&p).await.unwrap();
    assert_eq!(
        b.get_pool("c_1").await.unwrap().unwrap().name,
        "renamed by a"
    );
    b.update_pool(
        "c_1",
        Box::new(|p| {
            p.name = "updated by b".into();
            Ok(())
        }),
    )
    .await
    .unwrap();
    assert_eq!(
        a.get_pool("c_1").await.unwrap().unwrap().name,
        "updated by b"
    );

    let mut client = AppClient {
        user_pool_id: "c_1".into(),
        client_id: "cached1".into(),
        client_secret: None,
        creation_date: Timestamp(1),
        last_modified_date: Timestamp(1),
        settings: ClientSettings {
            client_name: Some("before".into()),
            ..Default::default()
        },
    };
    a.create_client(&client).await.unwrap();
    assert_eq!(
        b.get_client("c_1", "cached1").await.unwrap().unwrap(),
        client
    );
    client.settings.client_name = Some("after".into());
    a.put_client(&client).await.unwrap();
    assert_eq!(
        b.get_client("c_1", "cached1").await.unwrap().unwrap(),
        client
    );
    a.delete_client("c_1", "cached1").await.unwrap();
    assert_eq!(b.get_client("c_1", "cached1").await.unwrap(), None);

    let mut d = PoolDomain {
        domain: "cached-login".into(),
        user_pool_id: "c_1".into(),
        certificate_arn: None,
        managed_login_version: Some(1),
        creation_date: Timestamp(1),
        last_modified_date: Timestamp(1),
    };
    a.create_domain(&d).await.unwrap();
    assert_eq!(b.get_domain("cached-login").await.unwrap(), Some(d.clone()));
    d.managed_login_version = Some(2);
    a.put_domain(&d).await.unwrap();
    assert_eq!(b.get_domain("cached-login").await.unwrap(), Some(d));
    a.delete_domain("cached-login").await.unwrap();
    assert_eq!(b.get_domain("cached-login").await.unwrap(), None);

    let mut idp = provider("c_1", "Cached", &[]);
    a.create_provider(&idp).await.unwrap();
    assert_eq!(
        b.get_provider("c_1", "Cached").await.unwrap(),
        Some(idp.clone())
    );
    idp.attribute_mapping.insert("email".into(), "mail".into());
    a.put_provider(&idp).await.unwrap();
    assert_eq!(b.get_provider("c_1", "Cached").await.unwrap(), Some(idp));
    a.delete_provider("c_1", "Cached").await.unwrap();
    assert_eq!(b.get_provider("c_1", "Cached").await.unwrap(), None);

    let jwt = |kid: &str, created| JwtKeyRecord {
        pool_id: "c_1".into(),
        kid: kid.into(),
        token_use: "id".into(),
        created,
        retire_after: i64::MAX,
        private_key_sealed: "v1.x".into(),
        public_jwk: "{}".into(),
    };
    a.add_jwt_key(&jwt("old", 1)).await.unwrap();
    assert_eq!(b.jwt_keys("c_1").await.unwrap().len(), 1);
    a.add_jwt_key(&jwt("new", 2)).await.unwrap();
    let kids: Vec<String> = b
        .jwt_keys("c_1")
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(kids, ["new", "old"], "a rotation is seen at once");
    a.retire_jwt_key("c_1", "old", 77).await.unwrap();
    assert_eq!(b.jwt_keys("c_1").await.unwrap()[1].retire_after, 77);

    a.delete_pool("c_1").await.unwrap();
    assert_eq!(b.get_pool("c_1").await.unwrap(), None);
    assert!(b.jwt_keys("c_1").await.unwrap().is_empty());
}

/// Inside a request scope the configuration version is read once: the request sees
/// configuration as of its first lookup, its own writes at once, and the next request sees
/// everything.
async fn request_scope_snapshot(a: &SqlStore, b: &SqlStore) {
    a.create_pool(&pool("r_1"), &key("r_1")).await.unwrap();
    cirrus_store::with_request_scope(async {
        assert_eq!(b.get_pool("r_1").await.unwrap().unwrap().name, "pool r_1");
        // Another node changes the pool (another task: another request).
        let other = a.clone();
        tokio::spawn(async move {
            let mut p = pool("r_1");
            p.name = "changed elsewhere".into();
            other.put_pool(&p).await.unwrap();
        })
        .await
        .unwrap();
        assert_eq!(
            b.get_pool("r_1").await.unwrap().unwrap().name,
            "pool r_1",
            "one request, one snapshot"
        );
        // A write through b itself is seen by the rest of b's request.
        b.update_pool(
            "r_1",
            Box::new(|p| {
                p.name = "changed here".into();
                Ok(())
            }),
        )
        .await
        .unwrap();
        assert_eq!(
            b.get_pool("r_1").await.unwrap().unwrap().name,
            "changed here"
        );
    })
    .await;
    let mut p = pool("r_1");
    p.name = "changed again elsewhere".into();
    a.put_pool(&p).await.unwrap();
    cirrus_store::with_request_scope(async {
        assert_eq!(
            b.get_pool("r_1").await.unwrap().unwrap().name,
            "changed again elsewhere",
            "the next request sees the change"
        );
    })
    .await;
    a.delete_pool("r_1").await.unwrap();
}

#[tokio::test]
async fn sqlite_conformance() {
    let dir = std::env::temp_dir().join(format!("cirrus-store-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqlStore::open_sqlite(&dir.join("cirrus.db")).await.unwrap();
    conformance(&store).await;
    let other = SqlStore::open_sqlite(&dir.join("cirrus.db")).await.unwrap();
    config_cache_follows_writes(&store, &other).await;
    request_scope_snapshot(&store, &other).await;
    other.close().await;
    store.close().await;
    // Reopening runs the migrations again without harm and finds the data.
    let store = SqlStore::open_sqlite(&dir.join("cirrus.db")).await.unwrap();
    assert!(store.get_pool("p_2").await.unwrap().is_some());
    store.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn postgres_conformance() {
    let Ok(base) = std::env::var("CIRRUS_TEST_DATABASE_URL") else {
        // Written past the test harness's capture, so the skip is visible in every run.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "PostgreSQL pass skipped: CIRRUS_TEST_DATABASE_URL not set"
        );
        return;
    };
    let name = format!("cirrus_store_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let mut url = url::Url::parse(&base).unwrap();
    url.set_path(&name);
    let store = SqlStore::open_postgres(url.as_str()).await.unwrap();
    conformance(&store).await;
    let other = SqlStore::open_postgres(url.as_str()).await.unwrap();
    config_cache_follows_writes(&store, &other).await;
    request_scope_snapshot(&store, &other).await;
    other.close().await;
    store.close().await;
    let store = SqlStore::open_postgres(url.as_str()).await.unwrap();
    assert!(store.get_pool("p_2").await.unwrap().is_some());
    store.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
}
