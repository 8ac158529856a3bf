//! JWTs as Cognito issues them: RS256, `kid` in the header, one key for ID tokens and another
//! for access tokens, keys rotated with the old ones published until their tokens expire.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::model::session::JwtKeyRecord;
use crate::ops::Cirrus;

/// The longest an ID or access token can live (1 day): a retired key stays published this long.
pub const MAX_TOKEN_LIFETIME_MS: i64 = 86_400_000;

/// Parsed signing keys, by kid, so a private key is parsed once per process, not per token.
#[derive(Default)]
pub struct KeyCache {
    keys: Mutex<HashMap<String, Arc<RsaKeyPair>>>,
    /// Opened SAML keys (pool signing keys, provider decryption keys) by a name that changes
    /// whenever the stored key does.
    saml_signers: Mutex<HashMap<String, cirrus_saml::messages::RedirectSigner>>,
    saml_decrypters: Mutex<HashMap<String, cirrus_saml::xenc::DecryptionKey>>,
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCache").finish_non_exhaustive()
    }
}

impl KeyCache {
    /// A cached SAML signer, or `make()`'s, remembered under `name`.
    pub fn signer(
        &self,
        name: &str,
        make: impl FnOnce() -> Result<cirrus_saml::messages::RedirectSigner>,
    ) -> Result<cirrus_saml::messages::RedirectSigner> {
        if let Some(s) = self
            .saml_signers
            .lock()
            .ok()
            .and_then(|m| m.get(name).cloned())
        {
            return Ok(s);
        }
        let made = make()?;
        if let Ok(mut m) = self.saml_signers.lock() {
            m.insert(name.to_string(), made.clone());
        }
        Ok(made)
    }

    /// A cached decryption key, or `make()`'s, remembered under `name`.
    pub fn decrypter(
        &self,
        name: &str,
        make: impl FnOnce() -> Result<cirrus_saml::xenc::DecryptionKey>,
    ) -> Result<cirrus_saml::xenc::DecryptionKey> {
        if let Some(k) = self
            .saml_decrypters
            .lock()
            .ok()
            .and_then(|m| m.get(name).cloned())
        {
            return Ok(k);
        }
        let made = make()?;
        if let Ok(mut m) = self.saml_decrypters.lock() {
            m.insert(name.to_string(), made.clone());
        }
        Ok(made)
    }
}

/// The key-sealing context of a JWT key.
pub fn jwt_key_aad(pool_id: &str, kid: &str) -> String {
    format!("pool:{pool_id}:jwt:{kid}")
}

/// Signs a JWT with RS256.
pub fn sign_jwt(kid: &str, key: &RsaKeyPair, claims: &Value) -> Result<String> {
    let header = json!({"kid": kid, "alg": "RS256"});
    let mut out = String::with_capacity(1024);
    out.push_str(&URL_SAFE_NO_PAD.encode(header.to_string()));
    out.push('.');
    out.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
    let mut sig = vec![0u8; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        out.as_bytes(),
        &mut sig,
    )
    .map_err(|_| Error::Internal("JWT signing failed".into()))?;
    out.push('.');
    out.push_str(&URL_SAFE_NO_PAD.encode(sig));
    Ok(out)
}

/// The OIDC `at_hash` of an access token: base64url of the left half of its SHA-256.
pub fn at_hash(access_token: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16])
}

impl Cirrus {
    /// The pool's JWT keys, making the first pair (one for ID, one for access tokens) if none
    /// exist yet.
    pub async fn jwt_keys(&self, pool_id: &str) -> Result<Vec<JwtKeyRecord>> {
        let keys = self.store.jwt_keys(pool_id).await?;
        if !keys.is_empty() {
            return Ok(keys);
        }
        self.add_jwt_keys(pool_id).await?;
        Ok(self.store.jwt_keys(pool_id).await?)
    }

    async fn add_jwt_keys(&self, pool_id: &str) -> Result<()> {
        let now = self.now();
        for token_use in ["id", "access"] {
            let made = self.vault.new_jwt_key(|kid| jwt_key_aad(pool_id, kid))?;
            let jwk = json!({
                "alg": "RS256",
                "e": made.jwk.e,
                "kid": made.jwk.kid,
                "kty": "RSA",
                "n": made.jwk.n,
                "use": "sig",
            });
            self.store
                .add_jwt_key(&JwtKeyRecord {
                    pool_id: pool_id.to_string(),
                    kid: made.jwk.kid.clone(),
                    token_use: token_use.to_string(),
                    created: now,
                    retire_after: i64::MAX,
                    private_key_sealed: made.sealed,
                    public_jwk: jwk.to_string(),
                })
                .await?;
        }
        Ok(())
    }

    /// Rotates a pool's JWT keys: new keys sign from now on; the old ones stop signing and stay
    /// in the JWKS until the tokens they signed have expired.
    pub async fn rotate_jwt_keys(&self, pool_id: &str) -> Result<Vec<String>> {
        self.pool(pool_id).await?;
        let now = self.now();
        let old = self.store.jwt_keys(pool_id).await?;
        self.add_jwt_keys(pool_id).await?;
        for k in old.iter().filter(|k| k.retire_after > now) {
            self.store.retire_jwt_key(pool_id, &k.kid, now).await?;
        }
        Ok(self
            .store
            .jwt_keys(pool_id)
            .await?
            .into_iter()
            .filter(|k| k.retire_after > now)
            .map(|k| k.kid)
            .collect())
    }

    /// The JWKS document: every key still signing or retired less than a token lifetime ago.
    pub async fn jwks(&self, pool_id: &str) -> Result<Value> {
        self.pool(pool_id).await?;
        let now = self.now();
        let keys: Vec<Value> = self
            .jwt_keys(pool_id)
            .await?
            .iter()
            .filter(|k| k.retire_after.saturating_add(MAX_TOKEN_LIFETIME_MS) > now)
            .filter_map(|k| serde_json::from_str(&k.public_jwk).ok())
            .collect();
        Ok(json!({"keys": keys}))
    }

    /// The key that signs tokens of `token_use` now.
    pub async fn signing_key(
        &self,
        pool_id: &str,
        token_use: &str,
    ) -> Result<(String, Arc<RsaKeyPair>)> {
        let now = self.now();
        let record = self
            .jwt_keys(pool_id)
            .await?
            .into_iter()
            .find(|k| k.token_use == token_use && k.retire_after > now)
            .ok_or_else(|| {
                Error::Internal(format!("pool {pool_id} has no {token_use} signing key"))
            })?;
        if let Some(key) = self
            .keys
            .keys
            .lock()
            .ok()
            .and_then(|m| m.get(&record.kid).cloned())
        {
            return Ok((record.kid, key));
        }
        let pkcs8 = self.vault.open(
            &record.private_key_sealed,
            &jwt_key_aad(pool_id, &record.kid),
        )?;
        let key = Arc::new(
            RsaKeyPair::from_pkcs8(&pkcs8)
                .map_err(|e| Error::Internal(format!("stored JWT key does not parse: {e}")))?,
        );
        if let Ok(mut m) = self.keys.keys.lock() {
            m.insert(record.kid.clone(), key.clone());
        }
        Ok((record.kid, key))
    }

    /// The issuer of a pool's tokens.
    pub fn issuer(&self, pool_id: &str) -> String {
        format!("{}/{pool_id}", self.config.public_url)
    }
}
