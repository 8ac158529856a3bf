//! The operation table: each action reads its input, calls the domain, and shapes the output
//! as Cognito does.

use cirrus_core::model::client::AppClient;
use cirrus_core::model::domain::PoolDomain;
use cirrus_core::model::schema::SchemaAttribute;
use cirrus_core::model::user::{Attribute, User};
use cirrus_core::ops::Cirrus;
use cirrus_core::ops::user_pools::PoolView;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::ApiError;
use super::input::Input;

type Out = Result<Value, ApiError>;

fn to_value<T: Serialize>(v: &T) -> Result<Value, ApiError> {
    serde_json::to_value(v).map_err(|e| ApiError::from(cirrus_core::Error::Internal(e.to_string())))
}

fn with_token(mut out: Map<String, Value>, key: &str, token: Option<String>) -> Value {
    if let Some(t) = token {
        out.insert(key.to_string(), Value::String(t));
    }
    Value::Object(out)
}

fn pool_json(view: &PoolView) -> Out {
    let mut v = to_value(&view.pool)?;
    if let Value::Object(m) = &mut v {
        if let Some(d) = &view.domain {
            m.insert("Domain".into(), json!(d));
        }
        if let Some(d) = &view.custom_domain {
            m.insert("CustomDomain".into(), json!(d));
        }
        m.insert("EstimatedNumberOfUsers".into(), json!(view.estimated_users));
    }
    Ok(v)
}

fn pool_description(pool: &cirrus_core::model::user_pool::UserPool) -> Value {
    json!({
        "Id": pool.id,
        "Name": pool.name,
        "LambdaConfig": pool.settings.lambda_config.clone().unwrap_or_else(|| json!({})),
        "Status": "Enabled",
        "LastModifiedDate": pool.last_modified_date,
        "CreationDate": pool.creation_date,
    })
}

fn client_description(c: &AppClient) -> Value {
    json!({"ClientId": c.client_id, "UserPoolId": c.user_pool_id, "ClientName": c.name()})
}

fn user_json(u: &User, only: Option<&[String]>) -> Value {
    json!({
        "Username": u.username,
        "Attributes": u.attribute_list(only),
        "UserCreateDate": u.created,
        "UserLastModifiedDate": u.modified,
        "Enabled": u.enabled,
        "UserStatus": u.status,
    })
}

fn domain_json(c: &Cirrus, d: &PoolDomain) -> Value {
    let mut m = Map::new();
    m.insert("UserPoolId".into(), json!(d.user_pool_id));
    m.insert("AWSAccountId".into(), json!(c.config.account_id));
    m.insert("Domain".into(), json!(d.domain));
    m.insert("CloudFrontDistribution".into(), json!(c.alias_target()));
    m.insert("Version".into(), json!(d.last_modified_date.0.to_string()));
    m.insert("Status".into(), json!("ACTIVE"));
    if let Some(arn) = &d.certificate_arn {
        m.insert("CustomDomainConfig".into(), json!({"CertificateArn": arn}));
    }
    if let Some(v) = d.managed_login_version {
        m.insert("ManagedLoginVersion".into(), json!(v));
    }
    Value::Object(m)
}

/// Every operation [`dispatch`] implements, sorted: the bounded set of `action` label values
/// (anything else is counted as `unknown`).
pub const ACTIONS: &[&str] = &[
    "AddCustomAttributes",
    "AdminAddUserToGroup",
    "AdminCreateUser",
    "AdminDeleteUser",
    "AdminDeleteUserAttributes",
    "AdminDisableProviderForUser",
    "AdminDisableUser",
    "AdminEnableUser",
    "AdminGetUser",
    "AdminLinkProviderForUser",
    "AdminListGroupsForUser",
    "AdminRemoveUserFromGroup",
    "AdminUpdateUserAttributes",
    "AdminUserGlobalSignOut",
    "CreateGroup",
    "CreateIdentityProvider",
    "CreateResourceServer",
    "CreateUserPool",
    "CreateUserPoolClient",
    "CreateUserPoolDomain",
    "DeleteGroup",
    "DeleteIdentityProvider",
    "DeleteResourceServer",
    "DeleteUserPool",
    "DeleteUserPoolClient",
    "DeleteUserPoolDomain",
    "DescribeIdentityProvider",
    "DescribeResourceServer",
    "DescribeUserPool",
    "DescribeUserPoolClient",
    "DescribeUserPoolDomain",
    "GetGroup",
    "GetIdentityProviderByIdentifier",
    "GetSigningCertificate",
    "GetUser",
    "GlobalSignOut",
    "ListGroups",
    "ListIdentityProviders",
    "ListResourceServers",
    "ListTagsForResource",
    "ListUserPoolClients",
    "ListUserPools",
    "ListUsers",
    "ListUsersInGroup",
    "RevokeToken",
    "TagResource",
    "UntagResource",
    "UpdateGroup",
    "UpdateIdentityProvider",
    "UpdateResourceServer",
    "UpdateUserPool",
    "UpdateUserPoolClient",
    "UpdateUserPoolDomain",
];

/// Runs one operation.
pub async fn dispatch(c: &Cirrus, action: &str, input: Value) -> Out {
    let i = Input::new(input);
    match action {
        // --- user pools ---
        "CreateUserPool" => {
            let view = c.create_user_pool(i.typed()?).await?;
            Ok(json!({"UserPool": pool_json(&view)?}))
        }
        "DescribeUserPool" => {
            let view = c.describe_user_pool(&i.string("UserPoolId")?).await?;
            Ok(json!({"UserPool": pool_json(&view)?}))
        }
        "UpdateUserPool" => {
            c.update_user_pool(i.typed()?).await?;
            Ok(json!({}))
        }
        "DeleteUserPool" => {
            c.delete_user_pool(&i.string("UserPoolId")?).await?;
            Ok(json!({}))
        }
        "ListUserPools" => {
            let next = i.opt_string("NextToken")?;
            let (pools, token) = c
                .list_user_pools(i.opt_int("MaxResults")?, next.as_ref())
                .await?;
            let mut out = Map::new();
            out.insert(
                "UserPools".into(),
                Value::Array(pools.iter().map(pool_description).collect()),
            );
            Ok(with_token(out, "NextToken", token))
        }
        "AddCustomAttributes" => {
            let pool_id = i.string("UserPoolId")?;
            if !i.0.contains_key("CustomAttributes") {
                return Err(cirrus_core::validate::missing("customAttributes").into());
            }
            let attrs: Vec<SchemaAttribute> = i.list("CustomAttributes")?;
            c.add_custom_attributes(&pool_id, &attrs).await?;
            Ok(json!({}))
        }
        "GetSigningCertificate" => {
            let cert = c.signing_certificate(&i.string("UserPoolId")?).await?;
            Ok(json!({"Certificate": cert}))
        }
        "TagResource" => {
            let arn = i.string("ResourceArn")?;
            c.tag_resource(&arn, i.string_map("Tags")?).await?;
            Ok(json!({}))
        }
        "UntagResource" => {
            let arn = i.string("ResourceArn")?;
            c.untag_resource(&arn, &i.required_strings("TagKeys")?)
                .await?;
            Ok(json!({}))
        }
        "ListTagsForResource" => {
            let tags = c.list_tags(&i.string("ResourceArn")?).await?;
            Ok(json!({"Tags": tags}))
        }

        // --- app clients ---
        "CreateUserPoolClient" => {
            let client = c.create_client(i.typed()?).await?;
            Ok(json!({"UserPoolClient": to_value(&client)?}))
        }
        "DescribeUserPoolClient" => {
            let client = c
                .client(&i.string("UserPoolId")?, &i.string("ClientId")?)
                .await?;
            Ok(json!({"UserPoolClient": to_value(&client)?}))
        }
        "UpdateUserPoolClient" => {
            let client = c.update_client(i.typed()?).await?;
            Ok(json!({"UserPoolClient": to_value(&client)?}))
        }
        "DeleteUserPoolClient" => {
            c.delete_client(&i.string("UserPoolId")?, &i.string("ClientId")?)
                .await?;
            Ok(json!({}))
        }
        "ListUserPoolClients" => {
            let next = i.opt_string("NextToken")?;
            let (clients, token) = c
                .list_clients(
                    &i.string("UserPoolId")?,
                    i.opt_int("MaxResults")?,
                    next.as_ref(),
                )
                .await?;
            let mut out = Map::new();
            out.insert(
                "UserPoolClients".into(),
                Value::Array(clients.iter().map(client_description).collect()),
            );
            Ok(with_token(out, "NextToken", token))
        }

        // --- domains ---
        "CreateUserPoolDomain" => {
            let d = c.create_domain(i.typed()?).await?;
            let mut out = Map::new();
            if d.is_custom() {
                out.insert("CloudFrontDomain".into(), json!(c.alias_target()));
            }
            if let Some(v) = d.managed_login_version {
                out.insert("ManagedLoginVersion".into(), json!(v));
            }
            Ok(Value::Object(out))
        }
        "DescribeUserPoolDomain" => {
            let d = c.describe_domain(&i.string("Domain")?).await?;
            Ok(
                json!({"DomainDescription": d.map(|d| domain_json(c, &d)).unwrap_or_else(|| json!({}))}),
            )
        }
        "UpdateUserPoolDomain" => {
            let d = c.update_domain(i.typed()?).await?;
            let mut out = Map::new();
            if d.is_custom() {
                out.insert("CloudFrontDomain".into(), json!(c.alias_target()));
            }
            if let Some(v) = d.managed_login_version {
                out.insert("ManagedLoginVersion".into(), json!(v));
            }
            Ok(Value::Object(out))
        }
        "DeleteUserPoolDomain" => {
            c.delete_domain(&i.string("Domain")?, &i.string("UserPoolId")?)
                .await?;
            Ok(json!({}))
        }

        // --- identity providers ---
        "CreateIdentityProvider" => {
            let p = c.create_provider(i.typed()?).await?;
            Ok(json!({"IdentityProvider": to_value(&p)?}))
        }
        "DescribeIdentityProvider" => {
            let p = c
                .describe_provider(&i.string("UserPoolId")?, &i.string("ProviderName")?)
                .await?;
            Ok(json!({"IdentityProvider": to_value(&p)?}))
        }
        "UpdateIdentityProvider" => {
            let p = c.update_provider(i.typed()?).await?;
            Ok(json!({"IdentityProvider": to_value(&p)?}))
        }
        "DeleteIdentityProvider" => {
            c.delete_provider(&i.string("UserPoolId")?, &i.string("ProviderName")?)
                .await?;
            Ok(json!({}))
        }
        "ListIdentityProviders" => {
            let next = i.opt_string("NextToken")?;
            let (providers, token) = c
                .list_providers(
                    &i.string("UserPoolId")?,
                    i.opt_int("MaxResults")?,
                    next.as_ref(),
                )
                .await?;
            let items: Vec<Value> = providers
                .iter()
                .map(|p| {
                    json!({
                        "ProviderName": p.provider_name,
                        "ProviderType": p.provider_type,
                        "LastModifiedDate": p.last_modified_date,
                        "CreationDate": p.creation_date,
                    })
                })
                .collect();
            let mut out = Map::new();
            out.insert("Providers".into(), Value::Array(items));
            Ok(with_token(out, "NextToken", token))
        }
        "GetIdentityProviderByIdentifier" => {
            let p = c
                .provider_by_identifier(&i.string("UserPoolId")?, &i.string("IdpIdentifier")?)
                .await?;
            Ok(json!({"IdentityProvider": to_value(&p)?}))
        }

        // --- resource servers ---
        "CreateResourceServer" => {
            let s = c.create_resource_server(i.typed()?).await?;
            Ok(json!({"ResourceServer": to_value(&s)?}))
        }
        "DescribeResourceServer" => {
            let s = c
                .resource_server(&i.string("UserPoolId")?, &i.string("Identifier")?)
                .await?;
            Ok(json!({"ResourceServer": to_value(&s)?}))
        }
        "UpdateResourceServer" => {
            let s = c.update_resource_server(i.typed()?).await?;
            Ok(json!({"ResourceServer": to_value(&s)?}))
        }
        "DeleteResourceServer" => {
            c.delete_resource_server(&i.string("UserPoolId")?, &i.string("Identifier")?)
                .await?;
            Ok(json!({}))
        }
        "ListResourceServers" => {
            let next = i.opt_string("NextToken")?;
            let (servers, token) = c
                .list_resource_servers(
                    &i.string("UserPoolId")?,
                    i.opt_int("MaxResults")?,
                    next.as_ref(),
                )
                .await?;
            let mut out = Map::new();
            out.insert("ResourceServers".into(), to_value(&servers)?);
            Ok(with_token(out, "NextToken", token))
        }

        // --- users ---
        "AdminCreateUser" => {
            let user = c.admin_create_user(i.typed()?).await?;
            Ok(json!({"User": user_json(&user, None)}))
        }
        "AdminGetUser" => {
            let (_, u) = c
                .user(&i.string("UserPoolId")?, &i.string("Username")?)
                .await?;
            Ok(json!({
                "Username": u.username,
                "UserAttributes": u.attribute_list(None),
                "UserCreateDate": u.created,
                "UserLastModifiedDate": u.modified,
                "Enabled": u.enabled,
                "UserStatus": u.status,
            }))
        }
        "AdminUpdateUserAttributes" => {
            if !i.0.contains_key("UserAttributes") {
                return Err(cirrus_core::validate::missing("userAttributes").into());
            }
            let attrs: Vec<Attribute> = i.list("UserAttributes")?;
            c.admin_update_user_attributes(
                &i.string("UserPoolId")?,
                &i.string("Username")?,
                &attrs,
            )
            .await?;
            Ok(json!({}))
        }
        "AdminDeleteUserAttributes" => {
            let names = i.required_strings("UserAttributeNames")?;
            c.admin_delete_user_attributes(
                &i.string("UserPoolId")?,
                &i.string("Username")?,
                &names,
            )
            .await?;
            Ok(json!({}))
        }
        "AdminDeleteUser" => {
            c.admin_delete_user(&i.string("UserPoolId")?, &i.string("Username")?)
                .await?;
            Ok(json!({}))
        }
        "AdminDisableUser" | "AdminEnableUser" => {
            let enabled = action == "AdminEnableUser";
            c.admin_set_user_enabled(&i.string("UserPoolId")?, &i.string("Username")?, enabled)
                .await?;
            Ok(json!({}))
        }
        "ListUsers" => {
            let only =
                i.0.contains_key("AttributesToGet")
                    .then(|| i.strings("AttributesToGet"))
                    .transpose()?;
            if let Some(names) = &only {
                c.check_attributes_to_get(&i.string("UserPoolId")?, names)
                    .await?;
            }
            let filter = i.opt_string("Filter")?;
            let next = i.opt_string("PaginationToken")?;
            let (users, token) = c
                .list_users(
                    &i.string("UserPoolId")?,
                    filter.as_deref(),
                    i.opt_int("Limit")?,
                    next.as_ref(),
                )
                .await?;
            let mut out = Map::new();
            out.insert(
                "Users".into(),
                Value::Array(
                    users
                        .iter()
                        .map(|u| user_json(u, only.as_deref()))
                        .collect(),
                ),
            );
            Ok(with_token(out, "PaginationToken", token))
        }

        // --- linked identities ---
        "AdminLinkProviderForUser" => {
            let pool_id = i.string("UserPoolId")?;
            let (dest, source) = (i.structure("DestinationUser")?, i.structure("SourceUser")?);
            c.link_provider_for_user(&pool_id, &dest, &source).await?;
            Ok(json!({}))
        }
        "AdminDisableProviderForUser" => {
            let pool_id = i.string("UserPoolId")?;
            c.disable_provider_for_user(&pool_id, &i.structure("User")?)
                .await?;
            Ok(json!({}))
        }

        // --- sessions and token-authorized calls ---
        "GetUser" => {
            let (username, attributes) = c.get_user_by_token(&i.string("AccessToken")?).await?;
            Ok(json!({"Username": username, "UserAttributes": attributes}))
        }
        "GlobalSignOut" => {
            c.global_sign_out(&i.string("AccessToken")?).await?;
            Ok(json!({}))
        }
        "AdminUserGlobalSignOut" => {
            c.admin_global_sign_out(&i.string("UserPoolId")?, &i.string("Username")?)
                .await?;
            Ok(json!({}))
        }
        "RevokeToken" => {
            let secret = i.opt_string("ClientSecret")?;
            c.revoke_token_api(
                &i.string("Token")?,
                &i.string("ClientId")?,
                secret.as_deref(),
            )
            .await?;
            Ok(json!({}))
        }

        // --- groups ---
        "CreateGroup" => {
            let g = c.create_group(i.typed()?).await?;
            Ok(json!({"Group": to_value(&g)?}))
        }
        "GetGroup" => {
            let g = c
                .group(&i.string("UserPoolId")?, &i.string("GroupName")?)
                .await?;
            Ok(json!({"Group": to_value(&g)?}))
        }
        "UpdateGroup" => {
            let g = c.update_group(i.typed()?).await?;
            Ok(json!({"Group": to_value(&g)?}))
        }
        "DeleteGroup" => {
            c.delete_group(&i.string("UserPoolId")?, &i.string("GroupName")?)
                .await?;
            Ok(json!({}))
        }
        "ListGroups" => {
            let next = i.opt_string("NextToken")?;
            let (groups, token) = c
                .list_groups(&i.string("UserPoolId")?, i.opt_int("Limit")?, next.as_ref())
                .await?;
            let mut out = Map::new();
            out.insert("Groups".into(), to_value(&groups)?);
            Ok(with_token(out, "NextToken", token))
        }
        "AdminAddUserToGroup" => {
            c.add_user_to_group(
                &i.string("UserPoolId")?,
                &i.string("Username")?,
                &i.string("GroupName")?,
            )
            .await?;
            Ok(json!({}))
        }
        "AdminRemoveUserFromGroup" => {
            c.remove_user_from_group(
                &i.string("UserPoolId")?,
                &i.string("Username")?,
                &i.string("GroupName")?,
            )
            .await?;
            Ok(json!({}))
        }
        "AdminListGroupsForUser" => {
            let next = i.opt_string("NextToken")?;
            let (groups, token) = c
                .groups_for_user(
                    &i.string("UserPoolId")?,
                    &i.string("Username")?,
                    i.opt_int("Limit")?,
                    next.as_ref(),
                )
                .await?;
            let mut out = Map::new();
            out.insert("Groups".into(), to_value(&groups)?);
            Ok(with_token(out, "NextToken", token))
        }
        "ListUsersInGroup" => {
            let next = i.opt_string("NextToken")?;
            let (users, token) = c
                .users_in_group(
                    &i.string("UserPoolId")?,
                    &i.string("GroupName")?,
                    i.opt_int("Limit")?,
                    next.as_ref(),
                )
                .await?;
            let mut out = Map::new();
            out.insert(
                "Users".into(),
                Value::Array(users.iter().map(|u| user_json(u, None)).collect()),
            );
            Ok(with_token(out, "NextToken", token))
        }

        other => Err(ApiError::new(
            "UnknownOperationException",
            format!("Operation {other} is not supported by this server."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::ACTIONS;

    /// The action names in `dispatch`'s match arms, read from this file's source.
    fn dispatched() -> Vec<&'static str> {
        let src = include_str!("actions.rs");
        let start = src.find("pub async fn dispatch").unwrap_or(0);
        let mut names = Vec::new();
        for line in src[start..].lines().map(str::trim) {
            if line.starts_with('"') && line.ends_with("=> {") {
                for part in line.trim_end_matches("=> {").split('|') {
                    names.push(part.trim().trim_matches('"'));
                }
            }
        }
        names.sort_unstable();
        names
    }

    #[test]
    fn the_action_list_is_the_dispatch_table() {
        let dispatched = dispatched();
        assert!(
            dispatched.len() > 40,
            "the source scan found {dispatched:?}"
        );
        assert_eq!(ACTIONS, dispatched.as_slice());
    }
}
