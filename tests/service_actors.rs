//! Every use case of the service layer knows who asks: a public service function
//! that opens its own transaction (it takes the `Store`) takes the `Actor` too,
//! and checks what that actor may do there. The few that cannot have one are
//! listed here with the reason; a new function without an actor fails this test.
//! Functions taking a `Tx` run inside another use case's transaction and its
//! check; pure helpers take neither.

use std::path::Path;

/// Use cases that run before anyone is known, or with nobody behind them.
const WITHOUT_ACTOR: &[(&str, &str)] = &[
    (
        "accounts::set_password_by_link",
        "the link is the proof of who asks",
    ),
    (
        "accounts::link_is_valid",
        "the link is the proof of who asks",
    ),
    ("accounts::login", "it finds out who asks"),
    (
        "accounts::forgot_password",
        "nobody is known; the link goes only to the account's own email",
    ),
    ("accounts::login_code", "it finds out who asks"),
    ("accounts::session_actor", "it finds out who asks"),
    ("accounts::logout", "the session is the proof of who asks"),
    ("tokens::authenticate", "it finds out who asks"),
    (
        "calendar_feed::feed",
        "the feed's secret address is the proof",
    ),
    ("audit::keep_anchor", "the nightly job, nobody's request"),
    ("backup::nightly", "the nightly job, nobody's request"),
    (
        "school_calendar::load_corrections",
        "reads the corrected calendars into a process's settings at its start",
    ),
];

struct Function {
    name: String,
    params: String,
}

/// The public functions of one source file, with their parameter lists.
fn public_functions(source: &str) -> Vec<Function> {
    let mut found = Vec::new();
    for start in ["pub async fn ", "pub fn "] {
        let mut rest = source;
        while let Some(at) = rest.find(start) {
            let line_start = rest[..at].rfind('\n').map_or(0, |n| n + 1);
            let indented = at > line_start;
            rest = &rest[at + start.len()..];
            if indented {
                // A method or a nested item, not a service function.
                continue;
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let open = rest.find('(').expect("a function has parameters");
            let mut depth = 0;
            let mut end = open;
            for (i, c) in rest[open..].char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = open + i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            found.push(Function {
                name,
                params: rest[open + 1..end].to_string(),
            });
        }
    }
    found
}

#[test]
fn every_use_case_takes_the_actor() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/service");
    let mut use_cases = 0;
    let mut without = Vec::new();
    let mut allowed_seen = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("src/service")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    for path in files {
        let module = path.file_stem().unwrap().to_string_lossy().to_string();
        let source = std::fs::read_to_string(&path).expect("a source file");
        for function in public_functions(&source) {
            let opens_its_own = function.params.contains("&Store");
            if !opens_its_own {
                continue;
            }
            use_cases += 1;
            let full = format!("{module}::{}", function.name);
            let knows_who = function.params.contains("Actor");
            if WITHOUT_ACTOR.iter().any(|(name, _)| *name == full) {
                assert!(
                    !knows_who,
                    "{full} takes an actor now: take it off the list"
                );
                allowed_seen.push(full);
            } else if !knows_who {
                without.push(full);
            }
        }
    }
    assert!(
        use_cases > 80,
        "only {use_cases} use cases found: is the parser still right?"
    );
    assert!(
        without.is_empty(),
        "these service functions take no Actor: {without:#?}"
    );
    for (name, _) in WITHOUT_ACTOR {
        assert!(
            allowed_seen.contains(&name.to_string()),
            "{name} is listed but no longer exists"
        );
    }
}

#[test]
fn no_twin_bolts_a_check_onto_another_function() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/service");
    for entry in std::fs::read_dir(&dir).expect("src/service") {
        let path = entry.expect("an entry").path();
        let source = std::fs::read_to_string(&path).expect("a source file");
        for function in public_functions(&source) {
            assert!(
                !function.name.ends_with("_as"),
                "{}: {} is a scoped twin; check in the function itself",
                path.display(),
                function.name
            );
        }
    }
}

/// The doors (the command line, the pages and the API, the daemon and its jobs,
/// the reports they print) reach the database and the planner only through the
/// services, which own the types they hand out.
#[test]
fn doors_reach_the_store_and_the_planner_only_through_the_services() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut doors = vec![root.join("daemon.rs")];
    let mut folders = vec![
        root.join("cli"),
        root.join("web"),
        root.join("jobs"),
        root.join("reports"),
    ];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("a door's folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                doors.push(path);
            }
        }
    }
    let mut through = Vec::new();
    for path in &doors {
        let source = std::fs::read_to_string(path).expect("a source file");
        for (n, line) in source.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains("crate::store") || code.contains("crate::planner") {
                through.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(doors.len() > 40, "only {} door files found", doors.len());
    assert!(
        through.is_empty(),
        "doors reaching past the services: {through:#?}"
    );
}
