//! `/api/v1/feed` (`rest-api.md` §12, any-role): the discovery stream, its ranked
//! variant, the caller's own items, and the grouped variant with virtual playlists.
//!
//! `/feed`, `/feed/grouped` and `/feed/my-dreams` validate their query (`take`/`skip`
//! numeric, `type` ∈ dream|playlist, `userUUID` a GUID, `onlyHidden` "true"|"false") and
//! answer 400 in the §1.5 shape; `/feed/ranked` pages leniently. `take` is capped at
//! 500; non-positive values fall back to 10 (§1.6).

pub mod render;

use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::domain::feed::grouped::group;
use infinidream_actors::domain::feed::{FeedMode, FeedQuery};
use serde_json::{json, Map, Value};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::dreams::render::viewer;
use crate::http::dreams::{resource, respond};
use crate::http::validate::{page, query_map, Check};
use crate::state::AppState;

/// Largest feed page (§1.6).
const TAKE_CAP: i64 = 500;

/// The validated common filter of §12.
fn common_query(req: &HttpRequest) -> Result<FeedQuery, ApiError> {
    let q = query_map(req);
    let mut c = Check::query(&q);
    c.number("take", false);
    c.number("skip", false);
    // NUL characters cannot occur in stored names (nor be sent to PostgreSQL): dropped.
    let search = c.string("search", false, None, true).map(|s| s.replace('\0', "")).filter(|s| !s.is_empty());
    let kind = c.one_of("type", false, &["dream", "playlist"]);
    let user_uuid = c.guid("userUUID", false);
    let only_hidden = c.one_of("onlyHidden", false, &["true", "false"]).is_some_and(|v| v == "true");
    c.finish()?;
    let (take, skip) = page(&q, TAKE_CAP);
    Ok(FeedQuery { mode: FeedMode::All, take, skip, search, kind, user_uuid, only_hidden })
}

async fn reply(state: &AppState, caller: &Caller, q: FeedQuery) -> Result<HttpResponse, ApiError> {
    let (page, count) = state.actors.feed.list(viewer(caller), q).await?;
    let mut data = Map::new();
    data.insert("feed".into(), Value::Array(render::feed(&page)));
    data.insert("count".into(), json!(count));
    Ok(respond(state, 200, data).await)
}

/// `GET /api/v1/feed`: `created_at DESC`.
pub async fn feed(state: web::Data<AppState>, req: HttpRequest, caller: Caller) -> Result<HttpResponse, ApiError> {
    let q = common_query(&req)?;
    reply(&state, &caller, q).await
}

/// `GET /api/v1/feed/ranked`: playlists with `featureRank ≥ 1`, highest first.
pub async fn ranked(state: web::Data<AppState>, req: HttpRequest, caller: Caller) -> Result<HttpResponse, ApiError> {
    let (take, skip) = page(&query_map(&req), TAKE_CAP);
    reply(&state, &caller, FeedQuery::page(FeedMode::Ranked, take, skip)).await
}

/// `GET /api/v1/feed/my-dreams`: items whose feed user is the caller; the other query
/// keys are validated as for `/feed` and then ignored.
pub async fn my_dreams(state: web::Data<AppState>, req: HttpRequest, caller: Caller) -> Result<HttpResponse, ApiError> {
    let q = common_query(&req)?;
    reply(&state, &caller, FeedQuery::page(FeedMode::Mine, q.take, q.skip)).await
}

/// `GET /api/v1/feed/grouped`: the `/feed` page split into plain items and virtual
/// playlists; `count` is the ungrouped total.
pub async fn grouped(state: web::Data<AppState>, req: HttpRequest, caller: Caller) -> Result<HttpResponse, ApiError> {
    let q = common_query(&req)?;
    let (page, count) = state.actors.feed.list(viewer(&caller), q).await?;
    let (remaining, virtuals) = group(&page);
    let items: Vec<Value> =
        remaining.iter().filter_map(|i| page.items.get(*i)).map(|f| render::feed_item(&page, f)).collect();
    let playlists: Vec<Value> = virtuals.iter().map(|v| render::virtual_playlist(&page, v)).collect();
    let mut data = Map::new();
    data.insert("feedItems".into(), Value::Array(items));
    data.insert("virtualPlaylists".into(), Value::Array(playlists));
    data.insert("count".into(), json!(count));
    Ok(respond(&state, 200, data).await)
}

pub fn scope() -> actix_web::Scope {
    web::scope("/feed")
        .service(resource("", vec![web::get().to(feed)]))
        .service(resource("/ranked", vec![web::get().to(ranked)]))
        .service(resource("/my-dreams", vec![web::get().to(my_dreams)]))
        .service(resource("/grouped", vec![web::get().to(grouped)]))
}
