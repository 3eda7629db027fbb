//! The real HTTP server for tests (port 0, a hand-set clock), a small district
//! with one account per role, and a client that logs in and reads pages.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use songjiao::config::Settings;
use songjiao::domain::access::{Role, Scope};
use songjiao::service::Actor;
use songjiao::service::accounts::{self, NewUser};
use songjiao::store::Store;
use songjiao::web::{App, Clock};

use super::TestDb;

pub const PASSWORD: &str = "correct horse battery";

pub fn settings_for(db: &TestDb) -> Settings {
    let mut settings = Settings::defaults();
    settings.database.url = db.url.clone();
    settings.mail.dir = db.dir.path().join("mail");
    settings
}

/// Two schools; S001 taught by T01 (T02 backup), S002 by T02, S003 (东山) by T03.
pub fn district(db: &TestDb) {
    db.ok(&["init"]);
    db.import(
        "teachers",
        "teacher_id,name,email,school,available\n\
         T01,王芳,t01@example.org,城关小学,Mon-AM Mon-PM Tue-AM Tue-PM Wed-AM Wed-PM Thu-AM Thu-PM Fri-AM Fri-PM\n\
         T02,李娜,t02@example.org,城关小学,Mon-AM Mon-PM Tue-AM Tue-PM Wed-AM Wed-PM Thu-AM Thu-PM Fri-AM Fri-PM\n\
         T03,赵敏,t03@example.org,东山小学,Mon-AM Mon-PM Tue-AM Tue-PM Wed-AM Wed-PM Thu-AM Thu-PM Fri-AM Fri-PM\n",
    );
    db.import(
        "students",
        "student_id,name,school,disability,guardian_name,guardian_phone,address,available\n\
         S001,李小明,城关小学,智力残疾,李强,13800138001,城关镇幸福路1号,Mon-AM Wed-AM Thu-PM\n\
         S002,王欣怡,城关小学,孤独症,王刚,13800138002,城关镇建设街2号,Tue-PM Thu-AM\n\
         S003,张子涵,东山小学,肢体残疾,张伟,13800138003,东山镇河滨路3号,Mon-PM Fri-AM\n",
    );
    db.import_as_of(
        "2026-08-20",
        "plans",
        "student_id,school_year,teacher_id,backup_teacher_id,goals\n\
         S001,2026-2027,T01,T02,认识数字\n\
         S002,2026-2027,T02,,能自己穿衣\n\
         S003,2026-2027,T03,,握笔\n",
    );
    // The week of 2026-11-30, planned the Friday before.
    db.ok(&["--as-of", "2026-11-27", "plan-week", "--week", "2026-W49"]);
}

/// (email, role, scope) of every account the tests log in with.
pub fn accounts() -> Vec<(&'static str, Role, Scope)> {
    let schools = |names: &[&str]| Scope::Schools {
        schools: names.iter().map(|s| s.to_string()).collect(),
    };
    vec![
        ("admin@example.org", Role::Admin, Scope::District),
        ("center@example.org", Role::Coordinator, Scope::District),
        (
            "chengguan@example.org",
            Role::Coordinator,
            schools(&["城关小学"]),
        ),
        (
            "t01@example.org",
            Role::Teacher,
            Scope::Teacher {
                teacher_id: "T01".into(),
            },
        ),
        (
            "t02@example.org",
            Role::Teacher,
            Scope::Teacher {
                teacher_id: "T02".into(),
            },
        ),
        (
            "dongshan@example.org",
            Role::Supervisor,
            schools(&["东山小学"]),
        ),
    ]
}

pub struct Server {
    pub base: String,
    pub clock: Arc<Mutex<DateTime<Utc>>>,
    pub store: Store,
    app: Arc<App>,
    address: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    serving: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// Serves `app` on `listener` until the sender is used.
fn listen(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(songjiao::web::serve(listener, app, async {
        let _ = stopped.await;
    }));
    (stop, serving)
}

impl Server {
    pub async fn start(settings: &Settings) -> Self {
        let store = Store::open(&settings.database, false).await.unwrap();
        for (email, role, scope) in accounts() {
            accounts::add_user(
                &store,
                settings,
                &Actor::new("test"),
                now(),
                NewUser {
                    email: email.into(),
                    name: email.split('@').next().unwrap().into(),
                    role,
                    scope,
                    password: Some(PASSWORD.into()),
                },
            )
            .await
            .unwrap();
        }
        Self::serve(settings, store).await
    }

    pub async fn serve(settings: &Settings, store: Store) -> Self {
        let clock = Arc::new(Mutex::new(now()));
        let shared = clock.clone();
        let app = Arc::new(App::new(
            store.clone(),
            settings.clone(),
            Vec::new(),
            Arc::new(move || *shared.lock().unwrap()) as Clock,
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address: SocketAddr = listener.local_addr().unwrap();
        let (stop, serving) = listen(app.clone(), listener);
        Server {
            base: format!("http://{address}"),
            clock,
            store,
            app,
            address,
            stop: Some(stop),
            serving: Some(serving),
        }
    }

    /// Stops answering, as if the network were gone: the port refuses.
    pub async fn pause(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(serving) = self.serving.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), serving).await;
        }
    }

    /// Answers again on the same address.
    pub async fn resume(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.address).await.unwrap();
        let (stop, serving) = listen(self.app.clone(), listener);
        self.stop = Some(stop);
        self.serving = Some(serving);
    }

    /// A server on a database whose accounts were made by an earlier `start`.
    pub async fn start_again(settings: &Settings) -> Self {
        Self::serve(
            settings,
            Store::open(&settings.database, false).await.unwrap(),
        )
        .await
    }

    pub fn advance(&self, by: Duration) {
        *self.clock.lock().unwrap() += by;
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.store.close().await;
    }
}

pub fn now() -> DateTime<Utc> {
    "2026-11-30T01:00:00Z".parse().unwrap()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Logs in; the session cookie's value.
pub async fn log_in(server: &Server, email: &str) -> String {
    let response = client()
        .post(format!("{}/login", server.base))
        .form(&[("username", email), ("password", PASSWORD), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "{email} logs in");
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    // Served on 127.0.0.1 the cookie may travel over plain HTTP.
    assert!(!cookie.contains("Secure"), "{cookie}");
    cookie
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, value)| value.to_string())
        .unwrap()
}

pub async fn get(server: &Server, session: Option<&str>, path: &str) -> reqwest::Response {
    let mut request = client().get(format!("{}{path}", server.base));
    if let Some(id) = session {
        request = request.header("cookie", format!("songjiao_session={id}"));
    }
    request.send().await.unwrap()
}

/// A page's text, read with a session.
pub async fn page(server: &Server, session: &str, path: &str) -> String {
    get(server, Some(session), path).await.text().await.unwrap()
}
