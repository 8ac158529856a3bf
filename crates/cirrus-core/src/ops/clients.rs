//! App clients: Create/Describe/Update/Delete/ListUserPoolClients.

use std::collections::HashSet;

use serde::Deserialize;

use super::{Cirrus, page_size, token};
use crate::attribute_mapping::check_client_can_write;
use crate::error::{Error, Result};
use crate::ids;
use crate::model::client::{AppClient, ClientSettings};
use crate::model::user_pool::UserPool;
use crate::validate;

/// The most app clients one pool may have.
pub const MAX_CLIENTS_PER_POOL: usize = 1000;

/// CreateUserPoolClient's input.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateClient {
    pub user_pool_id: Option<String>,
    pub generate_secret: Option<bool>,
    pub client_secret: Option<String>,
    #[serde(flatten)]
    pub settings: ClientSettings,
}

/// UpdateUserPoolClient's input.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateClient {
    pub user_pool_id: Option<String>,
    pub client_id: Option<String>,
    #[serde(flatten)]
    pub settings: ClientSettings,
}

const STANDARD_SCOPES: &[&str] = &[
    "openid",
    "email",
    "phone",
    "profile",
    "aws.cognito.signin.user.admin",
];
const SOCIAL_PROVIDERS: &[&str] = &["Facebook", "Google", "LoginWithAmazon", "SignInWithApple"];
const AUTH_FLOWS: &[&str] = &[
    "ADMIN_NO_SRP_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY",
    "USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_AUTH",
];

/// Checks one callback or logout URL: absolute, no fragment, HTTPS unless it points at this
/// machine (`localhost`, `127.0.0.1`, `[::1]`); app schemes such as `myapp://cb` are allowed.
pub fn check_redirect_url(raw: &str, member: &str) -> Result<()> {
    validate::string(raw, member, 1, 1024, &validate::REDIRECT_URL)?;
    let url = url::Url::parse(raw)
        .map_err(|e| Error::invalid(format!("{member}: '{raw}' is not an absolute URL ({e}).")))?;
    if url.fragment().is_some() {
        return Err(Error::invalid(format!(
            "{member}: '{raw}' must not contain a fragment (#)."
        )));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let local = matches!(
                url.host(),
                Some(url::Host::Domain("localhost"))
                    | Some(url::Host::Ipv4(std::net::Ipv4Addr::LOCALHOST))
                    | Some(url::Host::Ipv6(std::net::Ipv6Addr::LOCALHOST))
            );
            if local {
                Ok(())
            } else {
                Err(Error::invalid(format!(
                    "{member}: '{raw}' must use https; http is allowed only for localhost, 127.0.0.1 and [::1]."
                )))
            }
        }
        "javascript" | "data" | "file" | "vbscript" => Err(Error::invalid(format!(
            "{member}: the scheme of '{raw}' is not allowed."
        ))),
        _ => Ok(()),
    }
}

fn token_validity(
    value: Option<i64>,
    unit: Option<&str>,
    default_unit: &str,
    member: &str,
    min_s: i64,
    max_s: i64,
) -> Result<()> {
    let Some(v) = value else { return Ok(()) };
    let unit = unit.unwrap_or(default_unit);
    let seconds = match unit {
        "seconds" => v,
        "minutes" => v.saturating_mul(60),
        "hours" => v.saturating_mul(3600),
        "days" => v.saturating_mul(86_400),
        other => {
            return Err(Error::invalid(format!(
                "Unknown token validity unit '{other}'."
            )));
        }
    };
    if seconds < min_s || seconds > max_s {
        return Err(Error::invalid(format!(
            "{member} {v} {unit} is out of range: it must be between {} and {}.",
            describe_seconds(min_s),
            describe_seconds(max_s)
        )));
    }
    Ok(())
}

fn describe_seconds(s: i64) -> String {
    match s {
        s if s % 86_400 == 0 && s >= 86_400 => format!("{} days", s / 86_400),
        s if s % 3600 == 0 && s >= 3600 => format!("{} hours", s / 3600),
        s if s % 60 == 0 => format!("{} minutes", s / 60),
        s => format!("{s} seconds"),
    }
}

impl Cirrus {
    async fn check_client_settings(
        &self,
        pool: &UserPool,
        s: &ClientSettings,
        has_secret: bool,
    ) -> Result<()> {
        let name = validate::required(&s.client_name, "clientName")?;
        validate::string(name, "clientName", 1, 128, &validate::NAME)?;

        let units = s.token_validity_units.clone().unwrap_or_default();
        for (u, m) in [
            (&units.access_token, "tokenValidityUnits.accessToken"),
            (&units.id_token, "tokenValidityUnits.idToken"),
            (&units.refresh_token, "tokenValidityUnits.refreshToken"),
        ] {
            if let Some(u) = u {
                validate::one_of(u, m, &["seconds", "minutes", "hours", "days"])?;
            }
        }
        if let Some(v) = s.refresh_token_validity {
            validate::range(v, "refreshTokenValidity", 0, 315_360_000)?;
        }
        if let Some(v) = s.access_token_validity {
            validate::range(v, "accessTokenValidity", 1, 86_400)?;
        }
        if let Some(v) = s.id_token_validity {
            validate::range(v, "idTokenValidity", 1, 86_400)?;
        }
        token_validity(
            s.access_token_validity,
            units.access_token.as_deref(),
            "hours",
            "AccessTokenValidity",
            300,
            86_400,
        )?;
        token_validity(
            s.id_token_validity,
            units.id_token.as_deref(),
            "hours",
            "IdTokenValidity",
            300,
            86_400,
        )?;
        token_validity(
            s.refresh_token_validity.filter(|v| *v != 0),
            units.refresh_token.as_deref(),
            "days",
            "RefreshTokenValidity",
            3600,
            315_360_000,
        )?;

        for (list, member) in [
            (&s.read_attributes, "readAttributes"),
            (&s.write_attributes, "writeAttributes"),
        ] {
            for a in list.iter().flatten() {
                validate::length(a, &format!("{member}.member"), 1, 2048)?;
                if pool.schema_attributes.get(a).is_none() {
                    return Err(Error::invalid(format!(
                        "Invalid {member}: '{a}' is not an attribute of this user pool."
                    )));
                }
            }
        }
        for a in s.write_attributes.iter().flatten() {
            if pool.schema_attributes.rules(a).is_some_and(|r| !r.mutable) {
                return Err(Error::invalid(format!(
                    "Invalid writeAttributes: '{a}' is immutable and cannot be written by a client."
                )));
            }
        }

        let flows = s.explicit_auth_flows.clone().unwrap_or_default();
        for f in &flows {
            validate::one_of(f, "explicitAuthFlows.member", AUTH_FLOWS)?;
        }
        if flows.iter().any(|f| f.starts_with("ALLOW_"))
            && flows.iter().any(|f| !f.starts_with("ALLOW_"))
        {
            return Err(Error::invalid(
                "ExplicitAuthFlows cannot mix legacy values (ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY, USER_PASSWORD_AUTH) with ALLOW_ values.",
            ));
        }

        let callbacks = s.callback_urls.clone().unwrap_or_default();
        validate::count(&callbacks, "callbackURLs", 0, 100)?;
        for u in &callbacks {
            check_redirect_url(u, "callbackURLs.member")?;
        }
        let logouts = s.logout_urls.clone().unwrap_or_default();
        validate::count(&logouts, "logoutURLs", 0, 100)?;
        for u in &logouts {
            check_redirect_url(u, "logoutURLs.member")?;
        }
        if let Some(d) = &s.default_redirect_uri {
            check_redirect_url(d, "defaultRedirectURI")?;
            if !callbacks.contains(d) {
                return Err(Error::invalid(format!(
                    "DefaultRedirectURI '{d}' must be one of the client's CallbackURLs."
                )));
            }
        }

        let oauth_flows = s.allowed_o_auth_flows.clone().unwrap_or_default();
        validate::count(&oauth_flows, "allowedOAuthFlows", 0, 3)?;
        for f in &oauth_flows {
            validate::one_of(
                f,
                "allowedOAuthFlows.member",
                &["code", "implicit", "client_credentials"],
            )?;
        }
        let scopes = s.allowed_o_auth_scopes.clone().unwrap_or_default();
        validate::count(&scopes, "allowedOAuthScopes", 0, 50)?;
        for sc in &scopes {
            validate::string(sc, "allowedOAuthScopes.member", 1, 256, &validate::SCOPE)?;
        }
        let oauth_on = s.allowed_o_auth_flows_user_pool_client == Some(true);
        if oauth_on {
            if oauth_flows.is_empty() {
                return Err(Error::InvalidOAuthFlow(
                    "AllowedOAuthFlows must be set when AllowedOAuthFlowsUserPoolClient is true."
                        .into(),
                ));
            }
            if scopes.is_empty() {
                return Err(Error::InvalidOAuthFlow(
                    "AllowedOAuthScopes must be set when AllowedOAuthFlowsUserPoolClient is true."
                        .into(),
                ));
            }
        }
        let client_credentials = oauth_flows.iter().any(|f| f == "client_credentials");
        if client_credentials {
            if oauth_flows.len() > 1 {
                return Err(Error::InvalidOAuthFlow(
                    "client_credentials flow can not be selected along with code flow or implicit flow.".into(),
                ));
            }
            if !has_secret {
                return Err(Error::InvalidOAuthFlow(
                    "client_credentials flow can not be selected if client does not have a client secret.".into(),
                ));
            }
            if let Some(sc) = scopes
                .iter()
                .find(|sc| STANDARD_SCOPES.contains(&sc.as_str()))
            {
                return Err(Error::InvalidOAuthFlow(format!(
                    "client_credentials flow can only be used with custom scopes; '{sc}' is a user scope."
                )));
            }
        } else if oauth_on && callbacks.is_empty() {
            return Err(Error::invalid(
                "CallbackURLs must be set for the code and implicit flows.",
            ));
        }
        let mut defined: Option<HashSet<String>> = None;
        for sc in &scopes {
            if STANDARD_SCOPES.contains(&sc.as_str()) {
                continue;
            }
            if defined.is_none() {
                let mut all = HashSet::new();
                let mut after: Option<String> = None;
                loop {
                    let page = self
                        .store
                        .list_resource_servers(&pool.id, 100, after.as_deref())
                        .await?;
                    all.extend(page.items.iter().flat_map(|rs| rs.scope_strings()));
                    match page.next {
                        Some(n) => after = Some(n),
                        None => break,
                    }
                }
                defined = Some(all);
            }
            if !defined.as_ref().is_some_and(|d| d.contains(sc)) {
                return Err(Error::ScopeDoesNotExist(format!(
                    "Invalid scope requested: {sc}"
                )));
            }
        }

        if let Some(p) = &s.prevent_user_existence_errors {
            validate::one_of(p, "preventUserExistenceErrors", &["LEGACY", "ENABLED"])?;
        }
        if let Some(v) = s.auth_session_validity {
            validate::range(v, "authSessionValidity", 3, 15)?;
        }
        if let Some(r) = &s.refresh_token_rotation {
            let feature = r.get("Feature").and_then(|v| v.as_str());
            match feature {
                Some(f) => {
                    validate::one_of(f, "refreshTokenRotation.feature", &["ENABLED", "DISABLED"])?
                }
                None => return Err(validate::missing("refreshTokenRotation.feature")),
            }
            if let Some(g) = r.get("RetryGracePeriodSeconds") {
                let g = g.as_i64().ok_or_else(|| {
                    Error::Serialization(
                        "Unexpected value at 'refreshTokenRotation.retryGracePeriodSeconds'".into(),
                    )
                })?;
                validate::range(g, "refreshTokenRotation.retryGracePeriodSeconds", 0, 60)?;
            }
        }
        Ok(())
    }

    /// Checks the providers a client names exist, and that it can write what they map.
    async fn check_client_providers(&self, pool: &UserPool, client: &AppClient) -> Result<()> {
        let names = client
            .settings
            .supported_identity_providers
            .clone()
            .unwrap_or_default();
        for name in &names {
            validate::string(
                name,
                "supportedIdentityProviders.member",
                1,
                32,
                &validate::PROVIDER_NAME,
            )?;
            if name == "COGNITO" {
                continue;
            }
            let provider = self.store.get_provider(&pool.id, name).await?;
            let Some(provider) = provider else {
                let hint = if SOCIAL_PROVIDERS.contains(&name.as_str()) {
                    " (create the identity provider first)"
                } else {
                    ""
                };
                return Err(Error::invalid(format!(
                    "The provider {name} does not exist for User Pool {}{hint}",
                    pool.id
                )));
            };
            check_client_can_write(&pool.schema_attributes, client, &provider)?;
        }
        Ok(())
    }

    /// CreateUserPoolClient.
    pub async fn create_client(&self, req: CreateClient) -> Result<AppClient> {
        let pool_id = validate::required(&req.user_pool_id, "userPoolId")?;
        let pool = self.pool(pool_id).await?;
        let secret = match (req.generate_secret.unwrap_or(false), &req.client_secret) {
            (true, Some(_)) => {
                return Err(Error::invalid(
                    "GenerateSecret and ClientSecret cannot be used together: either ask for a generated secret or supply one.",
                ));
            }
            (true, None) => Some(ids::client_secret()),
            (false, Some(s)) => {
                validate::string(s, "clientSecret", 24, 64, &validate::CLIENT_SECRET)?;
                Some(s.clone())
            }
            (false, None) => None,
        };
        self.check_client_settings(&pool, &req.settings, secret.is_some())
            .await?;
        if self.store.count_clients(pool_id).await? >= MAX_CLIENTS_PER_POOL {
            return Err(Error::LimitExceeded(format!(
                "User pool {pool_id} already has {MAX_CLIENTS_PER_POOL} app clients."
            )));
        }
        let now = self.timestamp();
        let settings = req.settings.with_defaults();
        let client = AppClient {
            user_pool_id: pool_id.clone(),
            client_id: ids::client_id(),
            client_secret: secret,
            creation_date: now,
            last_modified_date: now,
            settings,
        };
        self.check_client_providers(&pool, &client).await?;
        self.store.create_client(&client).await?;
        Ok(client)
    }

    /// Loads a client of a pool or answers ResourceNotFound.
    pub async fn client(&self, pool_id: &str, client_id: &str) -> Result<AppClient> {
        validate::string(client_id, "clientId", 1, 128, &validate::CLIENT_ID)?;
        self.pool(pool_id).await?;
        self.store
            .get_client(pool_id, client_id)
            .await?
            .ok_or_else(|| {
                Error::ResourceNotFound(format!("User pool client {client_id} does not exist."))
            })
    }

    /// UpdateUserPoolClient: replaces every setting; omitted members return to their defaults.
    pub async fn update_client(&self, req: UpdateClient) -> Result<AppClient> {
        let pool_id = validate::required(&req.user_pool_id, "userPoolId")?;
        let client_id = validate::required(&req.client_id, "clientId")?;
        let mut client = self.client(pool_id, client_id).await?;
        let pool = self.pool(pool_id).await?;
        let mut settings = req.settings;
        // ClientName keeps its value when omitted (it is required on create).
        if settings.client_name.is_none() {
            settings.client_name = client.settings.client_name.clone();
        }
        self.check_client_settings(&pool, &settings, client.client_secret.is_some())
            .await?;
        client.settings = settings.with_defaults();
        client.last_modified_date = self.timestamp();
        self.check_client_providers(&pool, &client).await?;
        self.store.put_client(&client).await?;
        Ok(client)
    }

    /// DeleteUserPoolClient.
    pub async fn delete_client(&self, pool_id: &str, client_id: &str) -> Result<()> {
        self.client(pool_id, client_id).await?;
        self.store.delete_client(pool_id, client_id).await?;
        Ok(())
    }

    /// ListUserPoolClients.
    pub async fn list_clients(
        &self,
        pool_id: &str,
        max: Option<i64>,
        next: Option<&String>,
    ) -> Result<(Vec<AppClient>, Option<String>)> {
        self.pool(pool_id).await?;
        let limit = page_size(max, "maxResults", 1, 60)?;
        let after = token::decode(next)?;
        let page = self
            .store
            .list_clients(pool_id, limit, after.as_deref())
            .await?;
        Ok((page.items, token::encode(page.next)))
    }

    /// Every client of a pool that lists `provider`.
    pub async fn clients_supporting(
        &self,
        pool_id: &str,
        provider: &str,
    ) -> Result<Vec<AppClient>> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self
                .store
                .list_clients(pool_id, 100, after.as_deref())
                .await?;
            out.extend(
                page.items
                    .into_iter()
                    .filter(|c| c.supports_provider(provider)),
            );
            match page.next {
                Some(n) => after = Some(n),
                None => return Ok(out),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_urls() {
        for ok in [
            "https://app.example.com/cb",
            "http://localhost:3000/cb",
            "http://127.0.0.1/cb",
            "http://[::1]:8080/",
            "myapp://callback",
        ] {
            assert!(
                check_redirect_url(ok, "callbackURLs.member").is_ok(),
                "{ok}"
            );
        }
        for bad in [
            "http://app.example.com/cb",
            "https://app.example.com/cb#frag",
            "/relative",
            "javascript:alert(1)",
            "",
        ] {
            assert!(
                check_redirect_url(bad, "callbackURLs.member").is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn validity_ranges() {
        assert!(
            token_validity(
                Some(60),
                Some("minutes"),
                "hours",
                "AccessTokenValidity",
                300,
                86_400
            )
            .is_ok()
        );
        assert!(
            token_validity(
                Some(4),
                Some("minutes"),
                "hours",
                "AccessTokenValidity",
                300,
                86_400
            )
            .is_err()
        );
        assert!(token_validity(Some(2), None, "hours", "AccessTokenValidity", 300, 86_400).is_ok());
        assert!(
            token_validity(Some(25), None, "hours", "AccessTokenValidity", 300, 86_400).is_err()
        );
    }
}
