//! The plugin's JSON documents in the server's key-value store, one per user and kind,
//! cached in memory: the plugin is the only writer of its store, so the cache stays true.

use organizer_sdk::{Context, Status};
use serde::{de::DeserializeOwned, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

/// Documents of one kind, stored under `prefix` + id. A document never stored reads as
/// `T::default()`.
pub struct Docs<T> {
    prefix: &'static str,
    slots: Mutex<HashMap<String, Arc<Mutex<Option<T>>>>>,
}

impl<T> Docs<T>
where
    T: Default + Clone + Serialize + DeserializeOwned + Send,
{
    pub fn new(prefix: &'static str) -> Self {
        Docs {
            prefix,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn key(&self, id: &str) -> String {
        format!("{}{id}", self.prefix)
    }

    async fn slot(&self, id: &str) -> Arc<Mutex<Option<T>>> {
        self.slots.lock().await.entry(id.to_string()).or_default().clone()
    }

    /// Answers what `f` makes of the document, without copying it (this is on the
    /// authorization path: every file request asks).
    pub async fn read<R>(&self, ctx: &Context, id: &str, f: impl FnOnce(&T) -> R) -> Result<R, Status> {
        let slot = self.slot(id).await;
        let mut doc = slot.lock().await;
        if doc.is_none() {
            *doc = Some(ctx.inbox()?.kv_get_json(&self.key(id)).await?.unwrap_or_default());
        }
        Ok(f(doc.get_or_insert_with(T::default)))
    }

    pub async fn get(&self, ctx: &Context, id: &str) -> Result<T, Status> {
        self.read(ctx, id, T::clone).await
    }

    /// Changes the document under its lock and stores it; answers what `f` answers. When
    /// `f` fails or the store refuses, the document stays as it was.
    pub async fn update<R>(
        &self,
        ctx: &Context,
        id: &str,
        f: impl FnOnce(&mut T) -> Result<R, Status>,
    ) -> Result<R, Status> {
        let slot = self.slot(id).await;
        let mut doc = slot.lock().await;
        let inbox = ctx.inbox()?;
        let before = match doc.take() {
            Some(d) => d,
            None => inbox.kv_get_json(&self.key(id)).await?.unwrap_or_default(),
        };
        let mut after = before.clone();
        let r = f(&mut after);
        if r.is_ok() {
            if let Err(e) = inbox.kv_set_json(&self.key(id), &after).await {
                *doc = Some(before);
                return Err(e);
            }
        }
        *doc = Some(if r.is_ok() { after } else { before });
        r
    }
}
