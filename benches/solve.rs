//! The planner on a district-sized week: 100,000 students and 20,000 teachers, an
//! over-full week (about a third of the visits cannot be placed). Two districts:
//! 200 schools whose backups are colleagues (as districts organise 送教), and a
//! stress case whose backups are anywhere in the district, which chains every
//! teacher into one problem.
//! Run: `cargo bench --bench solve` — times `planner::solve` in process and writes
//! the problems to target/solve-100k-{schools,anywhere}.json, so the command line
//! can be measured too: `/usr/bin/time -v target/release/songjiao solve
//! target/solve-100k-schools.json > /dev/null`.
//! Target (issue 17, with every soft goal): under 2 s wall time, under 400 MB peak memory.

use std::time::Instant;

use chrono::{Duration, NaiveDate};
use songjiao::planner::{DaySlot, PreviousSlot, Problem, StudentNeed, TeacherOffer, solve};

/// A deterministic pseudo-random sequence (no dependency needed for a generator).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % below as u64) as usize
    }
}

/// Where a child's backup teacher comes from.
#[derive(Clone, Copy)]
enum Backups {
    /// A colleague of the child's teacher, in a school of this many teachers.
    SameSchool(usize),
    /// Any teacher of the district.
    Anywhere,
}

fn district_week(students: usize, teachers: usize, seed: u64, backups: Backups) -> Problem {
    let mut rng = Lcg(seed);
    let monday = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let days: Vec<NaiveDate> = (0..5).map(|d| monday + Duration::days(d)).collect();
    let slots = ["AM", "PM"];
    let cell = |d: usize, s: usize| DaySlot {
        day: days[d],
        slot: slots[s].to_string(),
    };
    let teacher_offers: Vec<TeacherOffer> = (0..teachers)
        .map(|t| {
            let mut available: Vec<DaySlot> = Vec::new();
            for d in 0..5 {
                for s in 0..2 {
                    if rng.next(10) < 7 {
                        available.push(cell(d, s));
                    }
                }
            }
            TeacherOffer {
                id: format!("T{t:05}"),
                max_visits_per_day: 2,
                available,
            }
        })
        .collect();
    let needs: Vec<StudentNeed> = (0..students)
        .map(|i| {
            let teacher = rng.next(teachers);
            let backup = match backups {
                Backups::Anywhere => (teacher + 1 + rng.next(teachers - 1)) % teachers,
                Backups::SameSchool(size) => {
                    let school = teacher / size * size;
                    school + (teacher - school + 1 + rng.next(size - 1)) % size
                }
            };
            let mut available = Vec::new();
            while available.len() < 4 {
                let c = cell(rng.next(5), rng.next(2));
                if !available.contains(&c) {
                    available.push(c);
                }
            }
            let behind = rng.next(10);
            StudentNeed {
                id: format!("S{i:06}"),
                teacher: format!("T{teacher:05}"),
                backup_teacher: Some(format!("T{backup:05}")),
                visits_needed: if behind == 0 { 3 } else { 2 },
                priority: if behind == 0 { 2 } else { 0 },
                previous: vec![PreviousSlot {
                    weekday: chrono::Weekday::Mon,
                    slot: "AM".into(),
                }],
                available,
                current: vec![],
            }
        })
        .collect();
    Problem {
        week: "2026-W49".into(),
        days,
        slots: slots.map(String::from).to_vec(),
        teachers: teacher_offers,
        students: needs,
    }
}

fn main() -> anyhow::Result<()> {
    for (name, backups) in [
        ("schools", Backups::SameSchool(100)),
        ("anywhere", Backups::Anywhere),
    ] {
        measure(name, &district_week(100_000, 20_000, 49, backups))?;
    }
    Ok(())
}

fn measure(name: &str, problem: &Problem) -> anyhow::Result<()> {
    // The project's target folder, even when CARGO_TARGET_DIR builds elsewhere.
    let folder = format!("{}/target", env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(&folder)?;
    let path = format!("{folder}/solve-100k-{name}.json");
    std::fs::write(&path, serde_json::to_vec(problem)?)?;
    let mut best = f64::MAX;
    let mut schedule = None;
    for _ in 0..3 {
        let started = Instant::now();
        schedule = Some(solve(problem)?);
        best = best.min(started.elapsed().as_secs_f64());
    }
    let schedule = schedule.expect("solved at least once");
    let stats = &schedule.stats;
    println!(
        "solve ({name}): 100,000 students, 20,000 teachers: {} of {} visits placed, best of 3: {best:.3} s (target under 2 s)",
        stats.visits_placed, stats.visits_needed
    );
    println!(
        "  backup teacher's visits {} (optimal: {}), consecutive-day pairs {} (proven optimal: {}), last week's slots kept {} (proven optimal: {})",
        stats.backup_teacher_visits,
        stats.optimal.backup_teacher_visits,
        stats.consecutive_day_pairs,
        stats.optimal.consecutive_day_pairs,
        stats.previous_slots_kept,
        stats.optimal.previous_slots_kept
    );
    for level in &schedule.stats.by_priority {
        println!(
            "  priority {}: placed {} of {} (maximum {})",
            level.priority, level.placed, level.needed, level.maximum
        );
    }
    println!("  problem written to {path}");
    Ok(())
}
