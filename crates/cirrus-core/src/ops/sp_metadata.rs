//! The SP metadata document Cognito never published: what an IdP operator needs to set up the
//! relying party, signed with the pool's key.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cirrus_saml::sp_metadata::{RequestedAttribute, SpMetadata};

use super::Cirrus;
use super::oauth::sp_entity_id;
use crate::error::{Error, Result};

impl Cirrus {
    /// The SP metadata of a pool as reached through `base` (the domain URL). With a provider,
    /// also its encryption certificate and the attributes its mapping asks for.
    pub async fn sp_metadata(
        &self,
        pool_id: &str,
        provider: Option<&str>,
        base: &str,
    ) -> Result<String> {
        let pool = self.pool(pool_id).await?;
        let key = self
            .store
            .pool_signing_key(pool_id)
            .await?
            .ok_or_else(|| Error::Internal(format!("pool {pool_id} has no signing key")))?;
        let certificate = STANDARD
            .decode(key.certificate.as_bytes())
            .map_err(|e| Error::Internal(format!("stored certificate is not base64: {e}")))?;
        let mut md = SpMetadata::new(sp_entity_id(pool_id), format!("{base}/saml2/idpresponse"));
        md.slo_url = Some(format!("{base}/saml2/logout"));
        md.signing_certificate = Some(certificate.clone());
        md.service_name = pool.name.clone();
        md.authn_requests_signed = true;
        if let Some(name) = provider {
            let p = self.provider(pool_id, name).await?;
            if !p.is_saml() {
                return Err(Error::invalid(format!(
                    "Identity provider {name} is not a SAML provider."
                )));
            }
            md.authn_requests_signed = p.provider_details.contains_key("RequestSigningAlgorithm");
            if let Some(cert) = &p.encryption_certificate {
                md.encryption_certificate =
                    Some(STANDARD.decode(cert.as_bytes()).map_err(|e| {
                        Error::Internal(format!("stored certificate is not base64: {e}"))
                    })?);
            }
            md.requested_attributes = p
                .attribute_mapping
                .iter()
                .filter(|(target, _)| target.as_str() != "username")
                .map(|(target, source)| {
                    let required = pool
                        .schema_attributes
                        .rules(target)
                        .is_some_and(|r| r.required);
                    RequestedAttribute::new(source.clone(), Some(target), required)
                })
                .collect();
        }
        let signer = self
            .pool_redirect_signer(pool_id)
            .await?
            .with_certificate(certificate);
        md.to_signed_xml(&signer)
            .map_err(|e| Error::Internal(format!("cannot write SP metadata: {e}")))
    }
}
