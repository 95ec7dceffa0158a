//! Black-box tests of the real server against real PostgreSQL and Redis.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod cluster;
mod helpers;
mod platform;
mod rawsock;
mod realtime_raw;
mod rest_bad_input;
mod user_auth;
