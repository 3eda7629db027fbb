//! The login flow in a real browser (Debian's chromium, driven through
//! chromedriver), on a phone-sized window: a teacher follows a link to a child's
//! page, logs in, reads it, logs out. Screenshots land in target/screenshots/.

mod common;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::TestDb;
use fantoccini::{ClientBuilder, Locator};
use songjiao::config::Settings;
use songjiao::domain::access::{Role, Scope};
use songjiao::service::Actor;
use songjiao::service::accounts::{self, NewUser};
use songjiao::store::Store;
use songjiao::web::{App, Clock};

const PASSWORD: &str = "correct horse battery";

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver() -> Driver {
    let port = common::mail::free_port();
    let mut child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver (apt-get install chromium chromium-driver; .ci/run does)");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Driver { child, url };
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("chromedriver did not start on port {port}");
}

/// The page is no wider than the phone: nobody scrolls sideways.
async fn fits_the_phone(browser: &fantoccini::Client, page: &str) {
    let wide = browser
        .execute("return document.documentElement.scrollWidth;", vec![])
        .await
        .unwrap();
    assert!(
        wide.as_u64().unwrap() <= 375,
        "{page}: {wide} px wide, no sideways scrolling on a 375 px phone"
    );
}

fn screenshots() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_teacher_logs_in_reads_a_child_and_logs_out_in_a_phone_browser() {
    let db = TestDb::sqlite();
    db.ok(&["init"]);
    db.import(
        "teachers",
        "teacher_id,name,email,school,available\nT01,王芳,t01@example.org,城关小学,Mon-AM Mon-PM Tue-AM Tue-PM Wed-AM Wed-PM Thu-AM Thu-PM Fri-AM Fri-PM\n",
    );
    db.import(
        "students",
        "student_id,name,school,guardian_name,guardian_phone,address,available\n\
         S001,李小明,城关小学,李强,13800138001,城关镇幸福路1号,Mon-PM Wed-AM Thu-PM\n",
    );
    db.import_as_of(
        "2026-08-20",
        "plans",
        "student_id,school_year,teacher_id,goals\nS001,2026-2027,T01,认识数字1-10；练习握笔\n",
    );
    db.ok(&["--as-of", "2026-11-27", "plan-week", "--week", "2026-W49"]);
    let mut settings = Settings::defaults();
    settings.database.url = db.url.clone();
    settings.mail.dir = db.dir.path().join("mail");
    let driver = start_driver();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = Store::open(&settings.database, false).await.unwrap();
        let now = "2026-11-30T01:00:00Z".parse().unwrap();
        accounts::add_user(
            &store,
            &settings,
            &Actor::new("test"),
            now,
            NewUser {
                email: "t01@example.org".into(),
                name: "王芳".into(),
                role: Role::Teacher,
                scope: Scope::Teacher {
                    teacher_id: "T01".into(),
                },
                password: Some(PASSWORD.into()),
            },
        )
        .await
        .unwrap();
        let app = Arc::new(App {
            store: store.clone(),
            settings: settings.clone(),
            jobs: Vec::new(),
            clock: Arc::new(move || now) as Clock,
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address: SocketAddr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(songjiao::web::serve(listener, app, async {
            let _ = stopped.await;
        }));
        let base = format!("http://{address}");

        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--lang=zh-CN", "--window-size=375,812"],
            }),
        );
        let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url)
            .await
            .expect("a chromium session through chromedriver");
        browser.set_window_size(375, 812).await.unwrap();
        let shots = screenshots();

        // A link to a child's page leads to the login page first.
        browser
            .goto(&format!("{base}/students/S001"))
            .await
            .unwrap();
        let url = browser.current_url().await.unwrap();
        assert_eq!(url.path(), "/login", "{url}");
        std::fs::write(shots.join("login.png"), browser.screenshot().await.unwrap()).unwrap();
        fits_the_phone(&browser, "the login page").await;

        browser
            .find(Locator::Css("input[name=username]"))
            .await
            .unwrap()
            .send_keys("t01@example.org")
            .await
            .unwrap();
        browser
            .find(Locator::Css("input[name=password]"))
            .await
            .unwrap()
            .send_keys(PASSWORD)
            .await
            .unwrap();
        browser
            .find(Locator::Css("form.stack button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        browser
            .wait()
            .for_element(Locator::Css("h1"))
            .await
            .unwrap();
        let url = browser.current_url().await.unwrap();
        assert_eq!(url.path(), "/students/S001", "back where the link pointed");
        let page = browser.source().await.unwrap();
        assert!(
            page.contains("李小明") && page.contains("认识数字1-10"),
            "{page}"
        );
        assert!(page.contains("tel:13800138001"));
        std::fs::write(
            shots.join("student.png"),
            browser.screenshot().await.unwrap(),
        )
        .unwrap();
        fits_the_phone(&browser, "the child's page").await;

        browser.goto(&format!("{base}/")).await.unwrap();
        let week = browser.source().await.unwrap();
        assert!(
            week.contains("我的送教")
                && week.contains("李小明")
                && week.contains("tel:13800138001"),
            "{week}"
        );
        std::fs::write(shots.join("week.png"), browser.screenshot().await.unwrap()).unwrap();
        fits_the_phone(&browser, "the week").await;
        for (path, name) in [
            ("/account", "account.png"),
            ("/account/totp", "second-factor.png"),
        ] {
            browser.goto(&format!("{base}{path}")).await.unwrap();
            std::fs::write(shots.join(name), browser.screenshot().await.unwrap()).unwrap();
            fits_the_phone(&browser, path).await;
        }
        browser.goto(&format!("{base}/")).await.unwrap();
        browser
            .find(Locator::Css("header form button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        browser
            .wait()
            .for_element(Locator::Css("input[name=username]"))
            .await
            .unwrap();
        browser
            .goto(&format!("{base}/students/S001"))
            .await
            .unwrap();
        assert_eq!(browser.current_url().await.unwrap().path(), "/login");
        browser.close().await.unwrap();
        let _ = stop.send(());
        store.close().await;
    });
}
