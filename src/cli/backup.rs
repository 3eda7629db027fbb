//! `backup FILE` and `restore FILE`.

use std::path::Path;

use super::{Context, hint};
use crate::store::Store;
use crate::store::backup;

pub async fn backup(context: &Context, file: &Path) -> anyhow::Result<()> {
    let store = context.store().await?;
    backup::backup(&store, &context.settings.database.url, file).await?;
    store.close().await;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!(
        "Backup written to {} ({:.1} MB). Restore it with `songjiao --database NEW restore {}`.",
        file.display(),
        size as f64 / 1_048_576.0,
        file.display()
    );
    Ok(())
}

pub async fn restore(context: &Context, file: &Path) -> anyhow::Result<()> {
    let settings = &context.settings.database;
    backup::restore(settings, file).await?;
    let store = Store::open(settings, false).await.map_err(hint)?;
    // A backup of an older version is brought up to this one.
    store.migrate().await?;
    let restored = store.restored().await?;
    store.close().await;
    println!(
        "Restored {} into {}: {} students, {} plans, {} visits ({} recorded); the integrity check passed.",
        file.display(),
        crate::config::url_without_password(&settings.url),
        restored.students,
        restored.plans,
        restored.visits,
        restored.recorded_visits
    );
    Ok(())
}
