//! The playlists actor: stateless apart from the pool; each handler returns a future
//! that checks out a connection and runs one `store`/`store_write` function, so slow
//! queries (recursive walks, locked writes waiting on each other) never block the
//! mailbox.

use actix::{Actor, Context, Supervised};

use super::messages::*;
use super::model::*;
use super::{store, store_items, store_write};
use crate::db::PgPool;
use crate::domain::db_handler;

/// Domain actors buffer up to this many requests before senders wait.
const MAILBOX: usize = 1024;

pub struct PlaylistsActor {
    pool: PgPool,
}

impl PlaylistsActor {
    pub fn new(pool: PgPool) -> Self {
        PlaylistsActor { pool }
    }
}

impl Actor for PlaylistsActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX);
    }
}

impl Supervised for PlaylistsActor {}

db_handler!(PlaylistsActor, List => (PlaylistBundle, i64), |c, m| store::list(&c, m.0, m.1));
db_handler!(PlaylistsActor, ByUuid => Option<PlaylistRow>, |c, m| store::by_uuid(&c, m.0));
db_handler!(PlaylistsActor, BundleById => Option<PlaylistBundle>, |c, m| store::bundle_by_id(&c, m.0, m.1));
db_handler!(PlaylistsActor, GetTotals => Totals, |c, m| store::totals(&c, m.0, m.1));
db_handler!(PlaylistsActor, Items => ItemsPage, |c, m| store_items::items(&c, m.0, m.1, m.2));
db_handler!(PlaylistsActor, Keyframes => KeyframesPage, |c, m| store_items::keyframes(&c, m.0, m.1, m.2));
db_handler!(PlaylistsActor, References => Vec<Reference>, |c, m| store_items::references(&c, m.0, m.1));
db_handler!(PlaylistsActor, CurrentOf => Option<i32>, |c, m| store::current_of(&c, m.0));
db_handler!(PlaylistsActor, Target => Option<(i32, i32, bool)>, |c, m| store::target(&c, m.0, m.1));
db_handler!(PlaylistsActor, KeyframeId => Option<i32>, |c, m| store::keyframe_id(&c, m.0));
db_handler!(PlaylistsActor, UserExists => bool, |c, m| store::user_exists(&c, m.0));
db_handler!(PlaylistsActor, Create => i32, |c, m| store_write::create(&mut c, m.0, m.1));
db_handler!(PlaylistsActor, Update => (), |c, m| store_write::update(&mut c, m.0, m.1));
db_handler!(PlaylistsActor, SetThumbnail => (), |c, m| store_write::set_thumbnail(&c, m.0, m.1));
db_handler!(PlaylistsActor, SoftDelete => (), |c, m| store_write::soft_delete(&mut c, m.0));
db_handler!(PlaylistsActor, Reorder => (), |c, m| store_write::reorder(&mut c, m.0, m.1));
db_handler!(PlaylistsActor, AddItem => AddOutcome, |c, m| store_write::add_item(&mut c, m.0, m.1, m.2));
db_handler!(PlaylistsActor, RemoveItem => (), |c, m| store_write::remove_item(&mut c, m.0, m.1));
db_handler!(PlaylistsActor, AddKeyframe => KeyframesPage, |c, m| store_write::add_keyframe(&mut c, m.0, m.1));
db_handler!(PlaylistsActor, RemoveKeyframe => (), |c, m| store_write::remove_keyframe(&mut c, m.0, m.1));
