//! cirrus-store
