//! cirrus-core

pub mod keys;
