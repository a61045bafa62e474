//! `dailies-server migrate-storage --to s3://…`: copies a local data directory's `media/`
//! into a bucket, object by object, skipping what is there already with the same size.

use super::Store;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// What a migration did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    pub copied: u64,
    pub skipped: u64,
    pub bytes: u64,
}

/// `dailies-server migrate-storage --to s3://…`: copies `DATA_DIR/media` into the bucket,
/// with the credentials of the configuration, and prints what it did.
pub fn run(config: &crate::config::Config, to_url: &str) -> Result<()> {
    let data_dir = config.data_dir.clone();
    let to = Store::open(
        to_url,
        config.storage_access_key_id.as_deref(),
        config.storage_secret_access_key.as_deref(),
    )?;
    anyhow::ensure!(!to.is_local(), "--to must be an s3:// URL");
    let media = data_dir.join("media");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let counts = rt.block_on(copy_media(&media, &to))?;
    println!(
        "copied {} objects ({} bytes), skipped {} already in {}",
        counts.copied,
        counts.bytes,
        counts.skipped,
        to.describe()
    );
    println!("now set storage_url = \"{to_url}\" and restart the server");
    Ok(())
}

/// Copies every file of `media/<id>/…` (one level of media directories, files and the
/// frames of image sequences below them) to the same key in `to`.
pub async fn copy_media(media: &Path, to: &Store) -> Result<Counts> {
    let there = to.list_all().await.context("listing the bucket")?;
    let mut counts = Counts::default();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = media.join(&rel);
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .collect::<std::io::Result<_>>()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = rel.join(&name);
            let kind = e.file_type()?;
            if kind.is_dir() {
                stack.push(rel);
                continue;
            }
            if !kind.is_file() || name.starts_with("tmp.") {
                continue;
            }
            let key = rel.to_string_lossy().into_owned();
            let size = e.metadata()?.len();
            if there.get(&key) == Some(&size) {
                counts.skipped += 1;
                continue;
            }
            // A top-level file under media/ is not a media's: keys are `<id>/<name>`.
            let Some((id, name)) = key.split_once('/') else {
                continue;
            };
            to.copy_file(id, name, &e.path())
                .await
                .with_context(|| format!("copying {key}"))?;
            counts.copied += 1;
            counts.bytes += size;
        }
    }
    Ok(counts)
}
