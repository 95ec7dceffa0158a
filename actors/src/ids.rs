//! Identifier newtypes, parsed once at the boundary.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Numeric database id of a user (the `USER:<id>` room name uses it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub i32);

impl UserId {
    /// `USER:<id>`, the user's room (`realtime.md`), joined without `format!` (it is
    /// built on every join and leave).
    pub fn room(self) -> String {
        ["USER:", itoa::Buffer::new().format(self.0)].concat()
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The three fixed roles (ids seeded by the migrations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    User,
    Creator,
}

impl Role {
    pub const fn id(self) -> i32 {
        match self {
            Role::Admin => 1,
            Role::User => 2,
            Role::Creator => 3,
        }
    }

    pub fn from_id(id: i32) -> Option<Role> {
        match id {
            1 => Some(Role::Admin),
            2 => Some(Role::User),
            3 => Some(Role::Creator),
            _ => None,
        }
    }

    /// Database name (`admin-group`, …).
    pub const fn group_name(self) -> &'static str {
        match self {
            Role::Admin => "admin-group",
            Role::User => "user-group",
            Role::Creator => "creator-group",
        }
    }

    /// Short operator name (`admin`, `creator`, `user`) as used by the CLI.
    pub const fn short_name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::User => "user",
            Role::Creator => "creator",
        }
    }

    /// Accepts the short name or the group name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" | "admin-group" => Some(Role::Admin),
            "user" | "user-group" => Some(Role::User),
            "creator" | "creator-group" => Some(Role::Creator),
            _ => None,
        }
    }

    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }

    pub fn is_creator_or_admin(self) -> bool {
        matches!(self, Role::Admin | Role::Creator)
    }
}

/// Characters of instance, Engine.IO and Socket.IO ids (base64url).
const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A random string of `len` base64url characters.
pub fn random_id(len: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    let mut out = String::with_capacity(len);
    // Ten characters from each 64-bit draw: every 6-bit group of a uniform u64 is
    // uniform over the 64 characters.
    let mut bits = 0u64;
    for i in 0..len {
        if i % 10 == 0 {
            bits = rng.next_u64();
        }
        out.push(B64URL[(bits & 63) as usize] as char);
        bits >>= 6;
    }
    out
}

/// True when `s` is made only of base64url characters.
pub fn is_b64url(s: &str) -> bool {
    s.bytes().all(|b| B64URL.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_room_is_the_formatted_name() {
        for id in [0, 7, -3, 1234567, i32::MAX, i32::MIN] {
            assert_eq!(UserId(id).room(), format!("USER:{id}"));
        }
    }

    #[test]
    fn random_ids_have_the_length_asked_use_every_base64url_character_and_differ() {
        for len in [0, 1, 9, 10, 11, 20, 31] {
            let id = random_id(len);
            assert_eq!(id.len(), len);
            assert!(is_b64url(&id), "{id}");
        }
        let ids: Vec<String> = (0..2000).map(|_| random_id(20)).collect();
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
        // Each of these positions sees every character (2 000 draws, about 31 of each;
        // one missing by chance: ~e^-31): a stuck or short bit source fails this.
        for position in [0, 9, 10, 19] {
            let seen: std::collections::HashSet<u8> = ids.iter().map(|id| id.as_bytes()[position]).collect();
            assert_eq!(seen.len(), 64, "position {position}");
        }
    }
}
