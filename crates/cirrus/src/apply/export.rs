//! `cirrus export`: the stored configuration of pools as a file `cirrus apply` takes, written
//! so that applying it to the same store changes nothing. Members equal to their defaults are
//! left out; client secrets, secret `ProviderDetails` keys and private keys never appear.

use cirrus_core::model::client::ClientSettings;
use cirrus_core::model::schema::standard_attribute;
use cirrus_core::model::user_pool::PoolSettings;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::diff::SECRET_KEYS;
use super::file::{
    ClientEntry, ConfigFile, CustomDomainConfigEntry, DomainEntry, GroupEntry, PoolEntry,
    ProviderEntry, ResourceServerEntry, SchemaEntry, ScopeEntry, UsernameConfigurationEntry,
};
use super::plan::bare_custom_name;
use super::state::PoolState;

/// `value` less every member whose absence `with_defaults` fills back in identically.
fn without_defaults<T>(value: &T, with_defaults: impl Fn(T) -> T) -> Result<T, String>
where
    T: Serialize + DeserializeOwned + PartialEq,
{
    let mut json = serde_json::to_value(value).map_err(|e| e.to_string())?;
    let keys: Vec<String> = match &json {
        Value::Object(m) => m.keys().cloned().collect(),
        _ => Vec::new(),
    };
    for key in keys {
        let mut trial = json.clone();
        if let Value::Object(m) = &mut trial {
            m.remove(&key);
        }
        let candidate: T = serde_json::from_value(trial.clone()).map_err(|e| e.to_string())?;
        if &with_defaults(candidate) == value {
            json = trial;
        }
    }
    serde_json::from_value(json).map_err(|e| e.to_string())
}

/// The file entry that declares a stored pool exactly.
pub fn pool_entry(s: &PoolState) -> Result<PoolEntry, String> {
    let pool = &s.pool;
    let mut settings = without_defaults(&pool.settings, PoolSettings::with_defaults)?;
    if settings
        .user_pool_tags
        .as_ref()
        .is_some_and(|t| t.is_empty())
    {
        settings.user_pool_tags = None;
    }
    let mut e = PoolEntry {
        id: Some(pool.id.clone()),
        pool_name: pool.name.clone(),
        alias_attributes: pool.alias_attributes.clone(),
        username_attributes: pool.username_attributes.clone(),
        username_configuration: pool
            .username_configuration
            .and_then(|c| c.case_sensitive)
            .map(|case_sensitive| UsernameConfigurationEntry { case_sensitive }),
        ..Default::default()
    };
    e.set_settings(&settings)?;
    for a in &pool.schema_attributes.0 {
        let name = a.name.as_deref().unwrap_or_default();
        match standard_attribute(name) {
            Some(default) if &default == a => {}
            Some(_) => e.schema.push(SchemaEntry::from_core(name, a)),
            None => e
                .schema
                .push(SchemaEntry::from_core(bare_custom_name(name), a)),
        }
    }
    for p in &s.providers {
        e.identity_providers.push(ProviderEntry {
            provider_name: p.provider_name.clone(),
            provider_type: p.provider_type.clone(),
            provider_details: p
                .provider_details
                .iter()
                .filter(|(k, _)| !SECRET_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            attribute_mapping: p.attribute_mapping.clone(),
            idp_identifiers: p.idp_identifiers.clone(),
        });
    }
    for r in &s.resource_servers {
        e.resource_servers.push(ResourceServerEntry {
            identifier: r.identifier.clone(),
            name: r.name.clone(),
            scopes: r
                .scopes
                .iter()
                .map(|sc| ScopeEntry {
                    scope_name: sc.scope_name.clone().unwrap_or_default(),
                    scope_description: sc.scope_description.clone().unwrap_or_default(),
                })
                .collect(),
        });
    }
    for c in &s.clients {
        let settings = without_defaults(&c.settings, ClientSettings::with_defaults)?;
        let mut entry = ClientEntry::from_settings(&ClientSettings {
            client_name: c.settings.client_name.clone(),
            ..settings
        })?;
        if s.clients.iter().filter(|o| o.name() == c.name()).count() > 1 {
            entry.client_id = Some(c.client_id.clone());
        }
        if c.client_secret.is_some() {
            entry.generate_secret = Some(true);
        }
        e.clients.push(entry);
    }
    for d in &s.domains {
        e.domains.push(DomainEntry {
            domain: d.domain.clone(),
            managed_login_version: d.managed_login_version.filter(|v| *v != 1),
            custom_domain_config: d
                .certificate_arn
                .as_ref()
                .map(|arn| CustomDomainConfigEntry {
                    certificate_arn: arn.clone(),
                }),
        });
    }
    for g in &s.groups {
        e.groups.push(GroupEntry {
            group_name: g.group_name.clone(),
            description: g.description.clone(),
            role_arn: g.role_arn.clone(),
            precedence: g.precedence,
        });
    }
    Ok(e)
}

/// The file text for these pools.
pub fn render(states: &[PoolState]) -> Result<String, String> {
    let mut file = ConfigFile::default();
    for s in states {
        file.user_pools.push(pool_entry(s)?);
    }
    let body = toml::to_string(&file).map_err(|e| e.to_string())?;
    Ok(format!(
        "# Written by `cirrus export`; apply with `cirrus apply --file FILE`.\n# Client secrets and secret ProviderDetails keys are never exported; the stored values are kept.\n\n{body}"
    ))
}
