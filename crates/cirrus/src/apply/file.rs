//! The configuration file: desired state of user pools in TOML, with Cognito's own member names
//! (PascalCase) inside each object. Unknown members are refused with their line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cirrus_core::model::client::ClientSettings;
use cirrus_core::model::schema::{NumberConstraints, SchemaAttribute, StringConstraints};
use cirrus_core::model::user_pool::{PoolSettings, UsernameConfiguration};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::ApplyError;

/// A whole configuration file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ConfigFile {
    /// The pools this file manages.
    #[serde(default, rename = "UserPool")]
    pub user_pools: Vec<PoolEntry>,
}

/// One user pool: the members CreateUserPool takes, and its objects.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PoolEntry {
    /// Adopts this existing pool (pool ids are generated, so a new pool has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub pool_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias_attributes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_attributes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_configuration: Option<UsernameConfigurationEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_protection: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_configuration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_pool_tier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_verified_attributes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_verification_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verification_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verification_subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_authentication_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_pool_tags: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda_config: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_message_template: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_attribute_update_settings: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_configuration: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_configuration: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_configuration: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_create_user_config: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_pool_add_ons: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_recovery_setting: Option<Value>,
    /// Standard attribute overrides (create only) and custom attributes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema: Vec<SchemaEntry>,
    #[serde(default, rename = "Domain", skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<DomainEntry>,
    #[serde(
        default,
        rename = "IdentityProvider",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub identity_providers: Vec<ProviderEntry>,
    #[serde(
        default,
        rename = "ResourceServer",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resource_servers: Vec<ResourceServerEntry>,
    #[serde(
        default,
        rename = "UserPoolClient",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub clients: Vec<ClientEntry>,
    #[serde(default, rename = "Group", skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupEntry>,
}

/// `UsernameConfigurationType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UsernameConfigurationEntry {
    pub case_sensitive: bool,
}

/// `SchemaAttributeType`; constraint bounds may be written as integers or strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SchemaEntry {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_data_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub developer_only_attribute: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_attribute_constraints: Option<NumberConstraintsEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_attribute_constraints: Option<StringConstraintsEntry>,
}

/// `NumberAttributeConstraintsType`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct NumberConstraintsEntry {
    #[serde(
        default,
        deserialize_with = "str_or_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub min_value: Option<String>,
    #[serde(
        default,
        deserialize_with = "str_or_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_value: Option<String>,
}

/// `StringAttributeConstraintsType`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StringConstraintsEntry {
    #[serde(
        default,
        deserialize_with = "str_or_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub min_length: Option<String>,
    #[serde(
        default,
        deserialize_with = "str_or_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_length: Option<String>,
}

fn str_or_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Bound {
        S(String),
        I(i64),
    }
    Ok(Some(match Bound::deserialize(d)? {
        Bound::S(s) => s,
        Bound::I(i) => i.to_string(),
    }))
}

/// A hosted-UI domain: a prefix, or a custom domain with `CustomDomainConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DomainEntry {
    pub domain: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_login_version: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_domain_config: Option<CustomDomainConfigEntry>,
}

/// `CustomDomainConfigType`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CustomDomainConfigEntry {
    pub certificate_arn: String,
}

/// An identity provider. `ProviderDetails.MetadataFile` holds the XML itself, or (when it does
/// not start with `<`) a path relative to the configuration file, read at apply time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ProviderEntry {
    pub provider_name: String,
    pub provider_type: String,
    #[serde(default)]
    pub provider_details: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attribute_mapping: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub idp_identifiers: Vec<String>,
}

/// A resource server and its scopes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ResourceServerEntry {
    pub identifier: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<ScopeEntry>,
}

/// `ResourceServerScopeType`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ScopeEntry {
    pub scope_name: String,
    pub scope_description: String,
}

/// An app client, identified by `ClientName` within its pool (or pinned by `ClientId`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ClientEntry {
    pub client_name: String,
    /// Adopts this existing client when several share a name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Create only: whether the client gets a generated secret. Omitted: no opinion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate_secret: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_validity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_validity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token_validity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_validity_units: Option<TokenValidityUnitsEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_attributes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_attributes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explicit_auth_flows: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported_identity_providers: Option<Vec<String>>,
    #[serde(
        default,
        rename = "CallbackURLs",
        skip_serializing_if = "Option::is_none"
    )]
    pub callback_urls: Option<Vec<String>>,
    #[serde(
        default,
        rename = "LogoutURLs",
        skip_serializing_if = "Option::is_none"
    )]
    pub logout_urls: Option<Vec<String>>,
    #[serde(
        default,
        rename = "DefaultRedirectURI",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_redirect_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_o_auth_flows: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_o_auth_scopes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_o_auth_flows_user_pool_client: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analytics_configuration: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prevent_user_existence_errors: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_token_revocation: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_propagate_additional_user_context_data: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_session_validity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_rotation: Option<Value>,
}

/// `TokenValidityUnitsType`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TokenValidityUnitsEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// A group. Omitted members keep their stored values (as UpdateGroup does).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct GroupEntry {
    pub group_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precedence: Option<i64>,
}

/// Members of a pool entry that are not UpdateUserPool settings.
const POOL_NON_SETTINGS: &[&str] = &[
    "Id",
    "PoolName",
    "AliasAttributes",
    "UsernameAttributes",
    "UsernameConfiguration",
    "Schema",
    "Domain",
    "IdentityProvider",
    "ResourceServer",
    "UserPoolClient",
    "Group",
];

/// Members of a client entry that are not UpdateUserPoolClient settings.
const CLIENT_NON_SETTINGS: &[&str] = &["ClientId", "GenerateSecret"];

/// Converts between two serde types that share member names, through JSON.
fn convert<T: Serialize, U: serde::de::DeserializeOwned>(
    from: &T,
    drop: &[&str],
) -> Result<U, String> {
    let mut value = serde_json::to_value(from).map_err(|e| e.to_string())?;
    if let Value::Object(map) = &mut value {
        for key in drop {
            map.remove(*key);
        }
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

impl PoolEntry {
    /// The UpdateUserPool settings this entry declares.
    pub fn settings(&self) -> Result<PoolSettings, String> {
        convert(self, POOL_NON_SETTINGS)
    }

    /// Copies stored settings into this entry's setting members.
    pub fn set_settings(&mut self, settings: &PoolSettings) -> Result<(), String> {
        let mut value = serde_json::to_value(&*self).map_err(|e| e.to_string())?;
        let extra = serde_json::to_value(settings).map_err(|e| e.to_string())?;
        if let (Value::Object(map), Value::Object(extra)) = (&mut value, extra) {
            map.extend(extra);
        }
        *self = serde_json::from_value(value).map_err(|e| e.to_string())?;
        Ok(())
    }

    /// The username configuration as the core takes it.
    pub fn username_configuration(&self) -> Option<UsernameConfiguration> {
        self.username_configuration.map(|c| UsernameConfiguration {
            case_sensitive: Some(c.case_sensitive),
        })
    }

    /// The schema entries as CreateUserPool / AddCustomAttributes take them.
    pub fn schema_attributes(&self) -> Vec<SchemaAttribute> {
        self.schema.iter().map(SchemaEntry::to_core).collect()
    }
}

impl SchemaEntry {
    /// The core's `SchemaAttributeType`.
    pub fn to_core(&self) -> SchemaAttribute {
        SchemaAttribute {
            name: Some(self.name.clone()),
            attribute_data_type: self.attribute_data_type.clone(),
            developer_only_attribute: self.developer_only_attribute,
            mutable: self.mutable,
            required: self.required,
            number_attribute_constraints: self.number_attribute_constraints.as_ref().map(|n| {
                NumberConstraints {
                    min_value: n.min_value.clone(),
                    max_value: n.max_value.clone(),
                }
            }),
            string_attribute_constraints: self.string_attribute_constraints.as_ref().map(|s| {
                StringConstraints {
                    min_length: s.min_length.clone(),
                    max_length: s.max_length.clone(),
                }
            }),
        }
    }

    /// The entry that declares a stored attribute (`name` as the file writes it).
    pub fn from_core(name: &str, a: &SchemaAttribute) -> SchemaEntry {
        SchemaEntry {
            name: name.to_string(),
            attribute_data_type: a.attribute_data_type.clone(),
            developer_only_attribute: a.developer_only_attribute,
            mutable: a.mutable,
            required: a.required,
            number_attribute_constraints: a.number_attribute_constraints.as_ref().map(|n| {
                NumberConstraintsEntry {
                    min_value: n.min_value.clone(),
                    max_value: n.max_value.clone(),
                }
            }),
            string_attribute_constraints: a.string_attribute_constraints.as_ref().map(|s| {
                StringConstraintsEntry {
                    min_length: s.min_length.clone(),
                    max_length: s.max_length.clone(),
                }
            }),
        }
    }
}

impl ClientEntry {
    /// The UpdateUserPoolClient settings this entry declares.
    pub fn settings(&self) -> Result<ClientSettings, String> {
        convert(self, CLIENT_NON_SETTINGS)
    }

    /// The entry that declares stored client settings.
    pub fn from_settings(settings: &ClientSettings) -> Result<ClientEntry, String> {
        convert(settings, &[])
    }
}

/// Whether a `MetadataFile` value is the document itself rather than a path.
pub fn is_inline_xml(value: &str) -> bool {
    value.trim_start().starts_with('<')
}

/// Parses a configuration file's text. `path` is only used in messages.
pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, ApplyError> {
    toml::from_str(text).map_err(|e| ApplyError::Parse {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    })
}

/// Reads and parses a configuration file, and replaces each `MetadataFile` path by the
/// document it names (relative to the file's directory).
pub fn load(path: &Path) -> Result<ConfigFile, ApplyError> {
    let text = std::fs::read_to_string(path).map_err(|e| ApplyError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut file = parse(&text, path)?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    resolve_metadata_files(&mut file, &base, path)?;
    Ok(file)
}

/// Reads the metadata documents that `MetadataFile` values name by path.
pub fn resolve_metadata_files(
    file: &mut ConfigFile,
    base: &Path,
    config_path: &Path,
) -> Result<(), ApplyError> {
    for pool in &mut file.user_pools {
        for p in &mut pool.identity_providers {
            let Some(value) = p.provider_details.get_mut("MetadataFile") else {
                continue;
            };
            if is_inline_xml(value) {
                continue;
            }
            let target: PathBuf = base.join(value.trim());
            let xml = std::fs::read_to_string(&target).map_err(|e| ApplyError::Invalid {
                path: config_path.to_path_buf(),
                at: format!(
                    "UserPool \"{}\" > IdentityProvider \"{}\" > ProviderDetails.MetadataFile",
                    pool.pool_name, p.provider_name
                ),
                message: format!("cannot read {}: {e}", target.display()),
            })?;
            *value = xml;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<ConfigFile, ApplyError> {
        parse(text, Path::new("cirrus.toml"))
    }

    #[test]
    fn parses_a_pool_with_every_kind_of_object() {
        let file = parse_str(
            r#"
[[UserPool]]
PoolName = "demo"
MfaConfiguration = "OFF"
UsernameConfiguration = { CaseSensitive = false }
Policies = { PasswordPolicy = { MinimumLength = 10 } }

[[UserPool.Schema]]
Name = "dept"
AttributeDataType = "String"
StringAttributeConstraints = { MaxLength = 64 }

[[UserPool.IdentityProvider]]
ProviderName = "Corp"
ProviderType = "SAML"
ProviderDetails = { MetadataFile = "<md/>" }
AttributeMapping = { email = "mail" }

[[UserPool.UserPoolClient]]
ClientName = "web"
CallbackURLs = ["https://app.example.com/cb"]

[[UserPool.Domain]]
Domain = "demo-login"

[[UserPool.ResourceServer]]
Identifier = "https://api"
Name = "api"
Scopes = [{ ScopeName = "read", ScopeDescription = "Read" }]

[[UserPool.Group]]
GroupName = "admins"
Precedence = 1
"#,
        )
        .unwrap();
        let pool = &file.user_pools[0];
        assert_eq!(pool.pool_name, "demo");
        let settings = pool.settings().unwrap();
        assert_eq!(settings.mfa_configuration.as_deref(), Some("OFF"));
        assert_eq!(
            settings.policies.unwrap()["PasswordPolicy"]["MinimumLength"],
            10
        );
        assert_eq!(
            pool.schema[0]
                .string_attribute_constraints
                .as_ref()
                .unwrap()
                .max_length
                .as_deref(),
            Some("64")
        );
        let client = pool.clients[0].settings().unwrap();
        assert_eq!(
            client.callback_urls.unwrap(),
            vec!["https://app.example.com/cb"]
        );
        assert_eq!(pool.groups[0].precedence, Some(1));
        assert_eq!(
            pool.username_configuration().unwrap().case_sensitive,
            Some(false)
        );
    }

    #[test]
    fn unknown_members_are_refused_with_their_position() {
        let err = parse_str(
            "[[UserPool]]\nPoolName = \"demo\"\n\n[[UserPool.UserPoolClient]]\nClientName = \"web\"\nCallbackUrls = [\"https://x\"]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("cirrus.toml: "), "{err}");
        assert!(err.contains("line 6"), "{err}");
        assert!(err.contains("unknown field `CallbackUrls`"), "{err}");
        let err = parse_str("[[UserPools]]\nPoolName = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `UserPools`"), "{err}");
        assert!(err.contains("line 1"), "{err}");
    }

    #[test]
    fn wrong_types_and_missing_names_are_refused() {
        let err = parse_str("[[UserPool]]\nPoolName = 3\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        let err = parse_str("[[UserPool]]\nMfaConfiguration = \"OFF\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing field `PoolName`"), "{err}");
    }

    #[test]
    fn metadata_paths_are_read_relative_to_the_file() {
        let dir = std::env::temp_dir().join(format!("cirrus-file-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("idp")).unwrap();
        std::fs::write(dir.join("idp/corp.xml"), "<EntityDescriptor/>").unwrap();
        let config = dir.join("cirrus.toml");
        std::fs::write(
            &config,
            "[[UserPool]]\nPoolName = \"p\"\n[[UserPool.IdentityProvider]]\nProviderName = \"Corp\"\nProviderType = \"SAML\"\nProviderDetails = { MetadataFile = \"idp/corp.xml\" }\n[[UserPool.IdentityProvider]]\nProviderName = \"Gone\"\nProviderType = \"SAML\"\nProviderDetails = { MetadataFile = \"idp/none.xml\" }\n",
        )
        .unwrap();
        let err = load(&config).unwrap_err().to_string();
        assert!(
            err.contains("IdentityProvider \"Gone\" > ProviderDetails.MetadataFile"),
            "{err}"
        );
        assert!(err.contains("idp/none.xml"), "{err}");
        std::fs::write(
            &config,
            "[[UserPool]]\nPoolName = \"p\"\n[[UserPool.IdentityProvider]]\nProviderName = \"Corp\"\nProviderType = \"SAML\"\nProviderDetails = { MetadataFile = \"idp/corp.xml\" }\n",
        )
        .unwrap();
        let file = load(&config).unwrap();
        assert_eq!(
            file.user_pools[0].identity_providers[0].provider_details["MetadataFile"],
            "<EntityDescriptor/>"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
