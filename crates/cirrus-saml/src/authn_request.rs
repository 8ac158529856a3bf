//! The SP's AuthnRequest (SAML core §3.4.1), as Cirrus sends it over the HTTP-Redirect binding.

use time::OffsetDateTime;

use crate::datetime::format_datetime;

/// The persistent NameID format, which Cirrus asks for by default.
pub const NAMEID_PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
/// The HTTP-POST binding, the only one Cirrus's ACS accepts.
pub const BINDING_HTTP_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

/// What goes into an AuthnRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnRequest {
    /// The request ID (must start with a letter or `_`; the IdP echoes it as `InResponseTo`).
    pub id: String,
    pub issue_instant: OffsetDateTime,
    /// The IdP's SingleSignOnService URL.
    pub destination: String,
    /// Where the IdP posts the Response.
    pub acs_url: String,
    /// The SP entity ID (the `saml:Issuer`).
    pub issuer: String,
    /// The NameID format asked for; `None` leaves the choice to the IdP.
    pub name_id_format: Option<String>,
    /// Ask the IdP to authenticate the user again (OIDC `prompt=login`).
    pub force_authn: bool,
}

/// Escapes text for an XML attribute value or element content.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

impl AuthnRequest {
    /// The request as XML.
    pub fn to_xml(&self) -> String {
        let force = if self.force_authn {
            r#" ForceAuthn="true""#
        } else {
            ""
        };
        let policy = match &self.name_id_format {
            Some(f) => format!(
                r#"<samlp:NameIDPolicy Format="{}" AllowCreate="true"/>"#,
                escape(f)
            ),
            None => r#"<samlp:NameIDPolicy AllowCreate="true"/>"#.to_string(),
        };
        format!(
            concat!(
                r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" "#,
                r#"xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" "#,
                r#"IssueInstant="{instant}" Destination="{dest}" AssertionConsumerServiceURL="{acs}" "#,
                r#"ProtocolBinding="{binding}"{force}><saml:Issuer>{issuer}</saml:Issuer>{policy}</samlp:AuthnRequest>"#
            ),
            id = escape(&self.id),
            instant = format_datetime(self.issue_instant),
            dest = escape(&self.destination),
            acs = escape(&self.acs_url),
            binding = BINDING_HTTP_POST,
            force = force,
            issuer = escape(&self.issuer),
            policy = policy,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{NS_SAMLP, XmlLimits, parse};

    #[test]
    fn well_formed_and_escaped() {
        let r = AuthnRequest {
            id: "_abc".into(),
            issue_instant: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
            destination: "https://idp.example.com/sso?a=1&b=\"2\"".into(),
            acs_url: "https://sp.example.com/saml2/idpresponse".into(),
            issuer: "urn:amazon:cognito:sp:us-east-1_x".into(),
            name_id_format: Some(NAMEID_PERSISTENT.into()),
            force_authn: true,
        };
        let xml = r.to_xml();
        let doc = parse(&xml, &XmlLimits::MESSAGE).unwrap();
        let root = doc.root_element();
        assert!(root.has_tag_name((NS_SAMLP, "AuthnRequest")));
        assert_eq!(
            root.attribute("Destination"),
            Some("https://idp.example.com/sso?a=1&b=\"2\"")
        );
        assert_eq!(root.attribute("IssueInstant"), Some("2023-11-14T22:13:20Z"));
        assert_eq!(root.attribute("ForceAuthn"), Some("true"));
        assert_eq!(root.attribute("ProtocolBinding"), Some(BINDING_HTTP_POST));
        let policy = root
            .children()
            .find(|n| n.has_tag_name((NS_SAMLP, "NameIDPolicy")))
            .unwrap();
        assert_eq!(policy.attribute("Format"), Some(NAMEID_PERSISTENT));
    }
}
