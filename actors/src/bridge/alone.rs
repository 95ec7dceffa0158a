//! Which room channels this instance is alone on, so that publishing them can be skipped.
//!
//! A relay in a room whose members are all on this instance needs no Redis round trip:
//! nobody else would receive it. The bridge learns that a channel is *alone* from the
//! receiver count `PUBLISH` answers (1 = only this instance's own subscription) and
//! forgets it as soon as anything suggests otherwise:
//!
//! * **Our own announcement counts.** The `hello` below is published under the epoch of
//!   the confirmation it announces, so its answer can mark the channel alone before the
//!   room publishes anything.
//! * **Evidence only after our own subscription is confirmed.** A count says "this
//!   instance only" only if our `SUBSCRIBE` was executed before the `PUBLISH`, i.e. the
//!   subscription was confirmed before the publish was sent. Each confirmation gets a
//!   fresh *epoch*; a publish carries the epoch it was sent under and its count is used
//!   only if the channel is still in that epoch when the answer comes back.
//! * **Another instance announces itself.** An instance that subscribes to a channel
//!   publishes a `hello` on it right after its `SUBSCRIBE` is confirmed; receiving it
//!   starts a new epoch (so an answer still in flight cannot mark the channel alone
//!   again) and clears the alone mark. Between another instance's `SUBSCRIBE` and its
//!   `hello` reaching us (one Redis round trip) our publications of that room skip it —
//!   within the at-most-once window the bridge already has while a subscription is
//!   being set up.
//! * **The mark expires** after [`ALONE_FOR`]: the next publication then goes to Redis
//!   and renews or clears it. This bounds anything the announcements miss (a `hello`
//!   lost while our subscriber reconnects, an instance of an older version that does
//!   not announce itself) to [`ALONE_FOR`] of skipped publications; at 40 relays/s per
//!   room it costs one real publish in 40.
//! * **A lost subscriber connection** unconfirms every channel and clears every mark;
//!   each channel is confirmed again (and announced) when it is resubscribed.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long one count of 1 lets publications of a channel be skipped.
pub const ALONE_FOR: Duration = Duration::from_secs(1);

#[derive(Debug, Default, Clone, Copy)]
struct Channel {
    /// Set while our subscription is confirmed; a new value at every confirmation and
    /// at every announcement received.
    epoch: Option<u64>,
    alone_until: Option<Instant>,
}

/// What to do with one publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publish {
    /// Nobody else is subscribed: do not send it.
    Skip,
    /// Send it; `Some(epoch)` when its receiver count can mark the channel alone.
    Send(Option<u64>),
}

/// The channels this instance wants to be subscribed to, with their alone state.
#[derive(Debug, Default)]
pub struct Channels {
    map: HashMap<String, Channel>,
    next_epoch: u64,
}

impl Channels {
    /// Adds a channel; false if it was already wanted.
    pub fn insert(&mut self, channel: String) -> bool {
        match self.map.entry(channel) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(Channel::default());
                true
            }
        }
    }

    /// Removes a channel; false if it was not wanted.
    pub fn remove(&mut self, channel: &str) -> bool {
        self.map.remove(channel).is_some()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn names(&self) -> impl Iterator<Item = &String> {
        self.map.keys()
    }

    fn fresh_epoch(&mut self) -> u64 {
        self.next_epoch += 1;
        self.next_epoch
    }

    /// Our `SUBSCRIBE` of `channel` was confirmed by Redis.
    pub fn confirmed(&mut self, channel: &str) {
        let epoch = self.fresh_epoch();
        if let Some(c) = self.map.get_mut(channel) {
            *c = Channel { epoch: Some(epoch), alone_until: None };
        }
    }

    /// The subscriber connection is gone: nothing is confirmed, nothing is alone.
    pub fn unconfirm_all(&mut self) {
        for c in self.map.values_mut() {
            *c = Channel::default();
        }
    }

    /// Another instance announced its subscription to `channel`.
    pub fn announced(&mut self, channel: &str) {
        let epoch = self.fresh_epoch();
        if let Some(c) = self.map.get_mut(channel) {
            c.alone_until = None;
            if c.epoch.is_some() {
                c.epoch = Some(epoch);
            }
        }
    }

    /// Decides one publication to `channel` at `now`.
    pub fn publish(&self, channel: &str, now: Instant) -> Publish {
        match self.map.get(channel) {
            Some(c) if c.alone_until.is_some_and(|t| now < t) => Publish::Skip,
            Some(c) => Publish::Send(c.epoch),
            None => Publish::Send(None),
        }
    }

    /// Redis answered `receivers` to a publication sent under `epoch`.
    pub fn answered(&mut self, channel: &str, epoch: u64, receivers: i64, now: Instant) {
        if receivers != 1 {
            return;
        }
        if let Some(c) = self.map.get_mut(channel) {
            if c.epoch == Some(epoch) {
                c.alone_until = Some(now + ALONE_FOR);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn confirmed(ch: &mut Channels, name: &str) -> u64 {
        ch.insert(name.into());
        ch.confirmed(name);
        match ch.publish(name, Instant::now()) {
            Publish::Send(Some(e)) => e,
            other => panic!("a confirmed channel publishes with its epoch, got {other:?}"),
        }
    }

    #[test]
    fn a_count_of_one_after_confirmation_skips_until_it_expires() {
        let mut ch = Channels::default();
        let e = confirmed(&mut ch, "a");
        let t0 = Instant::now();
        ch.answered("a", e, 1, t0);
        assert_eq!(ch.publish("a", t0), Publish::Skip);
        assert_eq!(ch.publish("a", t0 + ALONE_FOR - Duration::from_millis(1)), Publish::Skip);
        assert_eq!(ch.publish("a", t0 + ALONE_FOR), Publish::Send(Some(e)), "the mark expires");
    }

    #[test]
    fn other_counts_never_mark_a_channel_alone() {
        let mut ch = Channels::default();
        let e = confirmed(&mut ch, "a");
        for n in [0, 2, 7] {
            ch.answered("a", e, n, Instant::now());
            assert_eq!(ch.publish("a", Instant::now()), Publish::Send(Some(e)));
        }
    }

    #[test]
    fn unconfirmed_or_unknown_channels_are_always_sent_and_never_marked() {
        let mut ch = Channels::default();
        ch.insert("a".into());
        assert_eq!(ch.publish("a", Instant::now()), Publish::Send(None));
        assert_eq!(ch.publish("zz", Instant::now()), Publish::Send(None));
        let e = confirmed(&mut ch, "b");
        ch.unconfirm_all();
        ch.answered("b", e, 1, Instant::now());
        assert_eq!(ch.publish("b", Instant::now()), Publish::Send(None), "lost subscriber: no evidence");
    }

    #[test]
    fn an_announcement_clears_the_mark_and_voids_answers_in_flight() {
        let mut ch = Channels::default();
        let e = confirmed(&mut ch, "a");
        ch.answered("a", e, 1, Instant::now());
        ch.announced("a");
        let Publish::Send(Some(e2)) = ch.publish("a", Instant::now()) else { panic!("announced channel is sent") };
        assert_ne!(e, e2);
        // An answer to a publication sent before the announcement arrives late.
        ch.answered("a", e, 1, Instant::now());
        assert_eq!(ch.publish("a", Instant::now()), Publish::Send(Some(e2)));
        // One sent after it counts.
        ch.answered("a", e2, 1, Instant::now());
        assert_eq!(ch.publish("a", Instant::now()), Publish::Skip);
    }

    #[test]
    fn a_removed_and_readded_channel_does_not_inherit_old_answers() {
        let mut ch = Channels::default();
        let e = confirmed(&mut ch, "a");
        assert!(ch.remove("a"));
        let e2 = confirmed(&mut ch, "a");
        assert_ne!(e, e2);
        ch.answered("a", e, 1, Instant::now());
        assert_eq!(ch.publish("a", Instant::now()), Publish::Send(Some(e2)));
        assert!(!ch.insert("a".into()));
        assert_eq!(ch.len(), 1);
    }
}
