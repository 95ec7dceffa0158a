//! User profiles (`rest-api.md` §7): one user, the verified-user list, a user's votes,
//! and the profile shape shared with the update endpoints in [`super::user_update`].
//!
//! What a caller sees of another user: PublicUser + `role`, `currentDream`,
//! `currentPlaylist` (each `null` unless visible to the caller, §3.7); `email` and
//! `signupInvite` only for the user themself and admins.

use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::domain::users::{UserDetail, UserListQuery, VotesQuery};
use infinidream_actors::UserId;
use serde_json::{json, Map, Value};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::auth::account::current_dream_object_of;
use crate::http::dreams::render::{self, Ctx, LIST};
use crate::http::dreams::respond;
use crate::http::text::text;
use crate::http::validate::{page, path_uuid, query_map, Check};
use crate::state::AppState;

/// Largest page of the user and vote lists (§1.6).
const TAKE_CAP: i64 = 500;
const ROLE_NAMES: &[&str] = &["admin-group", "user-group", "creator-group"];
const VOTE_TYPES: &[&str] = &["none", "upvote", "downvote"];

/// Routes inside the `/user` scope (`http/mod.rs`), after its static ones.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(list))
        .route("/{uuid}", web::get().to(get))
        .route("/{uuid}", web::put().to(super::user_update::update))
        .route("/{uuid}/avatar", web::put().to(super::user_update::avatar))
        .route("/{uuid}/votes", web::get().to(votes));
}

/// The caller's `currentPlaylist` view of playlist `id`: the playlists area's Playlist
/// shape with `user`/`displayedOwner`, or `null` when missing or not visible.
async fn current_playlist_json(state: &AppState, caller: &Caller, id: Option<i32>) -> Result<Value, ApiError> {
    let Some(id) = id else { return Ok(Value::Null) };
    let playlist = crate::http::playlists::render::playlist_for(state, render::viewer(caller), id, false).await?;
    Ok(playlist.unwrap_or(Value::Null))
}

/// The profile shape of `rest-api.md` §7 for `caller` (media keys still raw: respond
/// through `dreams::respond`). `with_invite` adds `signupInvite` for self/admin.
pub(crate) async fn profile_json(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    d: &UserDetail,
    with_invite: bool,
) -> Result<Value, ApiError> {
    let mut user = match serde_json::to_value(&d.public).map_err(ApiError::internal)? {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let admin = caller.0.role.is_admin();
    let self_or_admin = admin || caller.0.id.0 == d.public.id;
    user.insert("role".into(), serde_json::to_value(&d.role).map_err(ApiError::internal)?);
    if self_or_admin {
        user.insert("email".into(), json!(d.email));
        if with_invite {
            user.insert("signupInvite".into(), d.signup_invite.clone());
        }
    }
    let mut dream = Value::Null;
    if d.current_dream_id.is_some() {
        if let Some(found) = current_dream_object_of(state, req, caller, UserId(d.public.id)).await? {
            let hidden = found["hidden"].as_bool().unwrap_or(false);
            let owner = found["user"]["id"].as_i64();
            if !hidden || admin || owner == Some(i64::from(caller.0.id.0)) {
                dream = found;
            }
        }
    }
    user.insert("currentDream".into(), dream);
    user.insert("currentPlaylist".into(), current_playlist_json(state, caller, d.current_playlist_id).await?);
    Ok(Value::Object(user))
}

/// `GET /api/v1/user/:uuid` — 200 `{user}`; missing → 404.
pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let uuid = path_uuid(&path)?;
    let detail = state.actors.users.detail(uuid).await?.ok_or(ApiError::NotFound)?;
    let mut data = Map::new();
    data.insert("user".into(), profile_json(&state, &req, &caller, &detail, true).await?);
    Ok(respond(&state, 200, data).await)
}

/// `GET /api/v1/user` (validated query) — verified users, newest first.
pub async fn list(state: web::Data<AppState>, req: HttpRequest, _caller: Caller) -> Result<HttpResponse, ApiError> {
    let q = query_map(&req);
    let mut c = Check::query(&q);
    let role = c.one_of("role", false, ROLE_NAMES);
    c.number("take", false);
    c.number("skip", false);
    let search = text(&mut c, "search", false, None, true);
    c.finish()?;
    let (take, skip) = page(&q, TAKE_CAP);
    let (users, count) = state.actors.users.list(UserListQuery { take, skip, search, role }).await?;
    let mut data = Map::new();
    data.insert("users".into(), serde_json::to_value(&users).map_err(ApiError::internal)?);
    data.insert("count".into(), json!(count));
    Ok(respond(&state, 200, data).await)
}

/// `GET /api/v1/user/:uuid/votes` (validated) — `{count, dreams}`: one Dream per vote of
/// the target user whose dream is listable for the caller, newest vote first.
pub async fn votes(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let uuid = path_uuid(&path)?;
    let q = query_map(&req);
    let mut c = Check::query(&q);
    c.number("take", false);
    c.number("skip", false);
    let kind = c.one_of("type", false, VOTE_TYPES);
    c.finish()?;
    let (take, skip) = page(&q, TAKE_CAP);
    let target = state.actors.users.auth_user_by_uuid(uuid).await?.ok_or(ApiError::NotFound)?;
    let ctx = Ctx::new(&state, &req, &caller);
    let query = VotesQuery { user: target.id.0, kind, take, skip };
    let (bundle, count) = state.actors.users.votes(ctx.viewer, query).await?;
    let mut data = Map::new();
    data.insert("count".into(), json!(count));
    data.insert("dreams".into(), Value::Array(render::dreams(&bundle, &ctx, LIST)));
    Ok(respond(&state, 200, data).await)
}
