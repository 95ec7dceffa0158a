//! The 34 remote-control values of `realtime.md` §7.1.3 and what each one makes the
//! server do.
//!
//! Clients send the control as a snake_case `event` string; turning it into an enum once,
//! at validation, lets the handler `match` on [`Control::kind`] instead of comparing
//! strings, and keeps the list, its order (which is visible to clients through the
//! `must be one of [...]` message) and the handling classes in one place.

/// The `Validation error` message for an unknown or non-string `event` (§7.1.2).
pub const EVENT_ONE_OF: &str = "\"event\" must be one of [playing, play_dream, play_playlist, like, dislike, like_current_dream, dislike_current_dream, previous, next, repeat, shuffle, playback_slower, playback_faster, forward, backward, brighter, darker, credit, web, help, status, set_speed_1, set_speed_2, set_speed_3, set_speed_4, set_speed_5, set_speed_6, set_speed_7, set_speed_8, set_speed_9, pause, capture, report, reset_playlist]";

/// The 34 REMOTE_CONTROLS values (§7.1.3). `SetSpeed` carries 1..=9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Control {
    Playing,
    PlayDream,
    PlayPlaylist,
    Like,
    Dislike,
    LikeCurrentDream,
    DislikeCurrentDream,
    Previous,
    Next,
    Repeat,
    Shuffle,
    PlaybackSlower,
    PlaybackFaster,
    Forward,
    Backward,
    Brighter,
    Darker,
    Credit,
    Web,
    Help,
    Status,
    SetSpeed(u8),
    Pause,
    Capture,
    Report,
    ResetPlaylist,
}

/// Direction of a vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VoteDir {
    Up,
    Down,
}

/// What the handler does for a control (§7.1.3 / §7.1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlKind {
    /// Find the dream by `uuid`; `persist_current` sets `users.current_dream_id`.
    LookupDream { persist_current: bool },
    /// Find the playlist, persist it as current, fill the quota.
    LookupPlaylist,
    /// Find the dream by `uuid` and vote on it.
    Vote(VoteDir),
    /// Vote on the user's current dream (no `uuid` needed).
    VoteCurrent(VoteDir),
    /// Find the dream by `uuid` and insert a report.
    Report,
    /// Clear the current playlist.
    ResetPlaylist,
    /// Echo unchanged.
    RelayOnly,
}

impl Control {
    /// All values, in the order of the `must be one of` message.
    pub const ALL: [Control; 34] = {
        use Control::*;
        [
            Playing,
            PlayDream,
            PlayPlaylist,
            Like,
            Dislike,
            LikeCurrentDream,
            DislikeCurrentDream,
            Previous,
            Next,
            Repeat,
            Shuffle,
            PlaybackSlower,
            PlaybackFaster,
            Forward,
            Backward,
            Brighter,
            Darker,
            Credit,
            Web,
            Help,
            Status,
            SetSpeed(1),
            SetSpeed(2),
            SetSpeed(3),
            SetSpeed(4),
            SetSpeed(5),
            SetSpeed(6),
            SetSpeed(7),
            SetSpeed(8),
            SetSpeed(9),
            Pause,
            Capture,
            Report,
            ResetPlaylist,
        ]
    };

    /// The wire name. A hand-built `SetSpeed` outside 1..=9 is clamped into that range
    /// (0 → `set_speed_1`, 10+ → `set_speed_9`) instead of panicking; parsing never
    /// produces such a value.
    pub fn as_str(&self) -> &'static str {
        use Control::*;
        match self {
            Playing => "playing",
            PlayDream => "play_dream",
            PlayPlaylist => "play_playlist",
            Like => "like",
            Dislike => "dislike",
            LikeCurrentDream => "like_current_dream",
            DislikeCurrentDream => "dislike_current_dream",
            Previous => "previous",
            Next => "next",
            Repeat => "repeat",
            Shuffle => "shuffle",
            PlaybackSlower => "playback_slower",
            PlaybackFaster => "playback_faster",
            Forward => "forward",
            Backward => "backward",
            Brighter => "brighter",
            Darker => "darker",
            Credit => "credit",
            Web => "web",
            Help => "help",
            Status => "status",
            Pause => "pause",
            Capture => "capture",
            Report => "report",
            ResetPlaylist => "reset_playlist",
            SetSpeed(0 | 1) => "set_speed_1",
            SetSpeed(2) => "set_speed_2",
            SetSpeed(3) => "set_speed_3",
            SetSpeed(4) => "set_speed_4",
            SetSpeed(5) => "set_speed_5",
            SetSpeed(6) => "set_speed_6",
            SetSpeed(7) => "set_speed_7",
            SetSpeed(8) => "set_speed_8",
            SetSpeed(_) => "set_speed_9",
        }
    }

    /// Parses a wire name (case-sensitive); `None` if it is not one of the 34 values.
    pub fn from_name(name: &str) -> Option<Control> {
        Self::ALL.iter().copied().find(|c| c.as_str() == name)
    }

    /// The handling class of §7.1.3.
    pub fn kind(&self) -> ControlKind {
        match self {
            Control::Playing => ControlKind::LookupDream { persist_current: true },
            Control::PlayDream => ControlKind::LookupDream { persist_current: false },
            Control::PlayPlaylist => ControlKind::LookupPlaylist,
            Control::Like => ControlKind::Vote(VoteDir::Up),
            Control::Dislike => ControlKind::Vote(VoteDir::Down),
            Control::LikeCurrentDream => ControlKind::VoteCurrent(VoteDir::Up),
            Control::DislikeCurrentDream => ControlKind::VoteCurrent(VoteDir::Down),
            Control::Report => ControlKind::Report,
            Control::ResetPlaylist => ControlKind::ResetPlaylist,
            _ => ControlKind::RelayOnly,
        }
    }

    /// Lookup events, which must carry a `uuid` (§7.1.2 last row, §7.1.5).
    pub fn requires_uuid(&self) -> bool {
        matches!(
            self.kind(),
            ControlKind::LookupDream { .. } | ControlKind::LookupPlaylist | ControlKind::Vote(_) | ControlKind::Report
        )
    }

    /// Events whose echo has `name` set by the server (§7.1.5).
    pub fn sets_name(&self) -> bool {
        self.requires_uuid() || matches!(self.kind(), ControlKind::VoteCurrent(_))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn every_control_name_round_trips_and_is_unique() {
        assert_eq!(Control::ALL.len(), 34);
        for (i, c) in Control::ALL.iter().enumerate() {
            assert_eq!(Control::from_name(c.as_str()), Some(*c));
            for other in &Control::ALL[i + 1..] {
                assert_ne!(c.as_str(), other.as_str());
            }
        }
    }

    #[test]
    fn one_of_message_lists_all_values_in_spec_order() {
        let names: Vec<&str> = Control::ALL.iter().map(Control::as_str).collect();
        let built = format!("\"event\" must be one of [{}]", names.join(", "));
        assert_eq!(built, EVENT_ONE_OF);
    }

    #[test]
    fn names_are_case_sensitive_and_closed() {
        for name in ["NEXT", "Next", "fullscreen", "set_speed_0", "set_speed_10", "", " next"] {
            assert_eq!(Control::from_name(name), None, "{name:?}");
        }
    }

    #[test]
    fn out_of_range_speeds_clamp_instead_of_panicking() {
        assert_eq!(Control::SetSpeed(0).as_str(), "set_speed_1");
        assert_eq!(Control::SetSpeed(10).as_str(), "set_speed_9");
        assert_eq!(Control::SetSpeed(255).as_str(), "set_speed_9");
    }

    #[test]
    fn kinds_follow_the_spec_table() {
        use ControlKind::*;
        let special = [
            ("playing", LookupDream { persist_current: true }),
            ("play_dream", LookupDream { persist_current: false }),
            ("play_playlist", LookupPlaylist),
            ("like", Vote(VoteDir::Up)),
            ("dislike", Vote(VoteDir::Down)),
            ("like_current_dream", VoteCurrent(VoteDir::Up)),
            ("dislike_current_dream", VoteCurrent(VoteDir::Down)),
            ("report", Report),
            ("reset_playlist", ResetPlaylist),
        ];
        for c in Control::ALL {
            let want = special.iter().find(|(name, _)| *name == c.as_str()).map_or(RelayOnly, |(_, kind)| *kind);
            assert_eq!(c.kind(), want, "{}", c.as_str());
        }
    }

    #[test]
    fn lookup_and_name_setting_sets() {
        let lookups = ["playing", "play_dream", "play_playlist", "like", "dislike", "report"];
        let named = ["like_current_dream", "dislike_current_dream"];
        for c in Control::ALL {
            let name = c.as_str();
            assert_eq!(c.requires_uuid(), lookups.contains(&name), "{name}");
            assert_eq!(c.sets_name(), lookups.contains(&name) || named.contains(&name), "{name}");
        }
    }
}
