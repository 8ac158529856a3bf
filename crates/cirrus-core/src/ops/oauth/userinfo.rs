//! Access-token verification and `/oauth2/userInfo`.

use super::*;

/// Why an access token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRefusal {
    /// Not a JWT of ours, bad signature, wrong issuer or kind.
    Invalid(String),
    /// Expired, revoked, or the user was disabled or deleted.
    Expired(String),
}

impl Cirrus {
    /// Verifies an access token this pool issued: signature (by `kid`, against the pool's
    /// published keys), issuer, `token_use`, expiry, and that its session was not revoked.
    /// Returns its claims.
    pub async fn verify_access_token(
        &self,
        pool: &UserPool,
        token: &str,
    ) -> Result<std::result::Result<Map<String, Value>, TokenRefusal>> {
        let invalid = |m: &str| Ok(Err(TokenRefusal::Invalid(m.to_string())));
        let mut parts = token.split('.');
        let (Some(h), Some(c), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return invalid("not a JWT");
        };
        let decode = |p: &str| URL_SAFE_NO_PAD.decode(p.as_bytes()).ok();
        let (Some(header), Some(claims), Some(sig)) = (decode(h), decode(c), decode(s)) else {
            return invalid("not a JWT");
        };
        let Ok(header) = serde_json::from_slice::<Value>(&header) else {
            return invalid("bad header");
        };
        if header.get("alg").and_then(Value::as_str) != Some("RS256") {
            return invalid("alg must be RS256");
        }
        let Some(kid) = header.get("kid").and_then(Value::as_str) else {
            return invalid("no kid");
        };
        let keys = self.store.jwt_keys(&pool.id).await?;
        let Some(jwk) = keys
            .iter()
            .find(|k| k.kid == kid && k.token_use == "access")
        else {
            return invalid("unknown kid");
        };
        let Ok(jwk) = serde_json::from_str::<Value>(&jwk.public_jwk) else {
            return invalid("stored key unreadable");
        };
        let field = |k: &str| {
            jwk.get(k)
                .and_then(Value::as_str)
                .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
        };
        let (Some(n), Some(e)) = (field("n"), field("e")) else {
            return invalid("stored key unreadable");
        };
        let public = aws_lc_rs::signature::RsaPublicKeyComponents {
            n: n.as_slice(),
            e: e.as_slice(),
        };
        let signed = &token[..h.len() + 1 + c.len()];
        if public
            .verify(
                &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                signed.as_bytes(),
                &sig,
            )
            .is_err()
        {
            return invalid("bad signature");
        }
        let Ok(Value::Object(claims)) = serde_json::from_slice::<Value>(&claims) else {
            return invalid("bad claims");
        };
        if claims.get("iss").and_then(Value::as_str) != Some(self.issuer(&pool.id).as_str()) {
            return invalid("wrong issuer");
        }
        if claims.get("token_use").and_then(Value::as_str) != Some("access") {
            return invalid("not an access token");
        }
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        if exp * 1000 <= self.now() {
            return Ok(Err(TokenRefusal::Expired(
                "Access Token has expired".into(),
            )));
        }
        if let Some(origin) = claims.get("origin_jti").and_then(Value::as_str)
            && self.store.is_origin_revoked(&pool.id, origin).await?
        {
            return Ok(Err(TokenRefusal::Expired(
                "Access Token has been revoked".into(),
            )));
        }
        Ok(Ok(claims))
    }

    /// `/oauth2/userInfo`: the user's claims that the token's scopes and client allow.
    pub async fn userinfo(
        &self,
        pool: &UserPool,
        token: &str,
    ) -> Result<std::result::Result<Value, TokenRefusal>> {
        let claims = match self.verify_access_token(pool, token).await? {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let scopes: Vec<String> = claims
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .split(' ')
            .map(str::to_string)
            .collect();
        if !scopes.iter().any(|s| s == "openid") {
            return Ok(Err(TokenRefusal::Invalid(
                "the access token has no openid scope".into(),
            )));
        }
        let username = claims
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let client_id = claims
            .get("client_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let (Some(user), Some(client)) = (
            self.store.get_user(&pool.id, username, false).await?,
            self.store.get_client(&pool.id, client_id).await?,
        ) else {
            return Ok(Err(TokenRefusal::Expired(
                "The user or client no longer exists.".into(),
            )));
        };
        if !user.enabled {
            return Ok(Err(TokenRefusal::Expired("User is disabled.".into())));
        }
        let mut out = Map::new();
        out.insert("sub".into(), json!(user.sub));
        for (name, value) in self.readable_claims(pool, &client, &user, Some(&scopes)) {
            out.insert(name, value);
        }
        out.insert("username".into(), json!(user.username));
        Ok(Ok(Value::Object(out)))
    }
}
