//! Carries out a plan through cirrus-core's operations (the admin API's own validation), in
//! dependency order: pool, custom attributes, providers, resource servers, clients, domain,
//! groups; deletions afterwards in reverse order (a domain being replaced goes just before its
//! successor, since a pool has only one of each kind).

use std::path::Path;

use cirrus_core::model::resource_server::ResourceServerScope;
use cirrus_core::ops::Cirrus;
use cirrus_core::ops::clients::{CreateClient, UpdateClient};
use cirrus_core::ops::domains::{CustomDomainConfig, DomainRequest};
use cirrus_core::ops::groups::GroupRequest;
use cirrus_core::ops::identity_providers::ProviderRequest;
use cirrus_core::ops::resource_servers::ResourceServerRequest;
use cirrus_core::ops::user_pools::{CreateUserPool, UpdateUserPool};

use super::ApplyError;
use super::file::{ConfigFile, PoolEntry};
use super::plan::{Action, Item, Kind, Plan, PoolPlan, added_attributes, at, desired_details};

/// Applies `plan` (computed from `file`) with `cirrus`; reports each change through `log`.
pub async fn execute(
    cirrus: &Cirrus,
    file: &ConfigFile,
    path: &Path,
    plan: &Plan,
    log: &mut dyn FnMut(String),
) -> Result<(), ApplyError> {
    for pp in &plan.pools {
        let Some(entry) = file.user_pools.get(pp.entry) else {
            continue;
        };
        execute_pool(cirrus, entry, path, pp, log).await?;
    }
    Ok(())
}

async fn execute_pool(
    cirrus: &Cirrus,
    e: &PoolEntry,
    path: &Path,
    pp: &PoolPlan,
    log: &mut dyn FnMut(String),
) -> Result<(), ApplyError> {
    let fail = |rest: Vec<String>, err: cirrus_core::Error| ApplyError::Op {
        path: path.to_path_buf(),
        at: at(&e.pool_name, &rest),
        message: err.to_string(),
    };
    let settings = e.settings().map_err(|m| ApplyError::Invalid {
        path: path.to_path_buf(),
        at: at(&e.pool_name, &[]),
        message: m,
    })?;
    let pool_id = match (&pp.id, pp.action) {
        (None, _) => {
            let view = cirrus
                .create_user_pool(CreateUserPool {
                    pool_name: Some(e.pool_name.clone()),
                    schema: e.schema_attributes(),
                    alias_attributes: e.alias_attributes.clone(),
                    username_attributes: e.username_attributes.clone(),
                    username_configuration: e.username_configuration(),
                    settings,
                })
                .await
                .map_err(|err| fail(vec![], err))?;
            log(format!(
                "created user pool \"{}\": Id {}",
                e.pool_name, view.pool.id
            ));
            view.pool.id
        }
        (Some(id), Action::Update) => {
            let mut settings = settings;
            if e.user_pool_tags.is_none() {
                settings.user_pool_tags = None;
            }
            cirrus
                .update_user_pool(UpdateUserPool {
                    user_pool_id: Some(id.clone()),
                    pool_name: Some(e.pool_name.clone()),
                    settings,
                })
                .await
                .map_err(|err| fail(vec![], err))?;
            if !pp.untag.is_empty() {
                let pool = cirrus.pool(id).await.map_err(|err| fail(vec![], err))?;
                cirrus
                    .untag_resource(&pool.arn, &pp.untag)
                    .await
                    .map_err(|err| fail(vec!["UserPoolTags".into()], err))?;
            }
            log(format!("updated user pool \"{}\" ({id})", e.pool_name));
            id.clone()
        }
        (Some(id), _) => id.clone(),
    };

    let added = added_attributes(e, pp);
    if pp.id.is_some() && !added.is_empty() {
        for chunk in added.chunks(25) {
            cirrus
                .add_custom_attributes(&pool_id, chunk)
                .await
                .map_err(|err| fail(vec!["Schema".into()], err))?;
        }
        for a in &added {
            log(format!(
                "added custom attribute \"{}\" to \"{}\"",
                a.name.as_deref().unwrap_or_default(),
                e.pool_name
            ));
        }
    }

    let mut order: Vec<&Item> = pp
        .items
        .iter()
        .filter(|i| matches!(i.action, Action::Create | Action::Update))
        .collect();
    order.sort_by_key(|i| i.kind);
    for i in order {
        if i.kind == Kind::Domain && i.action == Action::Create {
            // A pool has one domain of each kind: the one being replaced goes first.
            for old in pp
                .items
                .iter()
                .filter(|o| o.kind == Kind::Domain && o.action == Action::Delete)
            {
                delete(cirrus, e, path, &pool_id, old, log).await?;
            }
        }
        upsert(cirrus, e, path, &pool_id, i, log).await?;
    }
    let mut deletions: Vec<&Item> = pp
        .items
        .iter()
        .filter(|i| i.action == Action::Delete)
        .collect();
    deletions.sort_by_key(|i| std::cmp::Reverse(i.kind));
    for i in deletions {
        if i.kind == Kind::Domain
            && pp
                .items
                .iter()
                .any(|o| o.kind == Kind::Domain && o.action == Action::Create)
        {
            continue; // already deleted before its successor was created
        }
        delete(cirrus, e, path, &pool_id, i, log).await?;
    }
    Ok(())
}

async fn upsert(
    cirrus: &Cirrus,
    e: &PoolEntry,
    path: &Path,
    pool_id: &str,
    i: &Item,
    log: &mut dyn FnMut(String),
) -> Result<(), ApplyError> {
    let here = vec![format!("{} \"{}\"", i.kind.table(), i.name)];
    let fail = |err: cirrus_core::Error| ApplyError::Op {
        path: path.to_path_buf(),
        at: at(&e.pool_name, &here),
        message: err.to_string(),
    };
    let verb = if i.action == Action::Create {
        "created"
    } else {
        "updated"
    };
    let pool = Some(pool_id.to_string());
    match i.kind {
        Kind::CustomAttribute => return Ok(()),
        Kind::IdentityProvider => {
            let Some(p) = e
                .identity_providers
                .iter()
                .find(|p| p.provider_name == i.name)
            else {
                return Ok(());
            };
            let stored = if i.action == Action::Update {
                Some(
                    cirrus
                        .provider(pool_id, &p.provider_name)
                        .await
                        .map_err(fail)?
                        .provider_details,
                )
            } else {
                None
            };
            let req = ProviderRequest {
                user_pool_id: pool,
                provider_name: Some(p.provider_name.clone()),
                provider_type: Some(p.provider_type.clone()),
                provider_details: Some(desired_details(p, stored.as_ref())),
                attribute_mapping: Some(p.attribute_mapping.clone()),
                idp_identifiers: Some(p.idp_identifiers.clone()),
            };
            if i.action == Action::Create {
                cirrus.create_provider(req).await.map_err(fail)?;
            } else {
                cirrus.update_provider(req).await.map_err(fail)?;
            }
        }
        Kind::ResourceServer => {
            let Some(r) = e.resource_servers.iter().find(|r| r.identifier == i.name) else {
                return Ok(());
            };
            let req = ResourceServerRequest {
                user_pool_id: pool,
                identifier: Some(r.identifier.clone()),
                name: Some(r.name.clone()),
                scopes: r
                    .scopes
                    .iter()
                    .map(|s| ResourceServerScope {
                        scope_name: Some(s.scope_name.clone()),
                        scope_description: Some(s.scope_description.clone()),
                    })
                    .collect(),
            };
            if i.action == Action::Create {
                cirrus.create_resource_server(req).await.map_err(fail)?;
            } else {
                cirrus.update_resource_server(req).await.map_err(fail)?;
            }
        }
        Kind::Client => {
            let Some(c) = e.clients.iter().find(|c| c.client_name == i.name) else {
                return Ok(());
            };
            let settings = c.settings().map_err(|m| ApplyError::Invalid {
                path: path.to_path_buf(),
                at: at(&e.pool_name, &here),
                message: m,
            })?;
            if i.action == Action::Create {
                let client = cirrus
                    .create_client(CreateClient {
                        user_pool_id: pool,
                        generate_secret: c.generate_secret,
                        client_secret: None,
                        settings,
                    })
                    .await
                    .map_err(fail)?;
                log(format!(
                    "created app client \"{}\": ClientId {}",
                    i.name, client.client_id
                ));
                return Ok(());
            }
            cirrus
                .update_client(UpdateClient {
                    user_pool_id: pool,
                    client_id: i.id.clone(),
                    settings,
                })
                .await
                .map_err(fail)?;
        }
        Kind::Domain => {
            let Some(d) = e.domains.iter().find(|d| d.domain == i.name) else {
                return Ok(());
            };
            let req = DomainRequest {
                domain: Some(d.domain.clone()),
                user_pool_id: pool,
                managed_login_version: Some(d.managed_login_version.unwrap_or(1)),
                custom_domain_config: d.custom_domain_config.as_ref().map(|c| CustomDomainConfig {
                    certificate_arn: Some(c.certificate_arn.clone()),
                }),
            };
            if i.action == Action::Create {
                cirrus.create_domain(req).await.map_err(fail)?;
            } else {
                cirrus.update_domain(req).await.map_err(fail)?;
            }
        }
        Kind::Group => {
            let Some(g) = e.groups.iter().find(|g| g.group_name == i.name) else {
                return Ok(());
            };
            let req = GroupRequest {
                user_pool_id: pool,
                group_name: Some(g.group_name.clone()),
                description: g.description.clone(),
                role_arn: g.role_arn.clone(),
                precedence: g.precedence,
            };
            if i.action == Action::Create {
                cirrus.create_group(req).await.map_err(fail)?;
            } else {
                cirrus.update_group(req).await.map_err(fail)?;
            }
        }
    }
    log(format!("{verb} {} \"{}\"", i.kind.label(), i.name));
    Ok(())
}

async fn delete(
    cirrus: &Cirrus,
    e: &PoolEntry,
    path: &Path,
    pool_id: &str,
    i: &Item,
    log: &mut dyn FnMut(String),
) -> Result<(), ApplyError> {
    let here = vec![format!("{} \"{}\"", i.kind.table(), i.name)];
    let fail = |err: cirrus_core::Error| ApplyError::Op {
        path: path.to_path_buf(),
        at: at(&e.pool_name, &here),
        message: format!("deleting it failed: {err}"),
    };
    match i.kind {
        Kind::CustomAttribute => return Ok(()),
        Kind::IdentityProvider => cirrus.delete_provider(pool_id, &i.name).await,
        Kind::ResourceServer => cirrus.delete_resource_server(pool_id, &i.name).await,
        Kind::Client => match &i.id {
            Some(id) => cirrus.delete_client(pool_id, id).await,
            None => Ok(()),
        },
        Kind::Domain => cirrus.delete_domain(&i.name, pool_id).await,
        Kind::Group => cirrus.delete_group(pool_id, &i.name).await,
    }
    .map_err(fail)?;
    let id =
        i.id.as_deref()
            .map(|i| format!(" ({i})"))
            .unwrap_or_default();
    log(format!("deleted {} \"{}\"{id}", i.kind.label(), i.name));
    Ok(())
}
