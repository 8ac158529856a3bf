//! cirrus-server

pub mod sigv4;
