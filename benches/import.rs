//! Importing a large district from CSV into SQLite, through the same code path as
//! `songjiao import`. Run: `cargo bench --bench import` (release build).
//! Target (issue 2): 10,000 students and their plans in under 5 s.

mod common;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_, store, seconds) = common::import_district(dir.path(), None, common::STUDENTS).await?;
    println!(
        "students and plans: {} each in {seconds:.2} s (target: under 5 s)",
        common::STUDENTS
    );
    store.close().await;
    Ok(())
}
