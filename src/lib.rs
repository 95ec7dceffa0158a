//! # infinidream-server
//!
//! The edges of the infinidream backend: configuration, the HTTP API, the Socket.IO
//! transport, authentication and start-up. All state lives in the actors of the
//! `infinidream-actors` crate; this crate only translates between the wire and them.
//!
//! | module      | role |
//! |-------------|------|
//! | `config`    | typed settings from the environment |
//! | `startup`   | `Application::build`: migrations, pools, actors, HTTP server, shutdown |
//! | `http`      | REST routes, the edge middleware, CORS, the lenient JSON body |
//! | `socketio`  | Engine.IO/Socket.IO transport: handshake, websocket, long-polling |
//! | `auth`      | credentials: API keys, session tokens, external OIDC JWTs, abuse limits |
//! | `email`     | SMTP (lettre) or log transport for codes and notifications |
//! | `error`     | `ApiError` → the reference envelope `{success, message, data}` |
//! | `migrate`   | embedded refinery migrations under an advisory lock |
//! | `cli`       | operator subcommands (`users add`, `apikeys add`, `migrate`) |
//! | `telemetry` | tracing subscriber (pretty or JSON) |
//! | `storage`   | S3 object operations, presigned part and read URLs, key layout |
//! | `processing`| hand-off to the external video-processing service |

pub mod alloc;
pub mod auth;
pub mod cli;
pub mod config;
pub mod email;
pub mod error;
pub mod http;
pub mod migrate;
pub mod processing;
pub mod socketio;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
