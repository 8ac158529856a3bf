//! SAML 2.0 IdP metadata: `md:EntityDescriptor`, or `md:EntitiesDescriptor` with a chosen entity.

use std::time::Duration;

use roxmltree::Node;
use time::OffsetDateTime;

use crate::cert::Certificate;
use crate::datetime::{parse_datetime, parse_duration};
use crate::dsig::{self, AlgorithmPolicy};
use crate::error::MetadataError;
use crate::xml::{self, NS_DS, NS_MD, NS_SAMLP, XmlLimits, children, expanded_name};

/// SAML binding URIs.
pub mod binding {
    /// HTTP-Redirect binding.
    pub const HTTP_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
    /// HTTP-POST binding.
    pub const HTTP_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
    /// HTTP-Artifact binding.
    pub const HTTP_ARTIFACT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact";
    /// SOAP binding.
    pub const SOAP: &str = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP";
}

/// One protocol endpoint (`SingleSignOnService` / `SingleLogoutService`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Binding URI (see [`binding`]).
    pub binding: String,
    /// Where requests are sent.
    pub location: String,
    /// Where responses are sent, if different (SLO only).
    pub response_location: Option<String>,
}

/// Everything Cirrus uses from an IdP's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpMetadata {
    /// The IdP's entityID (the expected `saml:Issuer`).
    pub entity_id: String,
    /// `SingleSignOnService` endpoints in document order.
    pub single_sign_on_services: Vec<Endpoint>,
    /// `SingleLogoutService` endpoints in document order.
    pub single_logout_services: Vec<Endpoint>,
    /// Certificates from `KeyDescriptor use="signing"` or without `use` (never empty).
    pub signing_certificates: Vec<Certificate>,
    /// Certificates from `KeyDescriptor use="encryption"` or without `use`.
    pub encryption_certificates: Vec<Certificate>,
    /// `WantAuthnRequestsSigned` (default false).
    pub want_authn_requests_signed: bool,
    /// `NameIDFormat` values in document order.
    pub name_id_formats: Vec<String>,
    /// Earliest `validUntil` found on the chosen entity, its IDPSSODescriptor or enclosing
    /// EntitiesDescriptors.
    pub valid_until: Option<OffsetDateTime>,
    /// Shortest `cacheDuration` found on the same elements.
    pub cache_duration: Option<Duration>,
}

impl IdpMetadata {
    /// First `SingleSignOnService` location with the given binding.
    pub fn sso_url(&self, binding_uri: &str) -> Option<&str> {
        self.single_sign_on_services
            .iter()
            .find(|e| e.binding == binding_uri)
            .map(|e| e.location.as_str())
    }

    /// The HTTP-Redirect `SingleSignOnService` URL, where Cirrus sends AuthnRequests.
    pub fn redirect_sso_url(&self) -> Option<&str> {
        self.sso_url(binding::HTTP_REDIRECT)
    }

    /// First `SingleLogoutService` with the given binding.
    pub fn slo_endpoint(&self, binding_uri: &str) -> Option<&Endpoint> {
        self.single_logout_services
            .iter()
            .find(|e| e.binding == binding_uri)
    }

    /// The HTTP-Redirect `SingleLogoutService` endpoint (Location and optional ResponseLocation).
    pub fn redirect_slo_endpoint(&self) -> Option<&Endpoint> {
        self.slo_endpoint(binding::HTTP_REDIRECT)
    }

    /// Signing certificates outside their validity period at `now` (Cognito refuses metadata
    /// whose signing certificates are expired when the IdP is configured).
    pub fn invalid_signing_certificates(&self, now: OffsetDateTime) -> Vec<&Certificate> {
        self.signing_certificates
            .iter()
            .filter(|c| !c.is_valid_at(now))
            .collect()
    }

    /// Whether the metadata is past its `validUntil` at `now`.
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.valid_until.is_some_and(|t| now > t)
    }
}

/// Parses IdP metadata with the default [`XmlLimits::METADATA`] limits.
///
/// `entity_id` picks an entity from an `EntitiesDescriptor` (and, if given, must match an
/// `EntityDescriptor` root). Without it, an `EntitiesDescriptor` must hold exactly one IdP.
pub fn parse_idp_metadata(
    xml: &str,
    entity_id: Option<&str>,
) -> Result<IdpMetadata, MetadataError> {
    parse_idp_metadata_with_limits(xml, entity_id, &XmlLimits::METADATA)
}

/// [`parse_idp_metadata`] with explicit parser limits.
pub fn parse_idp_metadata_with_limits(
    xml: &str,
    entity_id: Option<&str>,
    limits: &XmlLimits,
) -> Result<IdpMetadata, MetadataError> {
    let doc = xml::parse(xml, limits)?;
    let root = doc.root_element();
    let entity = if root.has_tag_name((NS_MD, "EntityDescriptor")) {
        let id = root
            .attribute("entityID")
            .ok_or(MetadataError::MissingEntityId)?;
        if let Some(wanted) = entity_id
            && wanted != id
        {
            return Err(MetadataError::EntityNotFound(wanted.to_string()));
        }
        root
    } else if root.has_tag_name((NS_MD, "EntitiesDescriptor")) {
        choose_entity(root, entity_id)?
    } else {
        return Err(MetadataError::WrongRoot {
            found: expanded_name(root),
        });
    };
    read_entity(entity)
}

/// Parses IdP metadata whose root element carries an enveloped signature that must verify with
/// one of `trusted` (e.g. the federation's signing certificate). Only the signed bytes are read.
pub fn parse_signed_idp_metadata(
    xml: &str,
    entity_id: Option<&str>,
    trusted: &[Certificate],
    policy: &AlgorithmPolicy,
) -> Result<IdpMetadata, MetadataError> {
    let limits = XmlLimits::METADATA;
    let doc = xml::parse(xml, &limits)?;
    let root = doc.root_element();
    if !root.has_tag_name((NS_MD, "EntityDescriptor"))
        && !root.has_tag_name((NS_MD, "EntitiesDescriptor"))
    {
        return Err(MetadataError::WrongRoot {
            found: expanded_name(root),
        });
    }
    let verified =
        dsig::verify_enveloped(root, trusted, policy).map_err(MetadataError::Signature)?;
    let signed = verified
        .parse_with_limits(&limits)
        .map_err(MetadataError::Signature)?;
    parse_idp_metadata_with_limits(
        signed.input_text(),
        entity_id,
        &XmlLimits {
            max_bytes: signed.input_text().len().max(limits.max_bytes),
            ..limits
        },
    )
}

fn collect_entities<'a, 'i>(node: Node<'a, 'i>, out: &mut Vec<Node<'a, 'i>>) {
    for child in node.children().filter(Node::is_element) {
        if child.has_tag_name((NS_MD, "EntityDescriptor")) {
            out.push(child);
        } else if child.has_tag_name((NS_MD, "EntitiesDescriptor")) {
            collect_entities(child, out);
        }
    }
}

fn choose_entity<'a, 'i>(
    root: Node<'a, 'i>,
    entity_id: Option<&str>,
) -> Result<Node<'a, 'i>, MetadataError> {
    let mut all = Vec::new();
    collect_entities(root, &mut all);
    if let Some(wanted) = entity_id {
        let mut found = all
            .into_iter()
            .filter(|e| e.attribute("entityID") == Some(wanted));
        let first = found
            .next()
            .ok_or_else(|| MetadataError::EntityNotFound(wanted.to_string()))?;
        if found.next().is_some() {
            return Err(MetadataError::AmbiguousEntity {
                count: 2,
                ids: format!("{wanted} (listed twice)"),
            });
        }
        return Ok(first);
    }
    let idps: Vec<_> = all
        .into_iter()
        .filter(|e| idp_descriptors(*e).next().is_some())
        .collect();
    match idps.as_slice() {
        [] => Err(MetadataError::NoIdpSsoDescriptor(String::new())),
        [one] => Ok(*one),
        many => Err(MetadataError::AmbiguousEntity {
            count: many.len(),
            ids: many
                .iter()
                .map(|e| e.attribute("entityID").unwrap_or("?"))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

fn idp_descriptors<'a, 'i>(entity: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    children(entity, NS_MD, "IDPSSODescriptor").filter(|d| {
        d.attribute("protocolSupportEnumeration")
            .is_some_and(|p| p.split_ascii_whitespace().any(|u| u == NS_SAMLP))
    })
}

fn read_entity(entity: Node<'_, '_>) -> Result<IdpMetadata, MetadataError> {
    let entity_id = entity
        .attribute("entityID")
        .ok_or(MetadataError::MissingEntityId)?
        .to_string();
    let mut descriptors = idp_descriptors(entity);
    let idp = descriptors
        .next()
        .ok_or_else(|| MetadataError::NoIdpSsoDescriptor(entity_id.clone()))?;
    if descriptors.next().is_some() {
        return Err(MetadataError::MultipleIdpSsoDescriptors(entity_id));
    }

    let single_sign_on_services = read_endpoints(idp, "SingleSignOnService")?;
    if single_sign_on_services.is_empty() {
        return Err(MetadataError::NoSingleSignOnService);
    }
    let single_logout_services = read_endpoints(idp, "SingleLogoutService")?;

    let mut signing_certificates = Vec::new();
    let mut encryption_certificates = Vec::new();
    for kd in children(idp, NS_MD, "KeyDescriptor") {
        let (signing, encryption) = match kd.attribute("use") {
            None => (true, true),
            Some("signing") => (true, false),
            Some("encryption") => (false, true),
            Some(other) => return Err(MetadataError::BadKeyUse(other.to_string())),
        };
        for text in key_descriptor_certificates(kd)? {
            if signing {
                let index = signing_certificates.len();
                signing_certificates.push(parse_cert(&text, "signing", index)?);
            }
            if encryption {
                let index = encryption_certificates.len();
                encryption_certificates.push(parse_cert(&text, "encryption", index)?);
            }
        }
    }
    if signing_certificates.is_empty() {
        return Err(MetadataError::NoSigningCertificate);
    }

    let want_authn_requests_signed = match idp.attribute("WantAuthnRequestsSigned") {
        None => false,
        Some("true" | "1") => true,
        Some("false" | "0") => false,
        Some(other) => {
            return Err(MetadataError::BadBoolean {
                attribute: "WantAuthnRequestsSigned",
                value: other.to_string(),
            });
        }
    };

    let mut name_id_formats = Vec::new();
    for f in children(idp, NS_MD, "NameIDFormat") {
        let v = xml::text_content(f)?;
        let v = v.trim();
        if !v.is_empty() {
            name_id_formats.push(v.to_string());
        }
    }

    let mut valid_until: Option<OffsetDateTime> = None;
    let mut cache_duration: Option<Duration> = None;
    let scopes = std::iter::once(idp).chain(entity.ancestors().filter(|a| {
        a.has_tag_name((NS_MD, "EntityDescriptor")) || a.has_tag_name((NS_MD, "EntitiesDescriptor"))
    }));
    for node in scopes {
        if let Some(v) = node.attribute("validUntil") {
            let t = parse_datetime(v).map_err(|source| MetadataError::BadTime {
                attribute: "validUntil",
                source,
            })?;
            valid_until = Some(valid_until.map_or(t, |cur| cur.min(t)));
        }
        if let Some(v) = node.attribute("cacheDuration") {
            let d = parse_duration(v).map_err(|source| MetadataError::BadTime {
                attribute: "cacheDuration",
                source,
            })?;
            cache_duration = Some(cache_duration.map_or(d, |cur| cur.min(d)));
        }
    }

    Ok(IdpMetadata {
        entity_id,
        single_sign_on_services,
        single_logout_services,
        signing_certificates,
        encryption_certificates,
        want_authn_requests_signed,
        name_id_formats,
        valid_until,
        cache_duration,
    })
}

fn read_endpoints(idp: Node<'_, '_>, local: &'static str) -> Result<Vec<Endpoint>, MetadataError> {
    children(idp, NS_MD, local)
        .map(|e| {
            let binding =
                e.attribute("Binding")
                    .ok_or(MetadataError::EndpointAttributeMissing {
                        element: local,
                        attribute: "Binding",
                    })?;
            let location =
                e.attribute("Location")
                    .ok_or(MetadataError::EndpointAttributeMissing {
                        element: local,
                        attribute: "Location",
                    })?;
            Ok(Endpoint {
                binding: binding.trim().to_string(),
                location: location.trim().to_string(),
                response_location: e
                    .attribute("ResponseLocation")
                    .map(|s| s.trim().to_string()),
            })
        })
        .collect()
}

/// Base64 texts of every `ds:KeyInfo/ds:X509Data/ds:X509Certificate` in a KeyDescriptor.
fn key_descriptor_certificates(kd: Node<'_, '_>) -> Result<Vec<String>, MetadataError> {
    let mut out = Vec::new();
    for key_info in children(kd, NS_DS, "KeyInfo") {
        for data in children(key_info, NS_DS, "X509Data") {
            for cert in children(data, NS_DS, "X509Certificate") {
                out.push(xml::text_content(cert)?);
            }
        }
    }
    Ok(out)
}

fn parse_cert(text: &str, usage: &'static str, index: usize) -> Result<Certificate, MetadataError> {
    Certificate::from_base64(text).map_err(|source| MetadataError::Certificate {
        usage,
        index,
        source,
    })
}
