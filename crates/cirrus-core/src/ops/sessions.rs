//! The token-authorized user operations of the API and the session ones: GetUser,
//! GlobalSignOut, AdminUserGlobalSignOut and RevokeToken.

use serde_json::{Map, Value};

use super::Cirrus;
use super::oauth::TokenRefusal;
use crate::error::{Error, Result};
use crate::model::user::{Attribute, User};
use crate::model::user_pool::UserPool;

const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

fn not_authorized(m: &str) -> Error {
    Error::NotAuthorized(m.to_string())
}

impl Cirrus {
    /// The pool an access token names in its `iss`, without trusting anything else in it yet.
    async fn pool_of_token(&self, token: &str) -> Result<UserPool> {
        use base64::Engine;
        let claims = token
            .split('.')
            .nth(1)
            .and_then(|c| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(c)
                    .ok()
            })
            .and_then(|c| serde_json::from_slice::<Value>(&c).ok())
            .ok_or_else(|| not_authorized("Invalid Access Token"))?;
        let iss = claims
            .get("iss")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let pool_id = iss
            .strip_prefix(&format!("{}/", self.config.public_url))
            .ok_or_else(|| not_authorized("Invalid Access Token"))?;
        self.store
            .get_pool(pool_id)
            .await?
            .ok_or_else(|| not_authorized("Invalid Access Token"))
    }

    /// Verifies an access token for the user API: valid, unrevoked, carrying
    /// `aws.cognito.signin.user.admin`, of an enabled user.
    async fn token_user(&self, token: &str) -> Result<(UserPool, Map<String, Value>, User)> {
        crate::validate::pattern(token, "accessToken", &crate::validate::TOKEN)?;
        let pool = self.pool_of_token(token).await?;
        let claims = match self.verify_access_token(&pool, token).await? {
            Ok(c) => c,
            Err(TokenRefusal::Expired(m)) => return Err(not_authorized(&m)),
            Err(TokenRefusal::Invalid(_)) => return Err(not_authorized("Invalid Access Token")),
        };
        let scopes = claims
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !scopes.split(' ').any(|s| s == ADMIN_SCOPE) {
            return Err(not_authorized("Access Token does not have required scopes"));
        }
        let username = claims
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let user = self
            .store
            .get_user(&pool.id, username, false)
            .await?
            .ok_or_else(Error::user_not_found)?;
        if !user.enabled {
            return Err(not_authorized("User is disabled."));
        }
        Ok((pool, claims, user))
    }

    /// GetUser: the token's user, with the attributes its client may read.
    pub async fn get_user_by_token(&self, token: &str) -> Result<(String, Vec<Attribute>)> {
        let (pool, claims, user) = self.token_user(token).await?;
        let client_id = claims
            .get("client_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let client = self
            .store
            .get_client(&pool.id, client_id)
            .await?
            .ok_or_else(|| not_authorized("Invalid Access Token"))?;
        let mut attrs = vec![Attribute {
            name: "sub".into(),
            value: Some(user.sub.clone()),
        }];
        for (name, value) in self.readable_claims(&pool, &client, &user, None) {
            let value = match value {
                Value::String(s) => s,
                other => other.to_string(),
            };
            attrs.push(Attribute {
                name,
                value: Some(value),
            });
        }
        Ok((user.username, attrs))
    }

    /// GlobalSignOut: revokes every refresh token of the token's user.
    pub async fn global_sign_out(&self, token: &str) -> Result<()> {
        let (pool, _, user) = self.token_user(token).await?;
        self.store
            .revoke_user_tokens(&pool.id, &user.username, None, self.now())
            .await?;
        Ok(())
    }

    /// AdminUserGlobalSignOut.
    pub async fn admin_global_sign_out(&self, pool_id: &str, username: &str) -> Result<()> {
        let (pool, user) = self.user(pool_id, username).await?;
        self.store
            .revoke_user_tokens(&pool.id, &user.username, None, self.now())
            .await?;
        Ok(())
    }

    /// RevokeToken: revokes a refresh token the client holds.
    pub async fn revoke_token_api(
        &self,
        token: &str,
        client_id: &str,
        secret: Option<&str>,
    ) -> Result<()> {
        crate::validate::string(client_id, "clientId", 1, 128, &crate::validate::CLIENT_ID)?;
        let client = self
            .store
            .find_client(client_id)
            .await?
            .ok_or_else(|| Error::Unauthorized("Invalid client id or secret.".into()))?;
        let ok = match (&client.client_secret, secret) {
            (None, None) => true,
            (Some(expected), Some(given)) => {
                expected.len() == given.len()
                    && aws_lc_rs::constant_time::verify_slices_are_equal(
                        expected.as_bytes(),
                        given.as_bytes(),
                    )
                    .is_ok()
            }
            _ => false,
        };
        if !ok {
            return Err(Error::Unauthorized("Invalid client id or secret.".into()));
        }
        if client.settings.enable_token_revocation == Some(false) {
            return Err(Error::UnsupportedOperation(
                "Token revocation is not enabled for this app client.".into(),
            ));
        }
        if token.matches('.').count() == 2 {
            return Err(Error::UnsupportedTokenType(
                "Only refresh tokens can be revoked.".into(),
            ));
        }
        let pool = self.pool(&client.user_pool_id).await?;
        match self
            .revoke(&pool, Some(token), Some(client_id), secret)
            .await?
        {
            Ok(()) => Ok(()),
            Err(e) => Err(Error::invalid(e.description)),
        }
    }
}
