//! cirrus-server
