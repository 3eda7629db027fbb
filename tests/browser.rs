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

/// The server and the browser's client share it: two threads, so that neither
/// waits on the other.
fn browser_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A chromium session with a phone's window: 375×812, Chinese first.
async fn phone_browser(driver: &Driver) -> fantoccini::Client {
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
    browser
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
        "student_id,name,school,disability,guardian_name,guardian_phone,address,available\n\
         S001,李小明,城关小学,脑瘫,李强,13800138001,城关镇幸福路1号,Mon-PM Wed-AM Thu-PM\n",
    );
    db.import_as_of(
        "2026-08-20",
        "plans",
        "student_id,school_year,teacher_id,goals\nS001,2026-2027,T01,认识数字1-10；练习握笔\n",
    );
    db.ok(&["--as-of", "2026-11-27", "plan-week", "--week", "2026-W49"]);
    let settings = common::web::settings_for(&db);
    let driver = start_driver();

    let runtime = browser_runtime();
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
        let app = Arc::new(App::new(
            store.clone(),
            settings.clone(),
            Vec::new(),
            Arc::new(move || now) as Clock,
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address: SocketAddr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(songjiao::web::serve(listener, app, async {
            let _ = stopped.await;
        }));
        let base = format!("http://{address}");

        let browser = phone_browser(&driver).await;
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

        submit_login(&browser, "t01@example.org").await;
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
        assert!(
            page.contains("脑瘫") && page.contains("肢体残疾"),
            "the diagnosis, for the child's teacher: {page}"
        );
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
        assert_eq!(browser.title().await.unwrap(), "我的送教 · 送教上门平台");
        browser
            .find(Locator::Css("a[href='/leave']"))
            .await
            .expect("the week offers to ask for leave");
        std::fs::write(shots.join("week.png"), browser.screenshot().await.unwrap()).unwrap();
        fits_the_phone(&browser, "the week").await;
        for (path, name) in [
            ("/account", "account.png"),
            ("/account/totp", "second-factor.png"),
            ("/leave", "leave.png"),
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

/// chromedriver's own command: DevTools network conditions, offline or not.
#[derive(Debug)]
struct NetworkConditions {
    offline: bool,
}

impl fantoccini::wd::WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/chromium/network_conditions",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let conditions = serde_json::json!({ "network_conditions": {
            "offline": self.offline, "latency": 0,
            "download_throughput": -1, "upload_throughput": -1,
        }});
        (axum::http::Method::POST, Some(conditions.to_string()))
    }
}

/// Waits (up to 20 s) until `condition`, a JavaScript expression, is true.
async fn until(browser: &fantoccini::Client, condition: &str, what: &str) {
    for _ in 0..100 {
        let value = browser
            .execute(&format!("return !!({condition});"), vec![])
            .await
            .unwrap_or_default();
        if value.as_bool() == Some(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let page = browser.source().await.unwrap_or_default();
    panic!("waited 20 s for {what} ({condition}): {page}");
}

async fn log_in_as(browser: &fantoccini::Client, base: &str, email: &str) {
    browser.goto(&format!("{base}/login?next=/")).await.unwrap();
    submit_login(browser, email).await;
    until(
        browser,
        "location.pathname === '/'",
        "the week after logging in",
    )
    .await;
}

/// Fills the login page's form and sends it.
async fn submit_login(browser: &fantoccini::Client, email: &str) {
    for (field, value) in [("username", email), ("password", PASSWORD)] {
        browser
            .find(Locator::Css(&format!("input[name={field}]")))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    browser
        .find(Locator::Css("form.stack button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Goes to `url` and waits for `ready` (a CSS selector) to be on the page.
async fn open(browser: &fantoccini::Client, url: &str, ready: &str) {
    browser.goto(url).await.unwrap();
    until(browser, &format!("document.querySelector('{ready}')"), url).await;
}

async fn click(browser: &fantoccini::Client, css: &str) {
    let element = browser.find(Locator::Css(css)).await.unwrap();
    browser
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![serde_json::to_value(&element).unwrap()],
        )
        .await
        .unwrap();
    element.click().await.unwrap();
}

async fn shoot(browser: &fantoccini::Client, name: &str) {
    std::fs::write(
        screenshots().join(name),
        browser.screenshot().await.unwrap(),
    )
    .unwrap();
    fits_the_phone(browser, name).await;
}

/// A finger's stroke across the signature pad.
async fn sign(browser: &fantoccini::Client) {
    use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
    let pad = browser.find(Locator::Css("#signature-pad")).await.unwrap();
    browser
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![serde_json::to_value(&pad).unwrap()],
        )
        .await
        .unwrap();
    let stroke = MouseActions::new("finger".into())
        .then(PointerAction::MoveToElement {
            element: pad,
            duration: None,
            x: -120.0,
            y: 10.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        });
    let stroke = [(60.0, -40.0), (50.0, 50.0), (60.0, -40.0), (40.0, 30.0)]
        .into_iter()
        .fold(stroke, |s, (x, y)| {
            s.then(PointerAction::MoveBy {
                duration: Some(Duration::from_millis(80)),
                x,
                y,
            })
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    browser.perform_actions(stroke).await.unwrap();
}

fn first_column(db: &TestDb, query: &str) -> Vec<String> {
    std::thread::scope(|s| s.spawn(|| db.sql_rows(query)).join().unwrap())
}

#[test]
fn a_teacher_records_visits_at_the_door_online_and_offline() {
    use common::web::{Server, district, now, settings_for};
    let db = TestDb::sqlite();
    district(&db);
    let settings = settings_for(&db);
    let visits: Vec<(i64, chrono::NaiveDate)> = first_column(
        &db,
        "SELECT CAST(v.id AS TEXT) || ' ' || v.day FROM visits v JOIN plans p ON p.id = v.plan_id
         WHERE p.student_id = 'S001' AND v.status = 'planned' ORDER BY v.day",
    )
    .iter()
    .map(|row| {
        let (id, day) = row.split_once(' ').unwrap();
        (id.parse().unwrap(), day.parse().unwrap())
    })
    .collect();
    let [(first, first_day), (second, second_day), _] = visits[..] else {
        panic!("S001 has three visits this week: {visits:?}");
    };
    let photo = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/photo-with-location.jpg"
    );
    let big = db.file("big.jpg", vec![0xFFu8; 10 * 1024 * 1024]);
    let text = db.file("list.jpg", "rice, eggs, soy sauce");
    let driver = start_driver();
    let runtime = browser_runtime();
    runtime.block_on(async {
        let mut server = Server::start(&settings).await;
        let base = server.base.clone();
        server.advance(chrono::Duration::days((first_day - now().date_naive()).num_days()));
        let browser = phone_browser(&driver).await;
        log_in_as(&browser, &base, "t01@example.org").await;
        shoot(&browser, "week-to-record.png").await;

        // Online: a completed visit with a drawn signature and a photo.
        click(&browser, &format!("#visit-{first} a[data-record]")).await;
        until(&browser, "document.querySelector('form#record')", "the record form").await;
        shoot(&browser, "record-form.png").await;
        click(&browser, "input[name=outcome][value=completed] + span").await;
        for (css, value) in [
            ("textarea[name$=_taught]", "数 1 到 10，用积木"),
            ("textarea[name$=_response]", "能数到 8"),
            ("textarea[name=family_practice]", "晚饭前一起数碗筷"),
            ("input[name=guardian_name]", "李强"),
        ] {
            browser
                .find(Locator::Css(css))
                .await
                .unwrap()
                .send_keys(value)
                .await
                .unwrap();
        }
        sign(&browser).await;
        browser
            .find(Locator::Css("#photos"))
            .await
            .unwrap()
            .send_keys(photo)
            .await
            .unwrap();
        until(&browser, "document.querySelector('#photo-previews img')", "the photo's preview").await;
        shoot(&browser, "record-signed.png").await;
        click(&browser, "button.save").await;
        until(
            &browser,
            &format!("location.pathname === '/' && document.querySelector('#visit-{first}.state-recorded')"),
            "the week with the visit recorded",
        )
        .await;
        shoot(&browser, "week-recorded.png").await;
        let files = first_column(
            &db,
            &format!("SELECT kind FROM visit_files WHERE visit_id = {first} ORDER BY kind"),
        );
        assert_eq!(files, ["photo", "signature"]);
        let signature = first_column(
            &db,
            &format!("SELECT CAST(LENGTH(bytes) AS TEXT) FROM visit_files WHERE visit_id = {first} AND kind = 'signature'"),
        );
        assert!(signature[0].parse::<usize>().unwrap() > 500, "a drawn signature: {signature:?}");

        // A second teacher cannot open the first one's record page.
        log_in_as(&browser, &base, "t02@example.org").await;
        browser
            .goto(&format!("{base}/visits/{first}/record"))
            .await
            .unwrap();
        let page = browser.source().await.unwrap();
        assert!(page.contains("找不到") && !page.contains("form id=\"record\""), "{page}");

        // Files that are not photos, or too large: told at once, by name.
        log_in_as(&browser, &base, "t01@example.org").await;
        browser
            .goto(&format!("{base}/visits/{first}/record"))
            .await
            .unwrap();
        let picker = browser.find(Locator::Css("#photos")).await.unwrap();
        picker.send_keys(common::path(&big)).await.unwrap();
        until(&browser, "document.querySelector('#record-status').textContent.includes('照片太大')", "too large").await;
        assert!(browser.source().await.unwrap().contains("big.jpg (10.0 MB)"));
        shoot(&browser, "record-photo-too-large.png").await;
        picker.clear().await.unwrap();
        picker.send_keys(common::path(&text)).await.unwrap();
        click(&browser, "button.save").await;
        until(&browser, "document.querySelector('#record-status').textContent.includes('不是照片')", "not an image").await;
        assert!(browser.source().await.unwrap().contains("list.jpg"));
        shoot(&browser, "record-not-a-photo.png").await;

        // Offline: the record waits on the phone, then arrives once.
        server.advance(chrono::Duration::days((second_day - first_day).num_days()));
        log_in_as(&browser, &base, "t01@example.org").await;
        browser
            .execute_async("navigator.serviceWorker.ready.then(() => arguments[0]());", vec![])
            .await
            .unwrap();
        browser.refresh().await.unwrap();
        until(&browser, "navigator.serviceWorker.controller", "the service worker").await;
        click(&browser, &format!("#visit-{second} a[data-record]")).await;
        until(&browser, "document.querySelector('form#record')", "the second record form").await;
        browser.issue_cmd(NetworkConditions { offline: true }).await.unwrap();
        click(&browser, "input[name=outcome][value=completed] + span").await;
        click(&browser, "button.save").await;
        until(&browser, "document.querySelector('#record-status').textContent.includes('待上传')", "待上传").await;
        shoot(&browser, "record-queued.png").await;
        let recorded = |db: &TestDb| {
            first_column(
                db,
                &format!("SELECT CAST(record_version AS TEXT) FROM visits WHERE id = {second}"),
            )
        };
        assert_eq!(recorded(&db), ["0"], "nothing reached the server");
        browser.goto(&format!("{base}/")).await.unwrap();
        until(
            &browser,
            &format!("document.querySelector('#visit-{second} [data-queued-badge]')"),
            "the week showing the record waiting",
        )
        .await;
        shoot(&browser, "week-queued.png").await;
        browser.issue_cmd(NetworkConditions { offline: false }).await.unwrap();
        until(
            &browser,
            &format!("document.querySelector('#visit-{second}.state-recorded') && !document.querySelector('[data-queued-badge]')"),
            "the record arriving when the network returns",
        )
        .await;
        assert_eq!(recorded(&db), ["1"], "stored once");
        let sent = first_column(
            &db,
            &format!("SELECT CAST(COUNT(*) AS TEXT) FROM record_submissions WHERE visit_id = {second}"),
        );
        assert_eq!(sent, ["1"]);
        shoot(&browser, "week-after-upload.png").await;

        // A record made offline while a coordinator recorded the same visit: the
        // teacher sees both and chooses; nothing is overwritten silently.
        let (third, third_day) = visits[2];
        // In the afternoon: S001's Thursday visit is at 14:30.
        server.advance(
            chrono::Duration::days((third_day - second_day).num_days()) + chrono::Duration::hours(7),
        );
        log_in_as(&browser, &base, "t01@example.org").await;
        browser
            .goto(&format!("{base}/visits/{third}/record"))
            .await
            .unwrap();
        until(&browser, "document.querySelector('form#record')", "the third record form").await;
        browser.issue_cmd(NetworkConditions { offline: true }).await.unwrap();
        click(&browser, "input[name=outcome][value=completed] + span").await;
        click(&browser, "button.save").await;
        until(&browser, "document.querySelector('#record-status').textContent.includes('待上传')", "待上传").await;
        let coordinator = common::web::log_in(&server, "chengguan@example.org").await;
        let missed = reqwest::multipart::Form::new()
            .text("outcome", "missed")
            .text("reason", "student_ill");
        let response = common::web::client()
            .post(format!("{base}/visits/{third}/record"))
            .header("cookie", format!("songjiao_session={coordinator}"))
            .header("accept", "application/json")
            .header("origin", &base)
            .multipart(missed)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "the coordinator records it meanwhile");
        browser.goto(&format!("{base}/")).await.unwrap();
        browser.issue_cmd(NetworkConditions { offline: false }).await.unwrap();
        until(
            &browser,
            &format!("document.querySelector('#queue-status a[href=\"/visits/{third}/record\"]')"),
            "the week asking the teacher to settle the change",
        )
        .await;
        shoot(&browser, "week-conflict.png").await;
        click(&browser, &format!("#queue-status a[href=\"/visits/{third}/record\"]")).await;
        until(&browser, "document.querySelector('.conflict button')", "both records side by side").await;
        let panel = browser.find(Locator::Css(".conflict")).await.unwrap().text().await.unwrap();
        assert!(panel.contains("未完成") && panel.contains("完成") && panel.contains("chengguan@example.org"), "{panel}");
        shoot(&browser, "record-conflict.png").await;
        click(&browser, ".conflict button:not(.secondary)").await;
        until(
            &browser,
            "location.pathname === '/' || (document.querySelector('#record-status') || {}).textContent.includes('记录已保存')",
            "the teacher's record kept",
        )
        .await;
        let third_now = first_column(
            &db,
            &format!("SELECT outcome || ' ' || CAST(record_version AS TEXT) FROM visits WHERE id = {third}"),
        );
        assert_eq!(third_now, ["completed 2"], "the teacher chose theirs, knowingly");

        // No network at all (the server gone): the week and the record form
        // opened before still show, from the service worker's copies.
        server.pause().await;
        browser.goto(&format!("{base}/")).await.unwrap();
        until(&browser, "document.body.textContent.includes('我的送教')", "the week without a network").await;
        browser
            .goto(&format!("{base}/visits/{second}/record"))
            .await
            .unwrap();
        until(&browser, "document.querySelector('form#record')", "the record form without a network").await;
        shoot(&browser, "record-form-offline.png").await;
        server.resume().await;
        browser.close().await.unwrap();
        server.stop().await;
    });
}

#[test]
fn the_district_at_a_glance_on_a_phone_and_a_laptop() {
    use common::web::{Server, district, settings_for};
    let db = TestDb::sqlite();
    district(&db);
    let monday = first_column(
        &db,
        "SELECT CAST(v.id AS TEXT) FROM visits v JOIN plans p ON p.id = v.plan_id
         WHERE p.student_id = 'S001' AND v.day = '2026-11-30'",
    );
    db.ok(&[
        "--as-of",
        "2026-11-30T11:30:00+08:00",
        "visit",
        "record",
        &monday[0],
        "--outcome",
        "completed",
    ]);
    db.ok(&[
        "--as-of",
        "2026-11-30T11:30:00+08:00",
        "run-job",
        "check-pace",
    ]);
    let settings = settings_for(&db);
    let driver = start_driver();
    let runtime = browser_runtime();
    runtime.block_on(async {
        let server = Server::start(&settings).await;
        let browser = phone_browser(&driver).await;
        log_in_as(&browser, &server.base, "center@example.org").await;
        until(
            &browser,
            "document.querySelector('svg.bar-chart')",
            "the dashboard",
        )
        .await;
        shoot(&browser, "dashboard.png").await;
        let base = &server.base;
        open(&browser, &format!("{base}/students/S001"), "svg.pace-chart").await;
        for (part, shot) in [
            ("figure.chart", "student-chart.png"),
            (".history", "student-history.png"),
        ] {
            browser
                .execute(
                    &format!("document.querySelector('{part}').scrollIntoView();"),
                    vec![],
                )
                .await
                .unwrap();
            shoot(&browser, shot).await;
        }
        // A sheet with a bad row, uploaded in the browser: the problems as a table.
        let sheet = db.file(
            "学生.csv",
            "学生编号,姓名,学校,可送教时段\nS101,陈晨,城关小学,Mon-AM\nS102,,城关小学,Tue-XX\n",
        );
        open(&browser, &format!("{base}/imports"), "input[type=file]").await;
        browser
            .find(Locator::Css("input[type=file]"))
            .await
            .unwrap()
            .send_keys(common::path(&sheet))
            .await
            .unwrap();
        click(&browser, "form.stack button[type=submit]").await;
        until(
            &browser,
            "document.querySelector('.problems-table')",
            "the problems table",
        )
        .await;
        shoot(&browser, "imports-refused.png").await;
        // Every table sorts by a tapped heading.
        open(&browser, &format!("{base}/students"), "table.sortable").await;
        let first = "document.querySelector('table.sortable tbody tr td:nth-child(2)').textContent";
        click(&browser, "table.sortable thead th:nth-child(2)").await;
        until(&browser, &format!("{first} === 'S001'"), "ascending by id").await;
        click(&browser, "table.sortable thead th:nth-child(2)").await;
        until(&browser, &format!("{first} === 'S003'"), "descending by id").await;
        shoot(&browser, "students.png").await;
        open(
            &browser,
            &format!("{base}/students/S001/plan"),
            "form.plan-form",
        )
        .await;
        shoot(&browser, "plan-form.png").await;
        open(
            &browser,
            &format!("{base}/students/S001/edit"),
            "fieldset.week-grid",
        )
        .await;
        browser
            .execute(
                "document.querySelector('fieldset.week-grid').scrollIntoView();",
                vec![],
            )
            .await
            .unwrap();
        shoot(&browser, "student-edit.png").await;
        open(
            &browser,
            &format!("{base}/school-calendar"),
            "table.month-grid",
        )
        .await;
        shoot(&browser, "school-calendar.png").await;
        // A day without school announced late: corrected on the phone, with its reason.
        open(
            &browser,
            &format!("{base}/school-calendar/2026-2027/entry?at=holiday:new"),
            "input[name=reason]",
        )
        .await;
        browser
            .execute(
                "document.querySelector('input[name=name]').value = '暴雪停课';
                 document.querySelector('input[name=start]').value = '2026-12-02';
                 document.querySelector('input[name=end]').value = '2026-12-02';
                 document.querySelector('input[name=reason]').value = '县教育局通知12月2日停课';",
                vec![],
            )
            .await
            .unwrap();
        shoot(&browser, "calendar-entry.png").await;
        click(&browser, "form.stack button[type=submit]").await;
        until(
            &browser,
            "document.querySelector('p.notice[role=status]') && document.querySelector('div.notice a[href=\"/weeks/2026-W49\"]')",
            "the correction saved, the week to plan again",
        )
        .await;
        shoot(&browser, "school-calendar-corrected.png").await;
        browser
            .execute(
                "document.querySelector('#entries').scrollIntoView();",
                vec![],
            )
            .await
            .unwrap();
        shoot(&browser, "school-calendar-entries.png").await;
        open(&browser, &format!("{base}/weeks/2026-W49"), "table.board").await;
        shoot(&browser, "board.png").await;
        browser.set_window_size(1366, 768).await.unwrap();
        std::fs::write(
            screenshots().join("board-laptop.png"),
            browser.screenshot().await.unwrap(),
        )
        .unwrap();
        browser
            .goto(&format!("{}/school-calendar", server.base))
            .await
            .unwrap();
        std::fs::write(
            screenshots().join("school-calendar-laptop.png"),
            browser.screenshot().await.unwrap(),
        )
        .unwrap();
        browser.goto(&format!("{}/", server.base)).await.unwrap();
        std::fs::write(
            screenshots().join("dashboard-laptop.png"),
            browser.screenshot().await.unwrap(),
        )
        .unwrap();
        browser.close().await.unwrap();
        server.stop().await;
    });
}

/// Picks `value` in the select named `name`.
async fn choose(browser: &fantoccini::Client, name: &str, value: &str) {
    browser
        .find(Locator::Css(&format!("select[name={name}]")))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

/// Uploads a sheet on /imports: checked first, then imported on confirmation.
async fn import_sheet(
    browser: &fantoccini::Client,
    base: &str,
    kind: &str,
    file: &std::path::Path,
) {
    open(browser, &format!("{base}/imports"), "input[type=file]").await;
    choose(browser, "kind", kind).await;
    browser
        .find(Locator::Css("input[type=file]"))
        .await
        .unwrap()
        .send_keys(common::path(file))
        .await
        .unwrap();
    click(browser, "form.stack button[type=submit]").await;
    until(
        browser,
        "document.body.textContent.includes('检查通过')",
        "the sheet checked",
    )
    .await;
    std::fs::write(
        screenshots().join(format!("import-checked-{kind}.png")),
        browser.screenshot().await.unwrap(),
    )
    .unwrap();
    click(browser, "form[action='/imports/apply'] button").await;
    until(
        browser,
        "document.body.textContent.includes('已导入')",
        "the sheet imported",
    )
    .await;
}

#[test]
fn a_coordinators_first_day_in_the_browser() {
    use common::web::{Server, settings_for};
    let db = TestDb::sqlite();
    db.ok(&["init"]);
    let settings = settings_for(&db);
    let all = "Mon-AM Mon-PM Tue-AM Tue-PM Wed-AM Wed-PM Thu-AM Thu-PM Fri-AM Fri-PM";
    let teachers = db.file(
        "教师.csv",
        format!(
            "教师编号,姓名,邮箱,学校,可送教时段\nT01,王芳,t01@example.org,城关小学,{all}\nT02,李娜,t02@example.org,城关小学,{all}\nT03,赵敏,t03@example.org,东山小学,{all}\n"
        ),
    );
    let bad_students = db.file(
        "学生-有错.csv",
        "学生编号,姓名,学校,可送教时段\nS001,李小明,城关小学,Mon-AM Wed-AM Thu-PM\nS002,王欣怡,城关小学,Tue-PM Thu-AM\nS003,,东山小学,Mon-PM Fri-AM\n",
    );
    let students = db.file(
        "学生.csv",
        "学生编号,姓名,学校,可送教时段,残疾类别\nS001,李小明,城关小学,Mon-AM Wed-AM Thu-PM,肢体残疾二级\nS002,王欣怡,城关小学,Tue-PM Thu-AM,孤独症谱系障碍\nS003,张子涵,东山小学,Mon-PM Fri-AM,雷特综合征\n",
    );
    let plans = db.file(
        "方案.csv",
        "学生编号,学年,送教教师,备岗教师,教学目标\nS001,2026-2027,T01,T02,认识数字\nS002,2026-2027,T02,,能自己穿衣\nS003,2026-2027,T03,,握笔\n",
    );
    let driver = start_driver();
    let runtime = browser_runtime();
    runtime.block_on(async {
        // An empty district with its coordinator's account; the rest comes from sheets.
        let store = Store::open(&settings.database, false).await.unwrap();
        let account = |email: &str, role, scope| NewUser {
            email: email.into(),
            name: email.split('@').next().unwrap().into(),
            role,
            scope,
            password: Some(PASSWORD.into()),
        };
        let now = common::web::now();
        accounts::add_user(&store, &settings, &Actor::new("test"), now, account("center@example.org", Role::Coordinator, Scope::District))
            .await
            .unwrap();
        let mut server = Server::serve(&settings, store).await;
        // Friday 27 November, 15:00: the coordinator sets up the district.
        server.advance(chrono::Duration::hours(-66));
        let base = server.base.clone();
        let browser = phone_browser(&driver).await;
        browser.set_window_size(1366, 900).await.unwrap();
        log_in_as(&browser, &base, "center@example.org").await;
        import_sheet(&browser, &base, "teachers", &teachers).await;

        // A students sheet with a bad row: the table of problems, nothing imported.
        open(&browser, &format!("{base}/imports"), "input[type=file]").await;
        choose(&browser, "kind", "students").await;
        browser
            .find(Locator::Css("input[type=file]"))
            .await
            .unwrap()
            .send_keys(common::path(&bad_students))
            .await
            .unwrap();
        click(&browser, "form.stack button[type=submit]").await;
        until(&browser, "document.querySelector('.problems-table')", "the problems").await;
        let problems = browser.find(Locator::Css(".problems-table")).await.unwrap().text().await.unwrap();
        assert!(problems.contains('4') && problems.contains("姓名") && problems.contains("必填"), "line 4, column name: {problems}");
        std::fs::write(screenshots().join("first-day-problems.png"), browser.screenshot().await.unwrap()).unwrap();
        import_sheet(&browser, &base, "students", &students).await;
        import_sheet(&browser, &base, "plans", &plans).await;

        // Plan the coming week from its board: the preview, then on confirmation.
        open(&browser, &format!("{base}/weeks/2026-W49"), "table.board").await;
        click(&browser, "form[action='/weeks/2026-W49/plan'] button").await;
        until(&browser, "document.body.textContent.includes('排课预览')", "the preview").await;
        click(&browser, "form[action='/weeks/2026-W49/plan'] button").await;
        until(
            &browser,
            "!document.querySelector('#preview') && document.body.textContent.includes('已排课')",
            "the week planned, and said so",
        )
        .await;
        let cells = browser
            .execute("return document.querySelectorAll('table.board td a').length;", vec![])
            .await
            .unwrap();
        assert!(cells.as_u64().unwrap() >= 5, "visits on the board: {cells}");
        std::fs::write(screenshots().join("first-day-board.png"), browser.screenshot().await.unwrap()).unwrap();

        // Move one visit by hand, with the reason.
        click(&browser, "table.board td a[href$='/move']").await;
        until(&browser, "document.querySelector('select[name=day]')", "the move form").await;
        let day = browser
            .execute("var s = document.querySelector('select[name=day]'); return s.options[s.options.length - 1].value;", vec![])
            .await
            .unwrap();
        choose(&browser, "day", day.as_str().unwrap()).await;
        browser
            .find(Locator::Css("form[action$='/move'] input[name=reason]"))
            .await
            .unwrap()
            .send_keys("家长要求改到周五")
            .await
            .unwrap();
        click(&browser, "form[action$='/move'] button").await;
        until(&browser, "document.body.textContent.includes('手动')", "the moved visit marked").await;
        let moved = first_column(&db, "SELECT hand_reason FROM visits WHERE pinned = 1");
        assert_eq!(moved, ["家长要求改到周五"]);

        // A child's chart.
        open(&browser, &format!("{base}/students/S001"), "svg.pace-chart").await;

        // Three weeks later nothing was recorded: check-pace opens alerts.
        db.ok(&["--as-of", "2026-12-21", "run-job", "check-pace"]);
        server.advance(chrono::Duration::days(24));
        // A supervisor of 东山小学: that school only, another school's child not found.
        let schools = Scope::Schools { schools: vec!["东山小学".into()] };
        accounts::add_user(&server.store, &settings, &Actor::new("test"), now, account("dongshan@example.org", Role::Supervisor, schools))
            .await
            .unwrap();
        log_in_as(&browser, &base, "dongshan@example.org").await;
        let home = browser.source().await.unwrap();
        assert!(home.contains("张子涵") && !home.contains("李小明"), "{home}");
        browser.goto(&format!("{base}/students/S001")).await.unwrap();
        assert!(browser.source().await.unwrap().contains("找不到"));
        open(&browser, &format!("{base}/"), "form[action$=\"/ack\"]").await;
        click(&browser, "form[action$='/ack'] input[name=alert]").await;
        browser
            .find(Locator::Css("form[action$='/ack'] input[name=note]"))
            .await
            .unwrap()
            .send_keys("已和学校商量补课")
            .await
            .unwrap();
        click(&browser, "form[action$='/ack'] button").await;
        until(&browser, "document.body.textContent.includes('已确认')", "the alert acknowledged").await;
        std::fs::write(screenshots().join("first-day-supervisor.png"), browser.screenshot().await.unwrap()).unwrap();
        let acknowledged = first_column(&db, "SELECT ack_note FROM alerts WHERE ack_note IS NOT NULL");
        assert_eq!(acknowledged, ["已和学校商量补课"]);
        browser.close().await.unwrap();
        server.pause().await;
        server.stop().await;
    });
}

/// Issue 37 in a real browser, on a phone and on a laptop: the work list with
/// the week nobody planned first, alerts acknowledged several at once with the
/// message after, the week planned from a preview that lists the children not
/// placed and why, and the audit a page at a time.
#[test]
fn the_work_list_plans_acknowledges_and_audits_in_the_browser() {
    use common::web::{Server, district, settings_for};
    let db = TestDb::sqlite();
    district(&db);
    // 赵敏 away the coming week: 张子涵 cannot be placed.
    db.ok(&[
        "teacher",
        "leave",
        "add",
        "T03",
        "--from",
        "2026-12-07",
        "--to",
        "2026-12-11",
        "--reason",
        "培训",
    ]);
    db.ok(&[
        "--as-of",
        "2026-12-07T07:00:00+08:00",
        "run-job",
        "check-pace",
    ]);
    let settings = settings_for(&db);
    let driver = start_driver();
    let runtime = browser_runtime();
    runtime.block_on(async {
        let server = Server::start(&settings).await;
        // Monday 2026-12-07, 09:00: nobody planned this week.
        *server.clock.lock().unwrap() = "2026-12-07T01:00:00Z".parse().unwrap();
        let base = &server.base;
        let browser = phone_browser(&driver).await;
        log_in_as(&browser, base, "center@example.org").await;
        until(&browser, "document.querySelector('#to-plan')", "the week to plan").await;
        let first = browser
            .execute("return document.querySelector('.work').id;", vec![])
            .await
            .unwrap();
        assert_eq!(first, "to-plan", "the unplanned week is the first thing to do");
        let to_plan = browser.find(Locator::Css("#to-plan")).await.unwrap().text().await.unwrap();
        assert!(to_plan.contains("第15周（12月7日–11日）") && to_plan.contains("去排课"), "{to_plan}");
        shoot(&browser, "work-list.png").await;

        // Two alerts acknowledged at once, with one note.
        let boxes = browser
            .execute("return document.querySelectorAll('input[name=alert]').length;", vec![])
            .await
            .unwrap();
        assert!(boxes.as_u64().unwrap() >= 2, "{boxes} alerts to tick");
        browser
            .execute(
                "var boxes = document.querySelectorAll('input[name=alert]');
                 boxes[0].click(); boxes[1].click();
                 document.querySelector('input[name=note]').value = '已电话联系家长，约好补课';",
                vec![],
            )
            .await
            .unwrap();
        click(&browser, "#alerts button[type=submit]").await;
        until(
            &browser,
            "document.querySelector('p.notice.ok[role=status]') && document.querySelector('p.notice.ok').textContent.includes('已确认 2 条预警')",
            "the acknowledgement said",
        )
        .await;
        shoot(&browser, "work-list-acknowledged.png").await;

        // The week planned from its preview: the grid, and who is not placed, why.
        click(&browser, "#to-plan a.button").await;
        until(&browser, "location.pathname === '/weeks/2026-W50'", "the week's board").await;
        click(&browser, "form.actions button[type=submit]").await;
        until(&browser, "document.querySelector('#preview')", "the preview").await;
        let preview = browser.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
        for shown in ["排课预览（尚未保存）", "本周未能安排的送教", "张子涵", "赵敏老师", "人手建议", "新增"] {
            assert!(preview.contains(shown), "{shown} in the preview: {preview}");
        }
        shoot(&browser, "plan-preview.png").await;
        click(&browser, "#preview button[type=submit]").await;
        until(
            &browser,
            "!document.querySelector('#preview') && document.body.textContent.includes('已排课')",
            "the week planned",
        )
        .await;

        // The audit, a page at a time, each change in words.
        open(&browser, &format!("{base}/audit"), "ul.changes").await;
        let audit = browser.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
        assert!(audit.contains("第 1/") && audit.contains("确认预警") && audit.contains("备注：已电话联系家长"), "{audit}");
        shoot(&browser, "audit.png").await;

        // On a laptop: the work list in two columns, within two screens.
        browser.set_window_size(1366, 768).await.unwrap();
        for (path, ready, name) in [
            ("/", ".columns", "work-list-laptop.png"),
            ("/weeks/2026-W50", "table.board", "board-planned-laptop.png"),
            ("/audit", "ul.changes", "audit-laptop.png"),
            ("/teachers", "svg.pace-chart", "teachers-laptop.png"),
        ] {
            open(&browser, &format!("{base}{path}"), ready).await;
            std::fs::write(screenshots().join(name), browser.screenshot().await.unwrap()).unwrap();
        }
        browser.goto(&format!("{base}/")).await.unwrap();
        let height = browser
            .execute("return document.documentElement.scrollHeight;", vec![])
            .await
            .unwrap();
        assert!(height.as_u64().unwrap() <= 2 * 768, "the work list is {height} px high on a laptop");
        browser.close().await.unwrap();
        server.stop().await;
    });
}
