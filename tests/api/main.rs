//! Black-box tests of the real server against real PostgreSQL and Redis.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth_flows;
mod auth_keys_roles;
mod auth_limits;
mod auth_oidc;
mod auth_sessions;
mod auth_sockets;
mod auth_support;
mod cli;
mod cluster;
mod dream_catalogue;
mod dream_fixtures;
mod dream_processing;
mod dream_upload_bad_input;
mod dream_uploads;
mod fixtures;
mod helpers;
mod loadgen_smoke;
mod platform;
mod rawsock;
mod realtime_compat;
mod realtime_limits;
mod realtime_raw;
mod rest_bad_input;
mod stubs;
mod user_auth;
