//! Event handlers of the `/remote-control` namespace (`realtime.md` §7).
//!
//! Each handler emits, in order, what the spec lists and then answers the client's ack
//! (if it asked for one) with the event's result (§7.8). "To others" goes through the
//! user's room, excluding this socket; "echo" is this socket first, then the others.

use std::time::Instant;

use actix::fut::{self, ActorFutureExt};
use serde_json::{json, Map, Value};

use super::actor::{done, Fut, SessionActor, NSP};
use super::event_frame;
use crate::domain::remote::{DreamRef, VoteKind};
use crate::domain::DomainError;
use crate::remote::control::{ControlKind, VoteDir};
use crate::remote::rules::{self, EARLY_NEXT_WINDOW};
use crate::remote::validate::{self, RemoteControlEvent};

/// Most `DREAM:` rooms one socket may be in (§3.7).
const MAX_DREAM_ROOMS: usize = 100;
const NOT_FOUND: &str = "Not found.";
const INTERNAL: &str = "Internal Server Error.";
const NOT_ALLOWED: &str = "Action not allowed.";
const TOO_MANY: &str = "Too many requests.";

/// Result of a database-backed remote control.
enum Outcome {
    /// Target found: echo with `name` set to its (possibly null) name.
    Named(Option<String>),
    /// Done without a lookup: echo the payload unchanged.
    Plain,
    /// Target missing or not visible: `Error` `Not found.` to the sender.
    Missing,
}

fn named(found: Option<DreamRef>) -> Outcome {
    found.map_or(Outcome::Missing, |d| Outcome::Named(d.name))
}

impl SessionActor {
    pub(super) fn on_event(&mut self, ack: Option<u64>, args: Vec<Value>, arrived: Instant) -> Fut {
        if let Some(rc) = self.rc.as_mut() {
            let limits = self.rt.limits;
            if rc.bucket.take(limits.event_rate, limits.event_burst, arrived) {
                rc.refused = 0;
            } else {
                rc.refused += 1;
                if rc.refused >= limits.abuse_disconnect_after {
                    tracing::warn!(sid = %self.shared.sid, user = %rc.user.uuid, "closing a socket that keeps exceeding the event rate");
                    self.shared.outbox.close(super::outbox::CloseReason::RateLimited);
                    return done();
                }
                crate::metrics::bump(&crate::metrics::EVENTS_RATE_LIMITED);
                self.error_reply(ack, TOO_MANY);
                return done();
            }
        }
        let mut args = args.into_iter();
        let name = match args.next() {
            Some(Value::String(s)) => s,
            _ => return self.protocol_error("event name is not a string"),
        };
        let arg = args.next();
        crate::metrics::count_event(&name);
        match name.as_str() {
            "new_remote_control_event" => self.remote_control(ack, arg, arrived),
            "ping" => self.app_ping(ack),
            "goodbye" => self.goodbye(ack),
            "web_client_status" => self.web_client_status(ack, arg),
            "state_sync" => self.state_sync(ack, arg),
            "join_dream_room" => self.join_dream_room(ack, arg),
            "leave_dream_room" => self.leave_dream_room(ack, arg),
            "ping_redis" => self.ping_redis(ack),
            _ => {
                self.ack(NSP, ack, &[]);
                done()
            }
        }
    }

    /// `Validation error` to this socket only, and the same error as the ack result.
    fn validation_error(&self, ack: Option<u64>, message: String) -> Fut {
        let err = json!({ "error": message });
        self.push(event_frame(NSP, "Validation error", std::slice::from_ref(&err)));
        self.ack(NSP, ack, &[err]);
        done()
    }

    /// `Error` to this socket only, and the same error as the ack result.
    fn error_reply(&self, ack: Option<u64>, message: &str) {
        let err = json!({ "error": message });
        self.push(event_frame(NSP, "Error", std::slice::from_ref(&err)));
        self.ack(NSP, ack, &[err]);
    }

    /// Sends `frame` to the other sockets of the user (all instances).
    fn to_others(&self, frame: bytestring::ByteString) -> Fut {
        let Some(rc) = &self.rc else { return done() };
        let room = rc.room.clone();
        let me = rc.id.clone();
        let arrived = self.arrived;
        Box::pin(fut::wrap_future::<_, Self>(async move { room.broadcast(frame, Some(me), arrived).await }).map(
            |res, act, _| {
                if let Err(e) = res {
                    tracing::warn!(sid = %act.shared.sid, error = %e, "room unreachable: broadcast dropped");
                }
            },
        ))
    }

    /// Echo: `frame` to this socket, then to the others.
    fn echo(&self, frame: bytestring::ByteString) -> Fut {
        self.push(frame.clone());
        self.to_others(frame)
    }

    fn remote_control(&mut self, ack: Option<u64>, arg: Option<Value>, arrived: Instant) -> Fut {
        let Some(rc) = self.rc.as_mut() else { return done() };
        let ev = match validate::validate_remote_control(arg.as_ref()) {
            Ok(ev) => ev,
            Err(message) => return self.validation_error(ack, message),
        };
        let within_window = arrived.saturating_duration_since(rc.ack_at) < EARLY_NEXT_WINDOW;
        if rules::is_early_next(&ev.original, &ev.control, within_window, rc.next_dropped) {
            rc.next_dropped = true;
            tracing::debug!(sid = %self.shared.sid, "early next dropped");
            self.ack(NSP, ack, &[]);
            return done();
        }
        tracing::info!(
            target: "analytics", event = "remote_control", control = ev.control.as_str(),
            user_uuid = %rc.user.uuid, client_type = %self.handshake.client_type,
            client_version = %self.handshake.client_version,
        );
        let user = rc.user.clone();
        let remote = self.rt.remote.clone();
        let uuid = ev.uuid;
        match ev.control.kind() {
            ControlKind::RelayOnly => self.relay_echo(ack, ev.original),
            ControlKind::ResetPlaylist => {
                let work = async move { remote.reset_playlist(&user).await.map(|()| Outcome::Plain) };
                self.after_lookup(ack, ev, work)
            }
            ControlKind::LookupDream { persist_current } => {
                let work = async move {
                    let Some(uuid) = uuid else { return Ok(Outcome::Missing) };
                    let found = if persist_current {
                        remote.play_dream(&user, uuid).await?
                    } else {
                        remote.find_dream(&user, uuid).await?
                    };
                    Ok(named(found))
                };
                self.after_lookup(ack, ev, work)
            }
            ControlKind::Vote(dir) => {
                let work = async move {
                    let Some(uuid) = uuid else { return Ok(Outcome::Missing) };
                    Ok(named(remote.vote(&user, uuid, vote_kind(dir)).await?))
                };
                self.after_lookup(ack, ev, work)
            }
            ControlKind::VoteCurrent(dir) => {
                let work = async move { Ok(named(remote.vote_current(&user, vote_kind(dir)).await?)) };
                self.after_lookup(ack, ev, work)
            }
            ControlKind::Report => {
                let notifier = self.rt.notifier.clone();
                let work = async move {
                    let Some(uuid) = uuid else { return Ok(Outcome::Missing) };
                    let reported = remote.report(&user, uuid).await?;
                    if let Some(dream) = &reported {
                        notifier.dream_reported(&user, dream);
                    }
                    Ok(named(reported))
                };
                self.after_lookup(ack, ev, work)
            }
            ControlKind::LookupPlaylist => self.play_playlist(ack, ev),
        }
    }

    fn relay_echo(&self, ack: Option<u64>, payload: Map<String, Value>) -> Fut {
        let payload = Value::Object(payload);
        let frame = event_frame(NSP, "new_remote_control_event", std::slice::from_ref(&payload));
        let relay = self.echo(frame);
        Box::pin(relay.map(move |(), act, _| act.ack(NSP, ack, &[payload])))
    }

    /// Runs the database `work` of a control, then echoes or answers `Error`.
    fn after_lookup<W>(&self, ack: Option<u64>, ev: RemoteControlEvent, work: W) -> Fut
    where
        W: std::future::Future<Output = Result<Outcome, DomainError>> + 'static,
    {
        Box::pin(fut::wrap_future::<_, Self>(work).then(move |res, act, _| -> Fut {
            match res {
                Ok(Outcome::Named(name)) if ev.control.sets_name() => {
                    act.relay_echo(ack, ev.echo_with_name(name.as_deref()))
                }
                Ok(Outcome::Named(_) | Outcome::Plain) => act.relay_echo(ack, ev.original.clone()),
                Ok(Outcome::Missing) => {
                    act.error_reply(ack, NOT_FOUND);
                    done()
                }
                Err(e) => {
                    tracing::error!(error = %e, control = ev.control.as_str(), "remote control failed");
                    act.error_reply(ack, INTERNAL);
                    done()
                }
            }
        }))
    }

    fn play_playlist(&self, ack: Option<u64>, ev: RemoteControlEvent) -> Fut {
        let (Some(rc), Some(uuid)) = (&self.rc, ev.uuid) else { return done() };
        let user = rc.user.clone();
        let remote = self.rt.remote.clone();
        let work = async move { remote.play_playlist(&user, uuid).await };
        Box::pin(fut::wrap_future::<_, Self>(work).then(move |res, act, _| -> Fut {
            match res {
                Ok(Some((playlist, quota))) => {
                    let update = json!({
                        "quota": quota,
                        "quotaExpiresAt": rules::quota_expires_at(chrono::Utc::now()),
                    });
                    let quota_frame = event_frame(NSP, "quota_update", &[update]);
                    let payload = ev.echo_with_name(playlist.name.as_deref());
                    Box::pin(act.echo(quota_frame).then(move |(), act, _| act.relay_echo(ack, payload)))
                }
                Ok(None) => {
                    act.error_reply(ack, NOT_FOUND);
                    done()
                }
                Err(e) => {
                    tracing::error!(error = %e, "play_playlist failed");
                    act.error_reply(ack, INTERNAL);
                    done()
                }
            }
        }))
    }

    fn app_ping(&mut self, ack: Option<u64>) -> Fut {
        let Some(rc) = self.rc.as_mut() else { return done() };
        let now = Instant::now();
        let interval_s = rc.last_ping.map(|t| now.duration_since(t).as_secs());
        rc.pings += 1;
        rc.last_ping = Some(now);
        tracing::info!(target: "analytics", event = "client_ping", user_uuid = %rc.user.uuid, interval_s = ?interval_s);
        let (user, remote, version) = (rc.user.clone(), self.rt.remote.clone(), self.handshake.client_version.clone());
        self.heartbeat_relay(ack, "ping", async move { remote.client_ping(&user, version).await })
    }

    fn goodbye(&mut self, ack: Option<u64>) -> Fut {
        let Some(rc) = &self.rc else { return done() };
        let (user, remote) = (rc.user.clone(), self.rt.remote.clone());
        self.heartbeat_relay(ack, "goodbye", async move { remote.client_goodbye(&user).await })
    }

    /// `ping` / `goodbye`: database write, the bare event to others, presence to all.
    fn heartbeat_relay<W>(&self, ack: Option<u64>, name: &'static str, write: W) -> Fut
    where
        W: std::future::Future<Output = Result<(), DomainError>> + 'static,
    {
        Box::pin(fut::wrap_future::<_, Self>(write).then(move |res, act, _| -> Fut {
            if let Err(e) = res {
                tracing::warn!(error = %e, event = name, "client ping bookkeeping failed");
            }
            let relay = act.to_others(event_frame(NSP, name, &[]));
            Box::pin(relay.then(move |(), act, _| -> Fut {
                let Some(rc) = &act.rc else { return done() };
                let room = rc.room.clone();
                Box::pin(
                    fut::wrap_future::<_, SessionActor>(async move { room.emit_presence().await })
                        .map(move |_, act, _| act.ack(NSP, ack, &[])),
                )
            }))
        }))
    }

    fn web_client_status(&self, ack: Option<u64>, arg: Option<Value>) -> Fut {
        let Some(rc) = &self.rc else { return done() };
        let active = rules::web_client_active(arg.as_ref());
        let (room, id) = (rc.room.clone(), rc.id.clone());
        Box::pin(fut::wrap_future::<_, Self>(async move { room.set_web_player(id, active).await }).map(
            move |res, act, _| match res {
                Ok(p) => act.ack(NSP, ack, &[json!(p)]),
                Err(_) => act.ack(NSP, ack, &[]),
            },
        ))
    }

    fn state_sync(&self, ack: Option<u64>, arg: Option<Value>) -> Fut {
        let Some(rc) = &self.rc else { return done() };
        let payload = match validate::validate_state_sync(arg.as_ref()) {
            Ok(map) => Value::Object(map.clone()),
            Err(message) => return self.validation_error(ack, message),
        };
        let key = format!("user:state_sync:{}", rc.user.id);
        let raw = crate::protocol::jsjson::to_js_string(&payload);
        let kv = self.rt.kv.clone();
        let store = async move { kv.set_ex(&key, &raw, std::time::Duration::from_secs(300)).await };
        Box::pin(fut::wrap_future::<_, Self>(store).then(move |res, act, _| -> Fut {
            if let Err(e) = res {
                tracing::warn!(error = %e, "state_sync not cached");
            }
            let frame = event_frame(NSP, "state_sync", std::slice::from_ref(&payload));
            Box::pin(act.echo(frame).map(move |(), act, _| act.ack(NSP, ack, &[payload])))
        }))
    }

    fn join_dream_room(&self, ack: Option<u64>, arg: Option<Value>) -> Fut {
        let Some(rc) = &self.rc else { return done() };
        let dream_uuid = match validate::validate_dream_room_arg(arg.as_ref()) {
            Ok(u) => u,
            Err(message) => return self.validation_error(ack, message),
        };
        let (user, remote) = (rc.user.clone(), self.rt.remote.clone());
        let find = async move { remote.find_dream(&user, dream_uuid).await };
        Box::pin(fut::wrap_future::<_, Self>(find).then(move |res, act, _| -> Fut {
            let dream = match res {
                Ok(Some(d)) => d,
                Ok(None) => {
                    act.error_reply(ack, NOT_FOUND);
                    return done();
                }
                Err(e) => {
                    tracing::error!(error = %e, "join_dream_room lookup failed");
                    act.error_reply(ack, INTERNAL);
                    return done();
                }
            };
            let Some(rc) = act.rc.as_mut() else { return done() };
            if rc.dreams.len() >= MAX_DREAM_ROOMS && !rc.dreams.contains(&dream_uuid) {
                act.error_reply(ack, NOT_ALLOWED);
                return done();
            }
            rc.dreams.insert(dream_uuid);
            let (registry, kv) = (act.rt.registry.clone(), act.rt.kv.clone());
            let (user_id, socket, shared) = (rc.user.id, rc.id.clone(), act.shared.clone());
            let key = format!("job:progress:{dream_uuid}");
            let join_and_read = async move {
                let joined = registry.join_dream(dream_uuid, user_id, socket, shared).await;
                (joined, kv.get(&key).await)
            };
            Box::pin(fut::wrap_future::<_, Self>(join_and_read).map(move |(joined, cached), act, _| {
                if let Err(e) = joined {
                    tracing::warn!(error = %e, "dream room join failed");
                }
                let cached = cached.ok().flatten().and_then(|raw| serde_json::from_str::<Value>(&raw).ok());
                let payload = cached.unwrap_or_else(|| {
                    json!({
                        "dream_uuid": dream_uuid.to_string(),
                        "status": rules::job_status_for_dream_status(&dream.status),
                        "updated_at": chrono::Utc::now().timestamp_millis(),
                    })
                });
                act.push(event_frame(NSP, "job:progress", std::slice::from_ref(&payload)));
                act.ack(NSP, ack, &[payload]);
            }))
        }))
    }

    fn leave_dream_room(&mut self, ack: Option<u64>, arg: Option<Value>) -> Fut {
        let dream_uuid = match validate::validate_dream_room_arg(arg.as_ref()) {
            Ok(u) => u,
            Err(message) => return self.validation_error(ack, message),
        };
        if let Some(rc) = self.rc.as_mut() {
            if rc.dreams.remove(&dream_uuid) {
                self.rt.registry.leave_dream(dream_uuid, rc.id.clone());
            }
        }
        self.ack(NSP, ack, &[]);
        done()
    }

    fn ping_redis(&self, ack: Option<u64>) -> Fut {
        let kv = self.rt.kv.clone();
        let started = Instant::now();
        Box::pin(fut::wrap_future::<_, Self>(async move { kv.get("ping_redis").await }).map(move |res, act, _| {
            tracing::info!(ok = res.is_ok(), latency_ms = started.elapsed().as_secs_f64() * 1000.0, "ping_redis");
            act.ack(NSP, ack, &[]);
        }))
    }
}

fn vote_kind(dir: VoteDir) -> VoteKind {
    match dir {
        VoteDir::Up => VoteKind::Up,
        VoteDir::Down => VoteKind::Down,
    }
}
