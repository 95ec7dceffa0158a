//! # infinidream-actors: the actor system of the infinidream server
//!
//! This crate holds everything that owns state: client sessions, per-user rooms, the
//! cluster bridge and the domain actors that alone talk to PostgreSQL. It has no HTTP
//! types; the server crate (`infinidream-server`) translates HTTP requests and Socket.IO
//! frames into messages sent through the typed handles exported here.
//!
//! ## Topology
//!
//! ```text
//!   HTTP workers ──► domain handles (UsersHandle, …) ──► domain actors ──► PostgreSQL pool
//!   socket tasks ──► SessionActor (one per connection) ──► RoomRegistry ──► RoomActor (per user)
//!                                                                 └──► Bridge (Redis pub/sub)
//! ```
//!
//! Redis is one node or a Redis Cluster ([`redisconn`] detects which): on a cluster,
//! commands are slot-routed and the bridge uses sharded pub/sub ([`bridge::sharded`]).
//!
//! ## Supervision policy
//!
//! | role            | mailbox | restart policy                                              |
//! |-----------------|---------|-------------------------------------------------------------|
//! | domain actors   | 1024    | `Supervised`: restarted in place by their arbiter           |
//! | sessions        | 1024    | temporary: never restarted, the client reconnects           |
//! | rooms           | 4096    | started on first join, stopped when empty, restarted by the registry |
//! | bridge          | bounded | restarted with backoff, resubscribes every active room      |
//!
//! Handlers never block and never panic (a panic kills the arbiter thread). Database work
//! is done in futures returned from handlers (`ResponseFuture`), so one slow query does not
//! stall the actor's other messages.

pub mod bridge;
pub mod db;
pub mod domain;
pub mod ids;
pub mod jobs;
pub mod kv;
pub mod metrics;
pub mod presence;
pub mod protocol;
pub mod redisconn;
pub mod remote;
pub mod room;
pub mod session;
pub mod system;
pub mod time;

pub use db::{DbError, PgPool};
pub use domain::DomainError;
pub use ids::{Role, UserId};
pub use system::ActorSystem;
