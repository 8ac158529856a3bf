//! cirrus-saml
