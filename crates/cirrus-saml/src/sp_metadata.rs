//! SP metadata (`md:EntityDescriptor` with one `md:SPSSODescriptor`) that Cirrus publishes for
//! each user pool, written with quick-xml (every value escaped), optionally signed.
//!
//! Element order follows the SAML 2.0 metadata schema: `ds:Signature` (signed variant only),
//! then in the `SPSSODescriptor`: `KeyDescriptor*`, `SingleLogoutService*`, `NameIDFormat*`,
//! `AssertionConsumerService+`, `AttributeConsumingService*`.

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use time::OffsetDateTime;

use crate::datetime::format_datetime;
use crate::dsig_sign::{SignaturePlacement, sign_enveloped};
use crate::error::MessageError;
use crate::messages::{NAMEID_PERSISTENT, RedirectSigner};
use crate::metadata::binding;
use crate::xml::{NS_DS, NS_MD, NS_SAMLP};

/// emailAddress NameID format.
pub const NAMEID_EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
/// unspecified NameID format.
pub const NAMEID_UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
/// Attribute NameFormat for URI (and `urn:oid:`) names.
pub const ATTRNAME_FORMAT_URI: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri";
/// Attribute NameFormat for plain names.
pub const ATTRNAME_FORMAT_BASIC: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic";

/// Encryption algorithms advertised in the encryption `KeyDescriptor` (all supported by
/// [`crate::xenc`]), preferred first.
pub const ENCRYPTION_METHODS: &[&str] = &[
    "http://www.w3.org/2009/xmlenc11#aes256-gcm",
    "http://www.w3.org/2009/xmlenc11#aes128-gcm",
    "http://www.w3.org/2009/xmlenc11#rsa-oaep",
    "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
];

/// NameID formats advertised, in order of preference.
pub const NAMEID_FORMATS: &[&str] = &[NAMEID_PERSISTENT, NAMEID_EMAIL, NAMEID_UNSPECIFIED];

/// One `md:RequestedAttribute`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedAttribute {
    /// Attribute Name: a URI, an OID (`urn:oid:…`) or a plain name.
    pub name: String,
    /// Optional FriendlyName.
    pub friendly_name: Option<String>,
    /// `isRequired`.
    pub is_required: bool,
}

impl RequestedAttribute {
    /// A requested attribute.
    pub fn new(name: impl Into<String>, friendly_name: Option<&str>, is_required: bool) -> Self {
        RequestedAttribute {
            name: name.into(),
            friendly_name: friendly_name.map(str::to_string),
            is_required,
        }
    }

    /// `…attrname-format:uri` for names with a URI scheme (including `urn:oid:`), `…:basic`
    /// otherwise.
    pub fn name_format(&self) -> &'static str {
        if has_uri_scheme(&self.name) {
            ATTRNAME_FORMAT_URI
        } else {
            ATTRNAME_FORMAT_BASIC
        }
    }
}

/// `scheme ":" rest` with an RFC 3986 scheme (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )) and a
/// non-empty rest.
fn has_uri_scheme(name: &str) -> bool {
    let Some((scheme, rest)) = name.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
}

/// The SP metadata of one user pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpMetadata {
    /// `entityID` (Cirrus: `urn:amazon:cognito:sp:<pool id>`).
    pub entity_id: String,
    /// `ID` of the EntityDescriptor (the signature references it). `None`: derived from the
    /// entity ID (`_` + 40 hex digits of its SHA-256), stable across calls.
    pub id: Option<String>,
    /// HTTP-POST `AssertionConsumerService` Location (index 0, default).
    pub acs_url: String,
    /// `SingleLogoutService` Location for HTTP-Redirect and HTTP-POST (none if `None`).
    pub slo_url: Option<String>,
    /// DER certificate of the SP signing key (`KeyDescriptor use="signing"`).
    pub signing_certificate: Option<Vec<u8>>,
    /// DER certificate of the SP decryption key (`KeyDescriptor use="encryption"`).
    pub encryption_certificate: Option<Vec<u8>>,
    /// `AuthnRequestsSigned`.
    pub authn_requests_signed: bool,
    /// `RequestedAttribute`s of the `AttributeConsumingService` (none written when empty).
    pub requested_attributes: Vec<RequestedAttribute>,
    /// `ServiceName` (xml:lang="en") of the `AttributeConsumingService`.
    pub service_name: String,
    /// `validUntil` of the EntityDescriptor.
    pub valid_until: Option<OffsetDateTime>,
}

type XmlWriter = Writer<Vec<u8>>;

fn write(w: &mut XmlWriter, e: Event<'_>) -> Result<(), MessageError> {
    w.write_event(e)
        .map_err(|e| MessageError::Write(e.to_string()))
}

fn text_element(w: &mut XmlWriter, start: BytesStart<'_>, text: &str) -> Result<(), MessageError> {
    let end = start.to_end().into_owned();
    write(w, Event::Start(start))?;
    write(w, Event::Text(BytesText::new(text)))?;
    write(w, Event::End(end))
}

fn key_descriptor(
    w: &mut XmlWriter,
    usage: &str,
    der: &[u8],
    methods: &[&str],
) -> Result<(), MessageError> {
    let mut kd = BytesStart::new("md:KeyDescriptor");
    kd.push_attribute(("use", usage));
    write(w, Event::Start(kd))?;
    write(w, Event::Start(BytesStart::new("ds:KeyInfo")))?;
    write(w, Event::Start(BytesStart::new("ds:X509Data")))?;
    text_element(
        w,
        BytesStart::new("ds:X509Certificate"),
        &STANDARD.encode(der),
    )?;
    write(w, Event::End(BytesEnd::new("ds:X509Data")))?;
    write(w, Event::End(BytesEnd::new("ds:KeyInfo")))?;
    for m in methods {
        let mut em = BytesStart::new("md:EncryptionMethod");
        em.push_attribute(("Algorithm", *m));
        write(w, Event::Empty(em))?;
    }
    write(w, Event::End(BytesEnd::new("md:KeyDescriptor")))
}

impl SpMetadata {
    /// Metadata for `entity_id` with its ACS URL; no SLO, no keys, no requested attributes,
    /// service name "Cirrus".
    pub fn new(entity_id: impl Into<String>, acs_url: impl Into<String>) -> Self {
        SpMetadata {
            entity_id: entity_id.into(),
            id: None,
            acs_url: acs_url.into(),
            slo_url: None,
            signing_certificate: None,
            encryption_certificate: None,
            authn_requests_signed: false,
            requested_attributes: Vec::new(),
            service_name: "Cirrus".to_string(),
            valid_until: None,
        }
    }

    /// The EntityDescriptor `ID`.
    pub fn descriptor_id(&self) -> String {
        match &self.id {
            Some(id) => id.clone(),
            None => {
                let d = digest::digest(&digest::SHA256, self.entity_id.as_bytes());
                format!("_{}", hex::encode(d.as_ref().get(..20).unwrap_or_default()))
            }
        }
    }

    /// The metadata XML (unsigned).
    pub fn to_xml(&self) -> Result<String, MessageError> {
        let mut w = Writer::new(Vec::new());
        write(
            &mut w,
            Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)),
        )?;
        let id = self.descriptor_id();
        let mut root = BytesStart::new("md:EntityDescriptor");
        root.push_attribute(("xmlns:md", NS_MD));
        root.push_attribute(("xmlns:ds", NS_DS));
        root.push_attribute(("ID", id.as_str()));
        root.push_attribute(("entityID", self.entity_id.as_str()));
        let valid_until = self.valid_until.map(format_datetime);
        if let Some(v) = &valid_until {
            root.push_attribute(("validUntil", v.as_str()));
        }
        write(&mut w, Event::Start(root))?;

        let mut sp = BytesStart::new("md:SPSSODescriptor");
        sp.push_attribute((
            "AuthnRequestsSigned",
            if self.authn_requests_signed {
                "true"
            } else {
                "false"
            },
        ));
        sp.push_attribute(("WantAssertionsSigned", "true"));
        sp.push_attribute(("protocolSupportEnumeration", NS_SAMLP));
        write(&mut w, Event::Start(sp))?;

        if let Some(der) = &self.signing_certificate {
            key_descriptor(&mut w, "signing", der, &[])?;
        }
        if let Some(der) = &self.encryption_certificate {
            key_descriptor(&mut w, "encryption", der, ENCRYPTION_METHODS)?;
        }
        if let Some(slo) = &self.slo_url {
            for b in [binding::HTTP_REDIRECT, binding::HTTP_POST] {
                let mut e = BytesStart::new("md:SingleLogoutService");
                e.push_attribute(("Binding", b));
                e.push_attribute(("Location", slo.as_str()));
                write(&mut w, Event::Empty(e))?;
            }
        }
        for f in NAMEID_FORMATS {
            text_element(&mut w, BytesStart::new("md:NameIDFormat"), f)?;
        }
        let mut acs = BytesStart::new("md:AssertionConsumerService");
        acs.push_attribute(("Binding", binding::HTTP_POST));
        acs.push_attribute(("Location", self.acs_url.as_str()));
        acs.push_attribute(("index", "0"));
        acs.push_attribute(("isDefault", "true"));
        write(&mut w, Event::Empty(acs))?;

        if !self.requested_attributes.is_empty() {
            let mut acs = BytesStart::new("md:AttributeConsumingService");
            acs.push_attribute(("index", "0"));
            write(&mut w, Event::Start(acs))?;
            let mut name = BytesStart::new("md:ServiceName");
            name.push_attribute(("xml:lang", "en"));
            text_element(&mut w, name, &self.service_name)?;
            for a in &self.requested_attributes {
                let mut ra = BytesStart::new("md:RequestedAttribute");
                ra.push_attribute(("Name", a.name.as_str()));
                ra.push_attribute(("NameFormat", a.name_format()));
                if let Some(f) = &a.friendly_name {
                    ra.push_attribute(("FriendlyName", f.as_str()));
                }
                ra.push_attribute(("isRequired", if a.is_required { "true" } else { "false" }));
                write(&mut w, Event::Empty(ra))?;
            }
            write(
                &mut w,
                Event::End(BytesEnd::new("md:AttributeConsumingService")),
            )?;
        }

        write(&mut w, Event::End(BytesEnd::new("md:SPSSODescriptor")))?;
        write(&mut w, Event::End(BytesEnd::new("md:EntityDescriptor")))?;
        String::from_utf8(w.into_inner()).map_err(|e| MessageError::Write(e.to_string()))
    }

    /// The metadata XML with an enveloped RSA-SHA256 signature as the first child of the
    /// EntityDescriptor (the signer's certificate, if set, goes into `ds:KeyInfo`).
    pub fn to_signed_xml(&self, signer: &RedirectSigner) -> Result<String, MessageError> {
        sign_enveloped(
            &self.to_xml()?,
            &self.descriptor_id(),
            SignaturePlacement::FirstChild,
            signer,
        )
    }
}
