//! Issuing tokens, and the `/oauth2/token` and `/oauth2/revoke` endpoints.

use super::*;
use crate::metrics::{self, Grant};

impl Cirrus {
    /// Issues ID, access and (optionally) refresh tokens for a user.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn issue_tokens(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        scopes: &[String],
        nonce: Option<&str>,
        auth_time: i64,
        origin_jti: &str,
        with_refresh: bool,
        provider: &str,
    ) -> Result<TokenResponse> {
        let now_s = self.now() / 1000;
        let (id_life, access_life, refresh_life) = token_lifetimes(client);
        let groups: Vec<String> = self
            .store
            .groups_of_user(&pool.id, &user.username, 100, None)
            .await?
            .items
            .into_iter()
            .map(|g| g.group_name)
            .collect();
        let issuer = self.issuer(&pool.id);
        let event_id = uuid::Uuid::new_v4().to_string();
        let mut access = Map::new();
        access.insert("sub".into(), json!(user.sub));
        if !groups.is_empty() {
            access.insert("cognito:groups".into(), json!(groups));
        }
        access.insert("iss".into(), json!(issuer));
        access.insert("version".into(), json!(2));
        access.insert("client_id".into(), json!(client.client_id));
        access.insert("origin_jti".into(), json!(origin_jti));
        access.insert("event_id".into(), json!(event_id));
        access.insert("token_use".into(), json!("access"));
        access.insert("scope".into(), json!(scopes.join(" ")));
        access.insert("auth_time".into(), json!(auth_time));
        access.insert("exp".into(), json!(now_s + access_life));
        access.insert("iat".into(), json!(now_s));
        access.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
        access.insert("username".into(), json!(user.username));
        let (kid, key) = self.signing_key(&pool.id, "access").await?;
        let access_token = sign_jwt(&kid, &key, &Value::Object(access))?;

        let id_token = if scopes.iter().any(|s| s == "openid") {
            let mut id = Map::new();
            id.insert("at_hash".into(), json!(at_hash(&access_token)));
            id.insert("sub".into(), json!(user.sub));
            if !groups.is_empty() {
                id.insert("cognito:groups".into(), json!(groups));
            }
            for (name, value) in self.readable_claims(pool, client, user, None) {
                id.entry(name).or_insert(value);
            }
            id.insert("iss".into(), json!(issuer));
            id.insert("cognito:username".into(), json!(user.username));
            if let Some(n) = nonce {
                id.insert("nonce".into(), json!(n));
            }
            id.insert("origin_jti".into(), json!(origin_jti));
            id.insert("aud".into(), json!(client.client_id));
            id.insert("event_id".into(), json!(event_id));
            id.insert("token_use".into(), json!("id"));
            id.insert("auth_time".into(), json!(auth_time));
            id.insert("exp".into(), json!(now_s + id_life));
            id.insert("iat".into(), json!(now_s));
            id.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
            let (kid, key) = self.signing_key(&pool.id, "id").await?;
            Some(sign_jwt(&kid, &key, &Value::Object(id))?)
        } else {
            None
        };

        let refresh_token = if with_refresh {
            let token = random_token(48)?;
            let now = self.now();
            self.store
                .put_refresh_token(&RefreshTokenRecord {
                    token_hash: sha256_b64(&token),
                    pool_id: pool.id.clone(),
                    client_id: client.client_id.clone(),
                    username: user.username.clone(),
                    origin_jti: origin_jti.to_string(),
                    provider: provider.to_string(),
                    created: now,
                    expires: now + refresh_life * 1000,
                    revoked: false,
                    doc: serde_json::to_string(&RefreshGrant {
                        scopes: scopes.to_vec(),
                        auth_time,
                    })
                    .map_err(|e| Error::Internal(e.to_string()))?,
                })
                .await?;
            Some(token)
        } else {
            None
        };
        Ok(TokenResponse {
            id_token,
            access_token,
            refresh_token,
            token_type: "Bearer",
            expires_in: access_life,
        })
    }

    /// The user's attributes a client may read, as token claims: `*_verified` as booleans,
    /// `identities` as an array, everything else as strings. With `scopes`, only what they
    /// grant (userInfo's rule).
    pub fn readable_claims(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        scopes: Option<&[String]>,
    ) -> Vec<(String, Value)> {
        let readable = |name: &str| match &client.settings.read_attributes {
            Some(list) => list.iter().any(|a| a == name),
            None => !name.starts_with("custom:") && !name.starts_with("dev:"),
        };
        let granted = |name: &str| match scopes {
            None => true,
            Some(s) => {
                let has = |x: &str| s.iter().any(|g| g == x);
                has("profile")
                    || (has("email") && (name == "email" || name == "email_verified"))
                    || (has("phone") && (name == "phone_number" || name == "phone_number_verified"))
            }
        };
        let mut out = Vec::new();
        for (name, value) in &user.attributes {
            if name == "sub" {
                continue;
            }
            if name == "identities" {
                if let Ok(v) = serde_json::from_str::<Value>(value) {
                    let stringified = match v {
                        Value::Array(items) => Value::Array(
                            items
                                .into_iter()
                                .map(|item| match item {
                                    Value::Object(m) => Value::Object(
                                        m.into_iter()
                                            .map(|(k, v)| {
                                                let v = match v {
                                                    Value::Bool(b) => json!(b.to_string()),
                                                    Value::Number(n) => json!(n.to_string()),
                                                    other => other,
                                                };
                                                (k, v)
                                            })
                                            .collect(),
                                    ),
                                    other => other,
                                })
                                .collect(),
                        ),
                        other => other,
                    };
                    out.push((name.clone(), stringified));
                }
                continue;
            }
            if pool.schema_attributes.get(name).is_none() || !readable(name) || !granted(name) {
                continue;
            }
            let value = if name.ends_with("_verified") {
                json!(value == "true")
            } else {
                json!(value)
            };
            out.push((name.clone(), value));
        }
        out
    }

    pub(super) fn authenticate_client(
        &self,
        client: &AppClient,
        secret: Option<&str>,
    ) -> std::result::Result<(), OAuthError> {
        match (&client.client_secret, secret) {
            (None, None) => Ok(()),
            (Some(expected), Some(given)) if ct_eq(expected, given) => Ok(()),
            (None, Some(_)) => Err(OAuthError::new(
                "invalid_client",
                "This client has no secret; send none.",
            )),
            _ => Err(OAuthError::new(
                "invalid_client",
                "Client authentication failed.",
            )),
        }
    }

    /// `/oauth2/token`. `basic` is the client id and secret from an `Authorization: Basic` header.
    pub async fn token(
        &self,
        pool: &UserPool,
        params: &TokenParams,
        basic: Option<(String, String)>,
    ) -> Result<std::result::Result<TokenResponse, OAuthError>> {
        let (client_id, secret) = match (&basic, &params.client_id) {
            (Some((id, s)), body_id) => {
                if body_id.as_ref().is_some_and(|b| b != id) {
                    return Ok(Err(OAuthError::new(
                        "invalid_request",
                        "client_id differs from the Authorization header.",
                    )));
                }
                (id.clone(), Some(s.clone()))
            }
            (None, Some(id)) => (id.clone(), params.client_secret.clone()),
            (None, None) => {
                return Ok(Err(OAuthError::new(
                    "invalid_request",
                    "client_id is required.",
                )));
            }
        };
        let Some(client) = self.store.get_client(&pool.id, &client_id).await? else {
            return Ok(Err(OAuthError::new(
                "invalid_client",
                "Client authentication failed.",
            )));
        };
        if let Err(e) = self.authenticate_client(&client, secret.as_deref()) {
            return Ok(Err(e));
        }
        match params.grant_type.as_deref() {
            Some("authorization_code") => self.code_grant(pool, &client, params).await,
            Some("refresh_token") => self.refresh_grant(pool, &client, params).await,
            Some("client_credentials") => {
                self.client_credentials_grant(pool, &client, params).await
            }
            Some(_) => Ok(Err(OAuthError::new(
                "unsupported_grant_type",
                "grant_type is not supported.",
            ))),
            None => Ok(Err(OAuthError::new(
                "invalid_request",
                "grant_type is required.",
            ))),
        }
    }

    pub(super) async fn code_grant(
        &self,
        pool: &UserPool,
        client: &AppClient,
        params: &TokenParams,
    ) -> Result<std::result::Result<TokenResponse, OAuthError>> {
        let invalid = |d: &str| Ok(Err(OAuthError::new("invalid_grant", d)));
        let Some(code) = params.code.as_deref() else {
            return Ok(Err(OAuthError::new("invalid_request", "code is required.")));
        };
        let Some(doc) = self
            .store
            .take_ephemeral("code", &sha256_b64(code), self.now())
            .await?
        else {
            return invalid("The code is unknown, expired or already used.");
        };
        let grant: CodeGrant =
            serde_json::from_str(&doc).map_err(|e| Error::Internal(e.to_string()))?;
        if grant.request.client_id != client.client_id || grant.request.pool_id != pool.id {
            return invalid("The code was issued to another client.");
        }
        if params.redirect_uri.as_deref() != Some(grant.request.redirect_uri.as_str()) {
            return invalid("redirect_uri does not match the authorization request.");
        }
        if let Some(challenge) = &grant.request.code_challenge {
            let Some(verifier) = params.code_verifier.as_deref() else {
                return invalid("code_verifier is required.");
            };
            if !ct_eq(&sha256_b64(verifier), challenge) {
                return invalid("code_verifier does not match the code_challenge.");
            }
        }
        let Some(user) = self
            .store
            .get_user(&pool.id, &grant.username, false)
            .await?
        else {
            return invalid("The user no longer exists.");
        };
        if !user.enabled {
            return invalid("User is disabled.");
        }
        let origin = uuid::Uuid::new_v4().to_string();
        let tokens = self
            .issue_tokens(
                pool,
                client,
                &user,
                &grant.request.scopes,
                grant.request.nonce.as_deref(),
                grant.auth_time,
                &origin,
                true,
                &grant.provider,
            )
            .await?;
        metrics::tokens_issued(Grant::AuthorizationCode);
        Ok(Ok(tokens))
    }

    pub(super) async fn refresh_grant(
        &self,
        pool: &UserPool,
        client: &AppClient,
        params: &TokenParams,
    ) -> Result<std::result::Result<TokenResponse, OAuthError>> {
        let invalid = |d: &str| Ok(Err(OAuthError::new("invalid_grant", d)));
        let Some(token) = params.refresh_token.as_deref() else {
            return Ok(Err(OAuthError::new(
                "invalid_request",
                "refresh_token is required.",
            )));
        };
        let Some(record) = self.store.get_refresh_token(&sha256_b64(token)).await? else {
            return invalid("Invalid Refresh Token");
        };
        if record.pool_id != pool.id || record.client_id != client.client_id {
            return invalid("Invalid Refresh Token");
        }
        if record.revoked {
            return invalid("Refresh Token has been revoked");
        }
        if record.expires <= self.now() {
            return invalid("Refresh Token has expired");
        }
        let Some(user) = self
            .store
            .get_user(&pool.id, &record.username, false)
            .await?
        else {
            return invalid("Invalid Refresh Token");
        };
        if !user.enabled {
            return invalid("User is disabled.");
        }
        let grant: RefreshGrant =
            serde_json::from_str(&record.doc).map_err(|e| Error::Internal(e.to_string()))?;
        let tokens = self
            .issue_tokens(
                pool,
                client,
                &user,
                &grant.scopes,
                None,
                grant.auth_time,
                &record.origin_jti,
                false,
                &record.provider,
            )
            .await?;
        metrics::tokens_issued(Grant::RefreshToken);
        Ok(Ok(tokens))
    }

    pub(super) async fn client_credentials_grant(
        &self,
        pool: &UserPool,
        client: &AppClient,
        params: &TokenParams,
    ) -> Result<std::result::Result<TokenResponse, OAuthError>> {
        let flows = client
            .settings
            .allowed_o_auth_flows
            .clone()
            .unwrap_or_default();
        if !oauth_enabled(client) || !flows.iter().any(|f| f == "client_credentials") {
            return Ok(Err(OAuthError::new(
                "unauthorized_client",
                "This client may not use client_credentials.",
            )));
        }
        if client.client_secret.is_none() {
            return Ok(Err(OAuthError::new(
                "invalid_client",
                "client_credentials needs a client secret.",
            )));
        }
        let allowed: Vec<String> = client
            .settings
            .allowed_o_auth_scopes
            .clone()
            .unwrap_or_default()
            .into_iter()
            .filter(|s| !STANDARD_SCOPES.contains(&s.as_str()))
            .collect();
        let scopes: Vec<String> = match params.scope.as_deref() {
            None => allowed.clone(),
            Some(s) => {
                let asked: Vec<String> = s
                    .split(' ')
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect();
                if let Some(bad) = asked.iter().find(|a| !allowed.contains(a)) {
                    return Ok(Err(OAuthError::new(
                        "invalid_scope",
                        format!("Scope {bad} is not allowed for this client."),
                    )));
                }
                asked
            }
        };
        let now_s = self.now() / 1000;
        let (_, access_life, _) = token_lifetimes(client);
        let claims = json!({
            "sub": client.client_id,
            "token_use": "access",
            "scope": scopes.join(" "),
            "auth_time": now_s,
            "iss": self.issuer(&pool.id),
            "exp": now_s + access_life,
            "iat": now_s,
            "version": 2,
            "jti": uuid::Uuid::new_v4().to_string(),
            "client_id": client.client_id,
        });
        let (kid, key) = self.signing_key(&pool.id, "access").await?;
        let access_token = sign_jwt(&kid, &key, &claims)?;
        metrics::tokens_issued(Grant::ClientCredentials);
        Ok(Ok(TokenResponse {
            id_token: None,
            access_token,
            refresh_token: None,
            token_type: "Bearer",
            expires_in: access_life,
        }))
    }

    /// `/oauth2/revoke`: revokes a refresh token and the session it belongs to. Unknown tokens
    /// answer success, as OAuth asks.
    pub async fn revoke(
        &self,
        pool: &UserPool,
        token: Option<&str>,
        client_id: Option<&str>,
        secret: Option<&str>,
    ) -> Result<std::result::Result<(), OAuthError>> {
        let Some(client_id) = client_id else {
            return Ok(Err(OAuthError::new(
                "invalid_request",
                "client_id is required.",
            )));
        };
        let Some(client) = self.store.get_client(&pool.id, client_id).await? else {
            return Ok(Err(OAuthError::new(
                "invalid_client",
                "Client authentication failed.",
            )));
        };
        if let Err(e) = self.authenticate_client(&client, secret) {
            return Ok(Err(e));
        }
        if client.settings.enable_token_revocation == Some(false) {
            return Ok(Err(OAuthError::new(
                "invalid_request",
                "Token revocation is disabled for this client.",
            )));
        }
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Ok(Err(OAuthError::new(
                "invalid_request",
                "token is required.",
            )));
        };
        if token.matches('.').count() == 2 {
            return Ok(Err(OAuthError::new(
                "unsupported_token_type",
                "Only refresh tokens can be revoked.",
            )));
        }
        let hash = sha256_b64(token);
        if let Some(record) = self.store.get_refresh_token(&hash).await?
            && record.client_id == client.client_id
            && record.pool_id == pool.id
        {
            self.store.revoke_refresh_token(&hash, self.now()).await?;
        }
        Ok(Ok(()))
    }
}
