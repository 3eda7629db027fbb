//! The pages: logging in and out, one's account, setting a password by link, the
//! children one may see and a child's page. Each handler reads the session,
//! calls a service and renders a template.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{Extensions, HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono_tz::Tz;
use serde::Deserialize;

use super::App;
use super::flash::done_to;
use super::page::{
    SignedIn, UserBar, bar, failed, local_path, message, peer, render, to_login, week_name,
};
use super::session::{self, clear_cookie, set_cookie, user_agent};
use super::words::{Words, words};
use crate::domain::pace::Status;
use crate::service::accounts::{self, Client, LoginRefused, SessionView};
use crate::service::students::{self, ListedStudent, ReadFrom, StudentPage};
use crate::service::{Actor, ServiceError};
use crate::service::{calendar_feed, my_week, second_factor};

#[derive(Template)]
#[template(path = "web/login.html")]
struct LoginPage {
    t: &'static Words,
    user: Option<UserBar>,
    notice: Option<String>,
    next: String,
    username: String,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    /// Set when a form was sent after the session had ended: it was not saved.
    unsaved: Option<String>,
}

pub async fn login_form(State(app): State<Arc<App>>, Query(query): Query<LoginQuery>) -> Response {
    let t = words(app.settings.locale);
    render(
        StatusCode::OK,
        &LoginPage {
            t,
            user: None,
            notice: query.unsaved.map(|_| t.not_saved_log_in.to_string()),
            next: local_path(query.next.as_deref()),
            username: String::new(),
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(app): State<Arc<App>>,
    extensions: Extensions,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let t = words(app.settings.locale);
    let client = Client {
        address: peer(&extensions),
        user_agent: user_agent(&headers),
    };
    let next = local_path(form.next.as_deref());
    let answer = accounts::login(
        &app.store,
        &app.settings,
        app.now(),
        &form.username,
        form.password,
        &client,
    )
    .await;
    let refused = match answer {
        Ok(Ok(login)) if login.awaiting_code => {
            let mut response = render(
                StatusCode::OK,
                &CodePage {
                    t,
                    user: None,
                    notice: None,
                    next,
                },
            );
            response.headers_mut().insert(
                header::SET_COOKIE,
                set_cookie(&login.session_id, &app.settings),
            );
            return response;
        }
        Ok(Ok(login)) => return signed_in_to(&app, &login.session_id, &next),
        Ok(Err(refused)) => refused,
        Err(error) => return failed(&app, None, error),
    };
    let notice = refusal(&app, refused);
    render(
        StatusCode::UNAUTHORIZED,
        &LoginPage {
            t,
            user: None,
            notice: Some(notice),
            next,
            username: form.username,
        },
    )
}

/// Where a good login goes, with its new session cookie.
fn signed_in_to(app: &App, session_id: &str, next: &str) -> Response {
    let mut response = Redirect::to(next).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, set_cookie(session_id, &app.settings));
    response
}

fn refusal(app: &App, refused: LoginRefused) -> String {
    let t = words(app.settings.locale);
    match refused {
        LoginRefused::Wrong => t.wrong_login.to_string(),
        LoginRefused::WrongCode => t.wrong_code.to_string(),
        LoginRefused::Locked { until } => format!(
            "{} {}",
            t.locked_until,
            until.with_timezone(&app.settings.time_zone).format("%H:%M")
        ),
    }
}

#[derive(Template)]
#[template(path = "web/code.html")]
struct CodePage {
    t: &'static Words,
    user: Option<UserBar>,
    notice: Option<String>,
    next: String,
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
    next: Option<String>,
}

/// The second step of a login with a second factor.
pub async fn login_code(
    State(app): State<Arc<App>>,
    extensions: Extensions,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let t = words(app.settings.locale);
    let next = local_path(form.next.as_deref());
    let Some(waiting) = session::session_id(&headers) else {
        return to_login(&next);
    };
    let client = Client {
        address: peer(&extensions),
        user_agent: user_agent(&headers),
    };
    let answer = accounts::login_code(
        &app.store,
        &app.settings,
        app.now(),
        &waiting,
        &form.code,
        &client,
    )
    .await;
    match answer {
        Ok(Ok(login)) => signed_in_to(&app, &login.session_id, &next),
        Ok(Err(LoginRefused::WrongCode)) => render(
            StatusCode::UNAUTHORIZED,
            &CodePage {
                t,
                user: None,
                notice: Some(t.wrong_code.into()),
                next,
            },
        ),
        Ok(Err(refused)) => render(
            StatusCode::UNAUTHORIZED,
            &LoginPage {
                t,
                user: None,
                notice: Some(refusal(&app, refused)),
                next,
                username: String::new(),
            },
        ),
        Err(error) => failed(&app, None, error),
    }
}

pub async fn logout(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let Some(id) = session::session_id(&headers)
        && let Err(error) = accounts::logout(&app.store, app.now(), &id).await
    {
        return failed(&app, None, error);
    }
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(&app.settings));
    response
}

#[derive(Template)]
#[template(path = "web/home.html")]
struct HomePage {
    t: &'static Words,
    user: Option<UserBar>,
    students: Vec<ListedStudent>,
    /// Before the search.
    total: usize,
    schools: Vec<String>,
    teachers: Vec<(String, String)>,
    statuses: [Status; 4],
    search: StudentSearch,
    /// Coordinators and admins register children.
    may_register: bool,
    /// 我的学生, 本校学生 or 学生, as the reader's menu names the page.
    title: &'static str,
}

#[derive(Template)]
#[template(path = "web/week.html")]
struct WeekPage {
    t: &'static Words,
    user: Option<UserBar>,
    week_label: String,
    previous: String,
    next: String,
    days: Vec<my_week::WeekDay>,
    unrecorded: Vec<my_week::WeekVisit>,
}

#[derive(Deserialize)]
pub struct HomeQuery {
    week: Option<String>,
    #[serde(flatten)]
    pages: crate::service::dashboard::Pages,
}

/// A teacher's home: their week.
async fn teacher_week(
    app: &App,
    actor: &Actor,
    week: Option<&str>,
    extensions: &Extensions,
) -> Response {
    let week = week.and_then(crate::service::plan_week::parse_week);
    let address = peer(extensions);
    match my_week::my_week(&app.store, &app.settings, actor, app.now(), week, &address).await {
        Ok(mine) => render(
            StatusCode::OK,
            &WeekPage {
                t: words(app.settings.locale),
                user: bar(actor),
                week_label: {
                    let monday = crate::service::plan_week::monday_of(mine.week);
                    let sunday = monday + chrono::Duration::days(6);
                    let t = words(app.settings.locale);
                    format!("{} – {}", t.date(&monday), t.date(&sunday))
                },
                previous: week_name(mine.previous),
                next: week_name(mine.next),
                days: mine.days,
                unrecorded: mine.unrecorded,
            },
        ),
        Err(error) => failed(app, bar(actor), error),
    }
}

pub async fn home(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<HomeQuery>,
    extensions: Extensions,
) -> Response {
    if actor.role == crate::domain::access::Role::Teacher {
        return teacher_week(&app, &actor, query.week.as_deref(), &extensions).await;
    }
    super::dashboard::page(&app, &actor, query.pages).await
}

#[derive(Template)]
#[template(path = "web/forgot.html")]
struct ForgotPage {
    t: &'static Words,
    user: Option<UserBar>,
}

pub async fn forgot_form(State(app): State<Arc<App>>) -> Response {
    let t = words(app.settings.locale);
    render(StatusCode::OK, &ForgotPage { t, user: None })
}

#[derive(Deserialize)]
pub struct ForgotForm {
    email: String,
}

/// Mails a link to set a new password; says the same whether the email has an
/// account or not.
pub async fn forgot(State(app): State<Arc<App>>, Form(form): Form<ForgotForm>) -> Response {
    let t = words(app.settings.locale);
    match accounts::forgot_password(&app.store, &app.settings, app.now(), &form.email).await {
        Ok(()) => message(&app, StatusCode::OK, None, t.home.link_sent),
        Err(error) => failed(&app, None, error),
    }
}

/// What the children's list is searched and filtered by.
#[derive(Deserialize, Default)]
pub struct StudentSearch {
    /// A name or an id, or part of one.
    #[serde(default)]
    q: String,
    #[serde(default)]
    school: String,
    /// A pace status code (`behind`…), or `none` for no plan.
    #[serde(default)]
    status: String,
    /// The plan's teacher (id).
    #[serde(default)]
    teacher: String,
    /// `gap`: the widest gap first (else by school and name).
    #[serde(default)]
    sort: String,
}

impl StudentSearch {
    /// This search's address, sorted by the widest gap.
    fn by_gap(&self) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &self.q)
            .append_pair("school", &self.school)
            .append_pair("status", &self.status)
            .append_pair("teacher", &self.teacher)
            .append_pair("sort", "gap")
            .finish();
        format!("/students?{query}")
    }

    fn keeps(&self, s: &ListedStudent) -> bool {
        s.matches(&students::StudentMatch {
            text: &self.q,
            school: &self.school,
            pace: &self.status,
            teacher: &self.teacher,
        })
    }
}

pub async fn student_list(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Query(search): Query<StudentSearch>,
) -> Response {
    match students::visible_students(&app.store, &app.settings, &actor, app.now()).await {
        Ok(students) => {
            let mut schools: Vec<String> =
                students.iter().map(|s| s.student.school.clone()).collect();
            schools.dedup();
            // (id, name) of the plans' teachers, for the filter.
            let mut teachers: Vec<(String, String)> = students
                .iter()
                .filter_map(|s| s.plan.as_ref())
                .map(|p| (p.teacher_id.clone(), p.teacher_name.clone()))
                .collect();
            teachers.sort();
            teachers.dedup();
            let total = students.len();
            let mut students: Vec<ListedStudent> =
                students.into_iter().filter(|s| search.keeps(s)).collect();
            if search.sort == "gap" {
                students.sort_by_key(|s| std::cmp::Reverse(s.plan.as_ref().map(|p| p.gap())));
            }
            let t = words(app.settings.locale);
            let zh = t.lang == "zh-CN";
            let title = match (&actor.role, &actor.scope) {
                (crate::domain::access::Role::Teacher, _) => t.my_students,
                (_, crate::domain::access::Scope::District) => {
                    if zh {
                        "学生"
                    } else {
                        "Students"
                    }
                }
                _ => {
                    if zh {
                        "本校学生"
                    } else {
                        "Our schools' students"
                    }
                }
            };
            render(
                StatusCode::OK,
                &HomePage {
                    t: words(app.settings.locale),
                    user: bar(&actor),
                    students,
                    total,
                    schools,
                    teachers,
                    statuses: [
                        Status::OnTrack,
                        Status::Behind,
                        Status::AtRisk,
                        Status::Unreachable,
                    ],
                    search,
                    may_register: matches!(
                        actor.role,
                        crate::domain::access::Role::Coordinator
                            | crate::domain::access::Role::Admin
                    ),
                    title,
                },
            )
        }
        Err(error) => failed(&app, bar(&actor), error),
    }
}

/// A child's ledger as an Excel file.
pub async fn ledger(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Path(student_id): Path<String>,
    extensions: Extensions,
) -> Response {
    let address = peer(&extensions);
    let from = ReadFrom { address: &address };
    let ledger = match students::ledger(
        &app.store,
        &app.settings,
        &actor,
        app.now(),
        &student_id,
        from,
    )
    .await
    {
        Ok(ledger) => ledger,
        Err(error) => return failed(&app, bar(&actor), error),
    };
    match crate::reports::xlsx::ledger_workbook(&ledger, &crate::speech::Speech::of(&app.settings))
    {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    super::attachment(&format!(
                        "ledger-{}.xlsx",
                        crate::reports::file_safe(&student_id)
                    )),
                ),
                (header::CACHE_CONTROL, "private, no-store".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "a ledger did not render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "web/student.html")]
struct StudentView {
    t: &'static Words,
    user: Option<UserBar>,
    page: StudentPage,
    /// The pace chart's SVG (empty without a plan).
    chart: String,
    zone: Tz,
    today: chrono::NaiveDate,
    /// Coordinators and admins set and revise plans.
    may_plan: bool,
    speech: crate::speech::Speech,
    /// Accounts' names by email: who recorded or revised is shown by name.
    names: std::collections::HashMap<String, String>,
}

impl StudentView {
    fn who(&self, actor: &str) -> String {
        self.speech.who(actor, &self.names)
    }

    /// A teacher by name (their id only when unknown).
    fn teacher(&self, id: &str) -> String {
        self.page
            .teacher_names
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// A slot as people say it (下午), not its code.
    fn slot(&self, slot: &str) -> String {
        self.speech.cell("slot", &serde_json::json!(slot))
    }

    /// A reason code of the accounts in the reader's words.
    fn reason_words(&self, code: &str) -> String {
        code.parse::<crate::domain::visit::MissReason>()
            .map_or_else(
                |_| code.to_string(),
                |r| self.t.record.reason(&r).to_string(),
            )
    }
}

pub async fn student(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Path(student_id): Path<String>,
    extensions: Extensions,
) -> Response {
    let address = peer(&extensions);
    let read = students::student_page(
        &app.store,
        &app.settings,
        &actor,
        app.now(),
        &student_id,
        ReadFrom { address: &address },
    )
    .await;
    let names = match crate::service::accounts::names(&app.store, &actor).await {
        Ok(names) => names,
        Err(error) => return failed(&app, bar(&actor), error),
    };
    match read {
        Ok(page) => render(
            StatusCode::OK,
            &StudentView {
                speech: crate::speech::Speech::of(&app.settings),
                names,
                t: words(app.settings.locale),
                user: bar(&actor),
                chart: page
                    .year
                    .as_ref()
                    .map(|y| super::chart::pace_svg(&y.chart, words(app.settings.locale)))
                    .unwrap_or_default(),
                zone: app.settings.time_zone,
                today: app
                    .now()
                    .with_timezone(&app.settings.time_zone)
                    .date_naive(),
                may_plan: actor.role.keeps_registers(),
                page,
            },
        ),
        Err(error) => failed(&app, bar(&actor), error),
    }
}

#[derive(Template)]
#[template(path = "web/account.html")]
struct AccountPage {
    t: &'static Words,
    user: Option<UserBar>,
    notice: Option<String>,
    sessions: Vec<SessionView>,
    second_factor: bool,
    teacher: bool,
    has_feed: bool,
    feed_url: Option<String>,
    tokens: Vec<crate::service::tokens::ApiToken>,
    /// A token just made: shown this once.
    new_token: Option<String>,
    min_length: usize,
    zone: Tz,
}

async fn account_page(
    app: &App,
    actor: &Actor,
    session_id: &str,
    status: StatusCode,
    notice: Option<String>,
) -> Response {
    account_page_with_secret(app, actor, session_id, status, notice, Secret::None).await
}

/// A secret the account page shows once, just made.
enum Secret {
    None,
    FeedUrl(String),
    Token(String),
}

async fn account_page_with_secret(
    app: &App,
    actor: &Actor,
    session_id: &str,
    status: StatusCode,
    notice: Option<String>,
    secret: Secret,
) -> Response {
    let has_feed = match calendar_feed::has_feed(&app.store, actor).await {
        Ok(has) => has,
        Err(error) => return failed(app, bar(actor), error),
    };
    let tokens = match crate::service::tokens::mine(&app.store, actor).await {
        Ok(tokens) => tokens,
        Err(error) => return failed(app, bar(actor), error),
    };
    let (feed_url, new_token) = match secret {
        Secret::None => (None, None),
        Secret::FeedUrl(url) => (Some(url), None),
        Secret::Token(token) => (None, Some(token)),
    };
    match accounts::my_account(&app.store, actor, app.now(), session_id).await {
        Ok(mine) => render(
            status,
            &AccountPage {
                t: words(app.settings.locale),
                user: bar(actor),
                notice,
                sessions: mine.sessions,
                second_factor: mine.second_factor,
                teacher: actor.role == crate::domain::access::Role::Teacher,
                has_feed,
                feed_url,
                tokens,
                new_token,
                min_length: app.settings.security.min_password_length,
                zone: app.settings.time_zone,
            },
        ),
        Err(error) => failed(app, bar(actor), error),
    }
}

/// What a person must do first, said on their account page.
async fn must_notice(app: &App, session_id: &str) -> Option<String> {
    let t = words(app.settings.locale);
    let signed = accounts::session_actor(&app.store, &app.settings, app.now(), session_id)
        .await
        .ok()
        .flatten()?;
    signed.must.map(|must| match must {
        accounts::MustDo::ChangePassword => t.must_change_password.to_string(),
        accounts::MustDo::SetUpSecondFactor => t.must_set_up_second_factor.to_string(),
    })
}

pub async fn account(State(app): State<Arc<App>>, signed: SignedIn) -> Response {
    let (actor, id) = (signed.actor, signed.session_id);
    let notice = must_notice(&app, &id).await;
    account_page(&app, &actor, &id, StatusCode::OK, notice).await
}

#[derive(Template)]
#[template(path = "web/second_factor.html")]
struct SecondFactorPage {
    t: &'static Words,
    user: Option<UserBar>,
    notice: Option<String>,
    qr_svg: String,
    secret: String,
    recovery_codes: Option<Vec<String>>,
}

async fn enrolment_page(
    app: &App,
    actor: &Actor,
    status: StatusCode,
    notice: Option<String>,
) -> Response {
    match second_factor::begin(&app.store, &app.settings, actor, app.now()).await {
        Ok(enrolment) => render(
            status,
            &SecondFactorPage {
                t: words(app.settings.locale),
                user: bar(actor),
                notice,
                qr_svg: enrolment.qr_svg,
                secret: enrolment.secret,
                recovery_codes: None,
            },
        ),
        Err(ServiceError::Conflict { .. }) => Redirect::to("/account").into_response(),
        Err(error) => failed(app, bar(actor), error),
    }
}

pub async fn second_factor_form(State(app): State<Arc<App>>, signed: SignedIn) -> Response {
    enrolment_page(&app, &signed.actor, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub struct ConfirmCode {
    code: String,
}

pub async fn confirm_second_factor(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Form(form): Form<ConfirmCode>,
) -> Response {
    let t = words(app.settings.locale);
    match second_factor::confirm(&app.store, &app.settings, &actor, app.now(), &form.code).await {
        Ok(codes) => render(
            StatusCode::OK,
            &SecondFactorPage {
                t,
                user: bar(&actor),
                notice: None,
                qr_svg: String::new(),
                secret: String::new(),
                recovery_codes: Some(codes),
            },
        ),
        Err(ServiceError::Invalid(_)) => {
            let notice = Some(t.wrong_code.to_string());
            enrolment_page(&app, &actor, StatusCode::UNPROCESSABLE_ENTITY, notice).await
        }
        Err(ServiceError::Conflict { .. }) => Redirect::to("/account").into_response(),
        Err(error) => failed(&app, bar(&actor), error),
    }
}

#[derive(Deserialize)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

pub async fn change_password(
    State(app): State<Arc<App>>,
    SignedIn {
        actor,
        session_id: id,
    }: SignedIn,
    Form(form): Form<PasswordChange>,
) -> Response {
    let t = words(app.settings.locale);
    let changed = accounts::change_password(
        &app.store,
        &app.settings,
        &actor,
        app.now(),
        &id,
        form.current_password,
        form.new_password,
    )
    .await;
    match changed {
        Ok(()) => {
            account_page(
                &app,
                &actor,
                &id,
                StatusCode::OK,
                Some(t.password_changed.into()),
            )
            .await
        }
        Err(ServiceError::Invalid(problems)) => {
            let chinese = app.settings.locale == crate::config::Locale::ZhCn;
            let text = problems
                .iter()
                .map(|p| p.reason.say(chinese))
                .collect::<Vec<_>>()
                .join("；");
            account_page(
                &app,
                &actor,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(text),
            )
            .await
        }
        Err(error) => failed(&app, bar(&actor), error),
    }
}

pub async fn end_session(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Path(handle): Path<String>,
) -> Response {
    match accounts::end_my_session(&app.store, &actor, app.now(), &handle).await {
        Ok(()) => done_to("/account", "saved", 1),
        Err(error) => failed(&app, bar(&actor), error),
    }
}

#[derive(Template)]
#[template(path = "web/password.html")]
struct PasswordPage {
    t: &'static Words,
    user: Option<UserBar>,
    notice: Option<String>,
    min_length: usize,
}

pub async fn password_form(State(app): State<Arc<App>>, Path(token): Path<String>) -> Response {
    let t = words(app.settings.locale);
    match accounts::link_is_valid(&app.store, app.now(), &token).await {
        Ok(true) => render(
            StatusCode::OK,
            &PasswordPage {
                t,
                user: None,
                notice: None,
                min_length: app.settings.security.min_password_length,
            },
        ),
        Ok(false) => message(&app, StatusCode::NOT_FOUND, None, t.link_invalid),
        Err(error) => failed(&app, None, error),
    }
}

#[derive(Deserialize)]
pub struct NewPassword {
    password: String,
}

pub async fn set_password(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    Form(form): Form<NewPassword>,
) -> Response {
    let t = words(app.settings.locale);
    let set =
        accounts::set_password_by_link(&app.store, &app.settings, app.now(), &token, form.password)
            .await;
    match set {
        Ok(_) => message(&app, StatusCode::OK, None, t.password_set),
        Err(ServiceError::NotFound { .. }) => {
            message(&app, StatusCode::NOT_FOUND, None, t.link_invalid)
        }
        Err(ServiceError::Invalid(problems)) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                t,
                user: None,
                notice: Some(
                    problems
                        .iter()
                        .map(|p| {
                            p.reason
                                .say(app.settings.locale == crate::config::Locale::ZhCn)
                        })
                        .collect::<Vec<_>>()
                        .join("；"),
                ),
                min_length: app.settings.security.min_password_length,
            },
        ),
        Err(error) => failed(&app, None, error),
    }
}

/// No page at that address: said with the reader's menu when signed in.
pub async fn not_found(
    State(app): State<Arc<App>>,
    signed: Result<SignedIn, Response>,
) -> Response {
    let t = words(app.settings.locale);
    let user = signed.ok().and_then(|s| bar(&s.actor));
    message(&app, StatusCode::NOT_FOUND, user, t.no_page)
}

/// A new calendar-feed address, shown once on the account page.
pub async fn renew_feed(State(app): State<Arc<App>>, signed: SignedIn) -> Response {
    let (actor, id) = (signed.actor, signed.session_id);
    match calendar_feed::renew(&app.store, &app.settings, &actor, app.now()).await {
        Ok(url) => {
            let secret = Secret::FeedUrl(url);
            account_page_with_secret(&app, &actor, &id, StatusCode::OK, None, secret).await
        }
        Err(error) => failed(&app, bar(&actor), error),
    }
}

pub async fn revoke_feed(State(app): State<Arc<App>>, signed: SignedIn) -> Response {
    let actor = signed.actor;
    match calendar_feed::revoke(&app.store, &actor, app.now()).await {
        Ok(()) => done_to("/account", "saved", 1),
        Err(error) => failed(&app, bar(&actor), error),
    }
}

#[derive(Deserialize)]
pub struct TokenFields {
    #[serde(default)]
    label: String,
    #[serde(default)]
    expires_days: String,
}

/// A personal API token, made on the account page and shown once.
pub async fn make_token(
    State(app): State<Arc<App>>,
    SignedIn {
        actor,
        session_id: id,
    }: SignedIn,
    Form(fields): Form<TokenFields>,
) -> Response {
    let t = words(app.settings.locale);
    let days = fields.expires_days.trim();
    let expires_days = if days.is_empty() {
        None
    } else {
        match days.parse::<u32>() {
            Ok(days) if days > 0 => Some(days),
            _ => {
                let notice = Some(t.token_days_problem.to_string());
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return account_page(&app, &actor, &id, status, notice).await;
            }
        }
    };
    let made = crate::service::tokens::make_mine(
        &app.store,
        &actor,
        app.now(),
        &fields.label,
        expires_days,
    )
    .await;
    match made {
        Ok(made) => {
            let secret = Secret::Token(made.token);
            account_page_with_secret(&app, &actor, &id, StatusCode::OK, None, secret).await
        }
        Err(ServiceError::Invalid(_)) => {
            let notice = Some(t.token_label_problem.to_string());
            account_page(&app, &actor, &id, StatusCode::UNPROCESSABLE_ENTITY, notice).await
        }
        Err(error) => failed(&app, bar(&actor), error),
    }
}

pub async fn revoke_token(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Path(token_id): Path<i64>,
) -> Response {
    match crate::service::tokens::revoke_mine(&app.store, &actor, app.now(), token_id).await {
        Ok(()) => Redirect::to("/account#tokens").into_response(),
        Err(error) => failed(&app, bar(&actor), error),
    }
}

/// The feed itself: no login (a calendar app fetches it), the token in the URL.
pub async fn feed(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
    extensions: Extensions,
) -> Response {
    let Some(token) = file.strip_suffix(".ics") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let address = peer(&extensions);
    match calendar_feed::feed(&app.store, &app.settings, app.now(), token, &address).await {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "private, no-store"),
            ],
            text,
        )
            .into_response(),
        Err(ServiceError::NotFound { .. }) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => failed(&app, None, error),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn after_a_login_only_a_plain_local_path() {
        assert_eq!(
            local_path(Some("/students/S001?week=2026-W50")),
            "/students/S001?week=2026-W50"
        );
        for elsewhere in [
            "//evil.example",
            "/\t/evil.example",
            "/\\evil.example",
            "/a\r\nSet-Cookie: x=1",
            "https://evil.example",
            "/ /evil.example",
        ] {
            assert_eq!(local_path(Some(elsewhere)), "/", "{elsewhere:?}");
        }
        assert_eq!(local_path(None), "/");
    }
}
