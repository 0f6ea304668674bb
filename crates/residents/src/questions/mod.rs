//! 在线咨询: a resident asks the window of their town a question (no login) and gets a 咨询编号
//! and a 查询密码; the town's window clerk, town reviewer or county approver answers within
//! [`rules::ANSWER_WITHIN`] working days; the resident reads the thread with the code and PIN,
//! asks again in it (the deadline counts again) or says it is resolved. [`Questions`] is the only
//! door. Staff answers are never shown with a person's name to the resident: they read as the
//! town's window.

pub mod rules;

use crate::complaints::rules::{new_pin, read_pin};
use crate::numbers;
use crate::tickets::Tickets;
use crate::{ResidentsError, Result};
use chrono::NaiveDate;
use jiuzhu_casework::Casework;
use jiuzhu_domain::clock::beijing_date;
use jiuzhu_domain::question::QuestionState;
use jiuzhu_domain::trail::{Action, Denial, ObjectKind, Trail};
use jiuzhu_domain::{Clock, FieldError, Permission, RegionCode, RegionLevel, User};
use jiuzhu_store::{AccountStore, NewQuestion, Question, QuestionMessage, QuestionStep, QuestionStore, RegionStore, Store, StoreError};
use std::sync::Arc;

/// A queue shows at most this many questions.
const QUEUE_LIMIT: i64 = 500;
/// The ticket's purpose (a follow-up or closing from the thread page).
const TICKET: &str = "ask";
/// The code's prefix: 咨询.
const PREFIX: &str = "ZX";

/// What the resident keeps after asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionReceipt {
    pub code: String,
    /// Shown once.
    pub pin: String,
    pub due_on: NaiveDate,
}

/// A thread as its resident or the town reads it.
#[derive(Debug, Clone)]
pub struct Thread {
    pub question: Question,
    pub messages: Vec<QuestionMessage>,
    /// For the resident: the ticket to ask again or close with (none once closed, none for staff).
    pub ticket: Option<String>,
    /// Working days left to answer while waiting (0 when due today or overdue).
    pub days_left: Option<u32>,
    pub overdue: bool,
}

#[derive(Clone)]
pub struct Questions {
    store: Arc<dyn QuestionStore>,
    regions: Arc<dyn RegionStore>,
    accounts: Arc<dyn AccountStore>,
    tickets: Tickets,
    casework: Arc<Casework>,
    clock: Arc<dyn Clock>,
}

fn invalid(e: FieldError) -> ResidentsError {
    ResidentsError::Invalid(e.into())
}

impl Questions {
    pub fn new(store: &Arc<dyn Store>, tickets: Tickets, casework: Arc<Casework>, clock: Arc<dyn Clock>) -> Questions {
        Questions { store: store.clone(), regions: store.clone(), accounts: store.clone(), tickets, casework, clock }
    }

    fn today(&self) -> NaiveDate {
        beijing_date(self.clock.now())
    }

    /// A resident asks the window of `town`.
    pub async fn ask(&self, trail: &Trail, town: &RegionCode, topic: &str, body: &str) -> Result<QuestionReceipt> {
        trail.action(Action::Create);
        let checked = rules::check_question(topic, body).inspect_err(|_| trail.refuse(Denial::Invalid))?;
        if town.level() != RegionLevel::Town || self.regions.region(town).await?.is_none() {
            trail.refuse(Denial::Invalid);
            return Err(invalid(FieldError::new(
                "town",
                "question.town",
                "请选择户籍所在的乡镇（街道）",
                "choose the town of your household",
            )));
        }
        let now = self.clock.now();
        let due_on = rules::due_on(&self.casework.calendar(), beijing_date(now));
        // A clash with a code of the day is drawn again (a million a day, a handful used).
        for _ in 0..5 {
            let (code, pin) = {
                let mut rng = rand::rng();
                (numbers::issue(PREFIX, beijing_date(now), &mut rng), new_pin(&mut rng))
            };
            let new = NewQuestion {
                code: code.clone(),
                pin: pin.clone(),
                topic: checked.topic,
                region: town.clone(),
                body: checked.body.clone(),
                asked_at: now,
                due_on,
            };
            match self.store.insert_question(&new).await {
                Ok(id) => {
                    trail.object(ObjectKind::Question, id);
                    return Ok(QuestionReceipt { code, pin, due_on });
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ResidentsError::Store(StoreError::Conflict { constraint: "questions_code".into() }))
    }

    async fn thread_of(&self, q: Question, ticket: Option<String>) -> Result<Thread> {
        let messages = self.store.question_messages(q.id).await?;
        let today = self.today();
        let waiting = q.state == QuestionState::Waiting;
        let days_left = waiting.then(|| {
            if q.due_on <= today { 0 } else { crate::complaints::rules::working_days_left(&self.casework.calendar(), today, q.due_on) }
        });
        Ok(Thread { overdue: waiting && q.due_on < today, days_left, messages, ticket, question: q })
    }

    /// The resident reads their thread with the code and PIN; a wrong pair reads like an unknown code.
    /// `bound`: the browser's form token, which the ticket for asking again is bound to.
    pub async fn thread(&self, trail: &Trail, code: &str, pin: &str, bound: &str) -> Result<Thread> {
        trail.action(Action::View);
        let (Some(code), Some(pin)) = (numbers::read(PREFIX, code), read_pin(pin)) else {
            trail.refuse(Denial::NotFound);
            return Err(ResidentsError::NotFound);
        };
        let Some(q) = self.store.question_for(&code, &pin).await? else {
            trail.refuse(Denial::NotFound);
            return Err(ResidentsError::NotFound);
        };
        trail.object(ObjectKind::Question, q.id);
        let ticket = (q.state != QuestionState::Closed).then(|| self.tickets.issue(TICKET, "question", q.id, bound));
        self.thread_of(q, ticket).await
    }

    /// Whether a ticket holds for this browser (no database: the page counts only these against
    /// the per-address limit, so a forged one spends nobody's allowance).
    pub fn ticket_holds(&self, ticket: &str, bound: &str) -> bool {
        matches!(self.tickets.read(TICKET, ticket, bound), Some((kind, _)) if kind == "question")
    }

    async fn by_ticket(&self, trail: &Trail, ticket: &str, bound: &str) -> Result<Question> {
        let Some(("question", id)) = self.tickets.read(TICKET, ticket, bound).as_ref().map(|(k, id)| (k.as_str(), *id)) else {
            trail.refuse(Denial::NotFound);
            return Err(invalid(FieldError::new(
                "ticket",
                "question.ticket",
                "这个页面已经过期，请用咨询编号和密码重新查询（您写的内容在下面）",
                "this page has expired: look the question up again with its code and PIN (what you wrote is below)",
            )));
        };
        trail.object(ObjectKind::Question, id);
        Ok(self.store.question(id).await?)
    }

    /// The resident asks again in the thread (after an answer): waiting again, due in
    /// [`rules::ANSWER_WITHIN`] working days.
    pub async fn follow_up(&self, trail: &Trail, ticket: &str, bound: &str, body: &str) -> Result<()> {
        trail.action(Action::Update);
        let q = self.by_ticket(trail, ticket, bound).await?;
        let body = rules::check_text("body", body, "您想接着问的话", "your question").map_err(|e| {
            trail.refuse(Denial::Invalid);
            invalid(e)
        })?;
        if q.state != QuestionState::Answered {
            trail.refuse(Denial::Conflict);
            return Err(ResidentsError::Conflict);
        }
        let due_on = rules::due_on(&self.casework.calendar(), self.today());
        self.store
            .advance_question(q.id, q.version, &QuestionStep::FollowUp { body, due_on }, self.clock.now())
            .await
            .inspect_err(|_| trail.refuse(Denial::Conflict))?;
        Ok(())
    }

    /// The resident says the question is resolved.
    pub async fn close(&self, trail: &Trail, ticket: &str, bound: &str) -> Result<()> {
        trail.action(Action::Update);
        let q = self.by_ticket(trail, ticket, bound).await?;
        self.store
            .advance_question(q.id, q.version, &QuestionStep::Close, self.clock.now())
            .await
            .inspect_err(|_| trail.refuse(Denial::Conflict))?;
        Ok(())
    }

    fn require(user: &User) -> Result<()> {
        if !user.can(Permission::AnswerQuestions) {
            user.trail.refuse(Denial::Role);
            return Err(ResidentsError::Forbidden);
        }
        Ok(())
    }

    /// The questions in the user's scope: waiting ones soonest due first, or the others latest first.
    pub async fn queue(&self, user: &User, waiting: bool) -> Result<Vec<Thread>> {
        user.trail.action(Action::Search);
        Self::require(user)?;
        let states: &[QuestionState] = if waiting { &[QuestionState::Waiting] } else { &[QuestionState::Answered, QuestionState::Closed] };
        let list = self.store.questions(&user.scope.0, states, QUEUE_LIMIT).await?;
        let mut out = Vec::with_capacity(list.len());
        for q in list {
            out.push(self.thread_of(q, None).await?);
        }
        user.trail.detail(format!("rows={}", out.len()));
        Ok(out)
    }

    async fn visible_one(&self, user: &User, id: i64) -> Result<Question> {
        Self::require(user)?;
        let q = self.store.question(id).await.inspect_err(|_| user.trail.refuse(Denial::NotFound))?;
        user.trail.object(ObjectKind::Question, id);
        if !user.scope.contains(&q.region) {
            user.trail.refuse(Denial::OutOfScope);
            return Err(ResidentsError::NotFound);
        }
        Ok(q)
    }

    /// One thread in full (audited as a view), each answer with the name of who wrote it (not the
    /// account's code).
    pub async fn question(&self, user: &User, id: i64) -> Result<Thread> {
        user.trail.action(Action::View);
        let q = self.visible_one(user, id).await?;
        let mut th = self.thread_of(q, None).await?;
        for m in &mut th.messages {
            if let Some(u) = &m.author
                && let Some(a) = self.accounts.account_by_username(u).await?
            {
                m.author = Some(a.display_name);
            }
        }
        Ok(th)
    }

    /// The town answers a waiting question.
    pub async fn answer(&self, user: &User, id: i64, version: i64, body: &str) -> Result<()> {
        user.trail.action(Action::Update);
        let q = self.visible_one(user, id).await?;
        let body = rules::check_text("answer", body, "答复", "the answer").map_err(|e| {
            user.trail.refuse(Denial::Invalid);
            invalid(e)
        })?;
        if q.state != QuestionState::Waiting {
            user.trail.refuse(Denial::Conflict);
            return Err(ResidentsError::Conflict);
        }
        let step = QuestionStep::Answer { author: user.username.clone(), body };
        self.store.advance_question(id, version, &step, self.clock.now()).await.inspect_err(|_| user.trail.refuse(Denial::Conflict))?;
        Ok(())
    }
}
