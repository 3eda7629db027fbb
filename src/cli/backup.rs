//! `backup FILE` and `restore FILE`.

use std::path::Path;

use super::{Context, hint};
use crate::service::{Store, backup};

pub async fn backup(context: &Context, file: &Path) -> anyhow::Result<()> {
    let store = context.store().await?;
    backup::copy(&store, &context.actor, &context.settings.database.url, file).await?;
    store.close().await;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let (file, megabytes) = (file.display(), size as f64 / 1_048_576.0);
    println!(
        "{}",
        context.say(
            format!(
                "备份已写入 {file}（{megabytes:.1} MB）。恢复：`songjiao --database 新数据库 restore {file}`。"
            ),
            format!(
                "Backup written to {file} ({megabytes:.1} MB). Restore it with `songjiao --database NEW restore {file}`."
            )
        )
    );
    Ok(())
}

pub async fn restore(context: &Context, file: &Path) -> anyhow::Result<()> {
    let settings = &context.settings.database;
    backup::restore(settings, file).await?;
    let store = Store::open(settings, false).await.map_err(hint)?;
    // A backup of an older version is brought up to this one.
    super::upgrade(context, &store).await?;
    let restored = store.restored().await?;
    store.close().await;
    let (file, url) = (
        file.display(),
        crate::config::url_without_password(&settings.url),
    );
    let r = &restored;
    println!(
        "{}",
        context.say(
            format!(
                "已把 {file} 恢复到 {url}：{} 名学生、{} 份送教方案、{} 次送教（已记录 {} 次）；完整性检查通过。",
                r.students, r.plans, r.visits, r.recorded_visits
            ),
            format!(
                "Restored {file} into {url}: {} students, {} plans, {} visits ({} recorded); the integrity check passed.",
                r.students, r.plans, r.visits, r.recorded_visits
            )
        )
    );
    Ok(())
}
