//! Attribute mapping rules, checked when a mapping or a client is configured, so a broken
//! setup is refused by the admin API instead of failing a user's sign-in later.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::model::client::AppClient;
use crate::model::identity_provider::IdentityProvider;
use crate::model::schema::{STANDARD_ATTRIBUTES, Schema};

/// Checks a provider's `AttributeMapping` against the pool schema: every key is a pool
/// attribute that federation may write (it exists and is mutable); SAML providers may not map
/// `username`, because SAML users are named after their NameID.
pub fn check_mapping(
    schema: &Schema,
    provider_type: &str,
    mapping: &BTreeMap<String, String>,
) -> Result<()> {
    for (attribute, source) in mapping {
        crate::validate::length(attribute, "attributeMapping.key", 1, 32)?;
        crate::validate::length(source, &format!("attributeMapping.{attribute}"), 1, 131_072)?;
        if attribute == "username" {
            if provider_type == "SAML" {
                return Err(Error::invalid(
                    "AttributeMapping: 'username' cannot be mapped for a SAML provider; the username of a SAML user is always derived from the NameID.",
                ));
            }
            continue;
        }
        let rules = schema.rules(attribute).ok_or_else(|| {
            Error::invalid(format!(
                "AttributeMapping: '{attribute}' is not an attribute of this user pool (custom attributes are written 'custom:<name>')."
            ))
        })?;
        if !rules.mutable {
            return Err(Error::invalid(format!(
                "AttributeMapping: '{attribute}' is immutable, so federated sign-in could never update it; map a mutable attribute instead."
            )));
        }
    }
    Ok(())
}

/// The attributes a client may write: its `WriteAttributes`, or when omitted every mutable
/// standard attribute. Required attributes are always writable.
pub fn writable_attributes<'a>(schema: &'a Schema, client: &'a AppClient) -> Vec<&'a str> {
    let mut out: Vec<&str> = match &client.settings.write_attributes {
        Some(list) => list.iter().map(String::as_str).collect(),
        None => schema
            .all()
            .filter(|r| r.mutable && STANDARD_ATTRIBUTES.contains(&r.name))
            .map(|r| r.name)
            .collect(),
    };
    out.extend(schema.required());
    out
}

/// Checks that `client` can write every attribute `provider` maps (Cognito's rule, enforced
/// here at configuration time).
pub fn check_client_can_write(
    schema: &Schema,
    client: &AppClient,
    provider: &IdentityProvider,
) -> Result<()> {
    let writable = writable_attributes(schema, client);
    for attribute in provider.attribute_mapping.keys() {
        if attribute == "username" {
            continue;
        }
        if !writable.contains(&attribute.as_str()) {
            return Err(Error::invalid(format!(
                "App client {} cannot write attribute '{attribute}', which identity provider {} maps; add it to the client's WriteAttributes or remove it from the provider's AttributeMapping.",
                client.client_id, provider.provider_name
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;
    use crate::model::client::ClientSettings;
    use crate::model::schema::SchemaAttribute;

    fn schema() -> Schema {
        Schema::for_new_pool(&[
            SchemaAttribute {
                name: Some("dept".into()),
                attribute_data_type: Some("String".into()),
                ..Default::default()
            },
            SchemaAttribute {
                name: Some("employee_id".into()),
                attribute_data_type: Some("String".into()),
                mutable: Some(false),
                ..Default::default()
            },
        ])
        .unwrap()
    }

    fn mapping(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn mapping_rules() {
        let s = schema();
        assert!(
            check_mapping(
                &s,
                "SAML",
                &mapping(&[("email", "mail"), ("custom:dept", "dept")])
            )
            .is_ok()
        );
        let e = check_mapping(&s, "SAML", &mapping(&[("username", "uid")])).unwrap_err();
        assert!(e.to_string().contains("'username'"));
        assert!(check_mapping(&s, "OIDC", &mapping(&[("username", "sub")])).is_ok());
        let e = check_mapping(&s, "SAML", &mapping(&[("custom:nope", "x")])).unwrap_err();
        assert!(e.to_string().contains("'custom:nope'"));
        let e = check_mapping(&s, "SAML", &mapping(&[("custom:employee_id", "x")])).unwrap_err();
        assert!(e.to_string().contains("immutable"));
        assert!(check_mapping(&s, "SAML", &mapping(&[("sub", "x")])).is_err());
    }

    #[test]
    fn client_write_rule() {
        let s = schema();
        let mut client = AppClient {
            user_pool_id: "p".into(),
            client_id: "c".into(),
            client_secret: None,
            creation_date: Timestamp(0),
            last_modified_date: Timestamp(0),
            settings: ClientSettings::default(),
        };
        let provider = IdentityProvider {
            user_pool_id: "p".into(),
            provider_name: "Corp".into(),
            provider_type: "SAML".into(),
            provider_details: BTreeMap::new(),
            attribute_mapping: mapping(&[("email", "mail"), ("custom:dept", "dept")]),
            idp_identifiers: vec![],
            creation_date: Timestamp(0),
            last_modified_date: Timestamp(0),
            metadata_xml: None,
            metadata_fetched_at: None,
            encryption_certificate: None,
            encryption_key_sealed: None,
        };
        // Omitted WriteAttributes: standard attributes only, so custom:dept is not writable.
        let e = check_client_can_write(&s, &client, &provider)
            .unwrap_err()
            .to_string();
        assert!(e.contains("'custom:dept'") && e.contains("Corp"));
        client.settings.write_attributes = Some(vec!["email".into(), "custom:dept".into()]);
        assert!(check_client_can_write(&s, &client, &provider).is_ok());
        client.settings.write_attributes = Some(vec!["custom:dept".into()]);
        assert!(
            check_client_can_write(&s, &client, &provider)
                .unwrap_err()
                .to_string()
                .contains("'email'")
        );
    }
}
