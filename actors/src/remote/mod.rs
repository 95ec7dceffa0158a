//! Remote control over `/remote-control` (`realtime.md` §7): the pure half.
//!
//! The socket handlers need exact, client-visible behaviour — Joi's `Validation error`
//! strings and rule order, the early-`next` suppression the desktop depends on, GUID
//! canonicalisation, the quota reset instant — none of which needs I/O. Keeping it here,
//! free of actors, sockets and SQL, makes every rule a plain function with table tests,
//! and leaves the handlers to sequence database work and emissions.
//!
//! * [`guid`]: the GUID spellings clients send, canonicalised (`rest-api.md` §1.5).
//! * [`control`]: the 34 controls and their handling class (§7.1.3).
//! * [`validate`]: the `Validation error` checks of `new_remote_control_event`,
//!   `state_sync` and `join_dream_room`/`leave_dream_room`.
//! * `joi`: Joi's field rules and messages, which the validators share (private).
//! * [`rules`]: the early-`next` drop, the `web_client_status` flag, quota expiry,
//!   job-status mapping and JavaScript truthiness.

pub mod control;
pub mod guid;
mod joi;
pub mod rules;
pub mod validate;

pub use control::{Control, ControlKind, VoteDir};
pub use guid::parse_guid;
pub use rules::{
    is_early_next, is_js_truthy, job_status_for_dream_status, quota_expires_at, web_client_active, EARLY_NEXT_WINDOW,
    INTERACTIVE_QUOTA,
};
pub use validate::{validate_dream_room_arg, validate_remote_control, validate_state_sync, RemoteControlEvent};
