//! cirrus-core
