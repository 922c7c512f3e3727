//! What the sample mailbox talks about: the people writing to a small SaaS company's shared
//! support inbox, the support conversations they have (in English, German, French, Japanese and
//! Spanish), and the automated mail every shared inbox also receives.
//!
//! Templates use `{first}`, `{name}`, `{email}`, `{agent}`, `{order}`, `{invoice}`, `{plan}` and
//! `{amount}`, filled per conversation. Every domain is under the reserved `.example` TLD.

/// How a person's mail client quotes the message it replies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// `On Tue, Sep 3, 2024 at 10:12 AM Name <addr> wrote:` + `>` lines.
    Gmail,
    /// `-----Original Message-----` header block, nothing prefixed.
    Outlook,
    /// `On 3 Sep 2024, at 10:12, Name <addr> wrote:` + `>` lines.
    AppleMail,
    /// `On 03/09/2024 10:12, Name wrote:` + `>` lines.
    Thunderbird,
}

pub struct Person {
    pub name: &'static str,
    pub email: &'static str,
    /// Minutes east of UTC for the `Date:` header.
    pub utc_offset_minutes: i32,
    pub client: Client,
    /// Sends `multipart/alternative` (text + HTML) rather than plain text.
    pub writes_html: bool,
}

const fn person(
    name: &'static str,
    email: &'static str,
    utc_offset_minutes: i32,
    client: Client,
    writes_html: bool,
) -> Person {
    Person {
        name,
        email,
        utc_offset_minutes,
        client,
        writes_html,
    }
}

/// The shared inbox every conversation is addressed to.
pub const INBOX: Person = person(
    "Acme Support",
    "support@acme.example",
    60,
    Client::Gmail,
    true,
);

/// People on the support team. They reply from the shared address under their own name.
pub const AGENTS: &[Person] = &[
    person(
        "Maria Chen",
        "maria.chen@acme.example",
        60,
        Client::Gmail,
        true,
    ),
    person(
        "Jonas Berg",
        "jonas.berg@acme.example",
        60,
        Client::Thunderbird,
        false,
    ),
    person(
        "Aisha Okafor",
        "aisha.okafor@acme.example",
        0,
        Client::Gmail,
        true,
    ),
];

/// English-speaking customers (the non-English topics bring their own).
pub const CUSTOMERS: &[Person] = &[
    person(
        "Priya Raman",
        "priya.raman@northwind.example",
        330,
        Client::Gmail,
        true,
    ),
    person(
        "Tom Becker",
        "tom@beckerbikes.example",
        60,
        Client::AppleMail,
        false,
    ),
    person(
        "Olivia Park",
        "olivia.park@brightline.example",
        -420,
        Client::Outlook,
        true,
    ),
    person(
        "Sam O'Connor",
        "sam.oconnor@harbor.example",
        0,
        Client::Thunderbird,
        false,
    ),
    person(
        "Zoë Lindqvist",
        "zoe@lindqvist.example",
        60,
        Client::AppleMail,
        true,
    ),
    person(
        "Ahmed Hassan",
        "ahmed.hassan@delta-logistics.example",
        120,
        Client::Outlook,
        true,
    ),
    person(
        "Grace Liu",
        "grace@liu-design.example",
        -240,
        Client::Gmail,
        false,
    ),
    person(
        "Finance, Northwind",
        "ap@northwind.example",
        330,
        Client::Outlook,
        true,
    ),
    person(
        "Mia Kowalska",
        "mia.kowalska@wisla.example",
        60,
        Client::Gmail,
        true,
    ),
    person(
        "Daniel Kim",
        "daniel.kim@orbit.example",
        540,
        Client::AppleMail,
        false,
    ),
];

pub const GERMAN_CUSTOMER: Person = person(
    "Jürgen Weiß",
    "j.weiss@weiss-gmbh.example",
    60,
    Client::Outlook,
    true,
);
pub const FRENCH_CUSTOMER: Person = person(
    "Émilie Dubois",
    "emilie.dubois@lumiere.example",
    60,
    Client::AppleMail,
    false,
);
pub const JAPANESE_CUSTOMER: Person = person(
    "山田 花子",
    "hanako.yamada@sakura.example",
    540,
    Client::Gmail,
    false,
);
/// Writes from an old client that still sends ISO-8859-1.
pub const SPANISH_CUSTOMER: Person = person(
    "Carlos Méndez",
    "carlos@mendez.example",
    -360,
    Client::Thunderbird,
    false,
);

pub const BILLING: Person = person(
    "Acme Billing",
    "billing@acme.example",
    0,
    Client::Gmail,
    true,
);
pub const NEWSLETTER: Person = person(
    "SaaS Weekly",
    "newsletter@saasweekly.example",
    -300,
    Client::Gmail,
    true,
);
pub const STATUS_BOT: Person = person(
    "Acme Status",
    "alerts@status.acme.example",
    0,
    Client::Gmail,
    false,
);
pub const PHISHER: Person = person(
    "Acme Security Team",
    "security@acme-account-verify.example",
    0,
    Client::Gmail,
    true,
);

/// A file a conversation's first message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attachment {
    Screenshot,
    CsvExport,
    Log,
    /// A PDF receipt with a non-ASCII file name (RFC 2231 in the header).
    GermanReceipt,
}

/// Which language a topic is in (decides who writes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    English,
    German,
    French,
    Japanese,
}

/// A support conversation: the customer's opening message and the exchange that may follow,
/// alternating agent, customer, agent, …
pub struct Topic {
    pub subject: &'static str,
    pub language: Language,
    pub opening: &'static str,
    pub exchange: &'static [&'static str],
    pub attachment: Option<Attachment>,
}

pub const TOPICS: &[Topic] = &[
    Topic {
        subject: "Can't log in after password reset",
        language: Language::English,
        opening: "Hi,\n\nsince resetting my password this morning I can't log in anymore. The login page just says \"Invalid credentials\" even though I'm using the new password. I tried Chrome and Firefox, same result.\n\nMy account is {email}. Could you have a look?\n\nThanks,\n{first}",
        exchange: &[
            "Hi {first},\n\nthanks for reaching out, and sorry for the trouble. I can see two password resets on your account within a minute, so the first link was invalidated by the second one.\n\nI've cleared the lockout. Could you request one more reset and use only the newest email?\n\nBest,\n{agent}",
            "That worked, thank you! One more question: is there a way to stop the lockout from happening after three attempts? Our team shares a laptop for night shifts.",
            "Glad it works again! The lockout threshold is set per workspace: Settings > Security > Sign-in attempts. Admins can raise it to ten. I'd still recommend separate accounts for each person on the night shift.\n\nBest,\n{agent}",
            "Perfect, we'll set up separate accounts. You can close this one.",
        ],
        attachment: None,
    },
    Topic {
        subject: "Refund request for order {order}",
        language: Language::English,
        opening: "Hello,\n\nwe upgraded to {plan} by mistake on order {order} ({amount} EUR). We meant to add a single seat, not change the plan. Can we get a refund for the difference?\n\nKind regards,\n{name}",
        exchange: &[
            "Hi {first},\n\nno problem at all. I've reverted the plan change and issued a refund of {amount} EUR to the card on file. It usually shows up within 5-10 business days.\n\nI also added the extra seat you wanted, at the prorated price.\n\nCheers,\n{agent}",
            "Thank you, that was quick. Will we get a corrected invoice for our accounting?",
            "Yes - the credit note is attached to invoice {invoice} in Billing > Documents. Let me know if your accountant needs anything else.\n\nCheers,\n{agent}",
        ],
        attachment: None,
    },
    Topic {
        subject: "Invoice {invoice} charged twice",
        language: Language::English,
        opening: "Hi support,\n\nour card was charged twice for invoice {invoice} ({amount} EUR each), see the screenshot from our bank. Please refund the duplicate.\n\n{first}",
        exchange: &[
            "Hi {first},\n\nyou're right, and I'm sorry. The payment provider retried a charge that had in fact gone through. I've refunded the duplicate {amount} EUR just now; you'll get a separate confirmation email.\n\nBest regards,\n{agent}",
            "Received the confirmation. Thanks for sorting it out so fast.",
        ],
        attachment: Some(Attachment::Screenshot),
    },
    Topic {
        subject: "Feature request: dark mode for the inbox",
        language: Language::English,
        opening: "Hey team,\n\nlove the product! Half of our agents work night shifts and keep asking for a dark mode. Is that on the roadmap?\n\nCheers,\n{first}",
        exchange: &[
            "Hi {first},\n\nthanks for the kind words! Dark mode is one of the most requested features and it's planned for the next quarter. I've added your workspace to the early-access list, so you'll get it as soon as the beta opens.\n\n{agent}",
            "Amazing, thanks! Happy to give feedback on the beta.",
        ],
        attachment: None,
    },
    Topic {
        subject: "CSV export is missing the 'Tags' column",
        language: Language::English,
        opening: "Hi,\n\nwhen I export tickets to CSV, the Tags column is there but always empty, although the tickets definitely have tags. Export attached. This breaks our weekly report.\n\nThanks,\n{first}",
        exchange: &[
            "Hi {first},\n\nthanks for the export, it made this easy to reproduce. Tags are only exported when the \"Include custom fields\" box is ticked - which is confusing, since tags aren't custom fields. We'll fix that; meanwhile ticking the box gives you the column.\n\nBest,\n{agent}",
            "Ticking the box works. Could you tell me when the fix ships so I can update our instructions?",
            "Will do - I've linked this conversation to the bug, so you'll hear from us when it's released.\n\nBest,\n{agent}",
        ],
        attachment: Some(Attachment::CsvExport),
    },
    Topic {
        subject: "Sync stopped working - error 503 in the log",
        language: Language::English,
        opening: "Hello,\n\nsince about 13:00 today our mailbox sync is stuck. The desktop client log (attached) shows repeated 503 errors. Nothing changed on our side.\n\nRegards,\n{name}",
        exchange: &[
            "Hi {first},\n\nthanks for the log. One of our sync workers was overloaded between 13:05 and 14:20 UTC; it's back to normal and your backlog should catch up within the hour. Sorry for the disruption.\n\n{agent}",
            "All caught up now. Is there a status page we can subscribe to?",
            "Yes: status.acme.example - you can subscribe by email or RSS there.\n\n{agent}",
        ],
        attachment: Some(Attachment::Log),
    },
    Topic {
        subject: "Question about upgrading to {plan}",
        language: Language::English,
        opening: "Hi there,\n\nwe're a team of 12 and considering {plan}. Two questions: is the price per seat or per inbox, and can we keep our current billing date?\n\nThanks,\n{first}",
        exchange: &[
            "Hi {first},\n\ngreat to hear! {plan} is priced per agent seat; inboxes are unlimited. When you upgrade mid-cycle we prorate the difference and keep your billing date.\n\nHappy to set up a quick call if that helps.\n\n{agent}",
            "That's clear, thanks. We'll upgrade next week.",
        ],
        attachment: None,
    },
    Topic {
        subject: "Urgent: all agents logged out at 14:00",
        language: Language::English,
        opening: "Hi,\n\nat exactly 14:00 every agent in our workspace got logged out and now they have to sign in again with 2FA. Was this on purpose? We're in the middle of a product launch.\n\n{first}",
        exchange: &[
            "Hi {first},\n\nyes, sorry about the timing: we rotated session keys after a security update and all sessions were ended. Nothing else changed and no data was affected. We should have announced it - I've passed your feedback to the team.\n\n{agent}",
            "OK, thanks for explaining. A heads-up next time would be appreciated.",
            "Absolutely. We've added maintenance announcements to the in-app banner going forward.\n\n{agent}",
            "Thanks!",
        ],
        attachment: None,
    },
    Topic {
        subject: "How do I add a second inbox?",
        language: Language::English,
        opening: "Hi,\n\nwe want to handle billing@ and support@ in the same workspace. Where do I add the second address?\n\n{first}",
        exchange: &[
            "Hi {first},\n\nSettings > Inboxes > Connect inbox. You'll be asked to sign in to the mail account, and we'll start syncing right away. You can then decide which team sees which inbox.\n\n{agent}",
        ],
        attachment: None,
    },
    Topic {
        subject: "Wrong VAT number on invoice {invoice}",
        language: Language::English,
        opening: "Hello,\n\ninvoice {invoice} shows an old VAT number (DE123456789). Our current one is DE987654321. Could you reissue the invoice?\n\nBest regards,\n{name}",
        exchange: &[
            "Hi {first},\n\nI've updated the VAT number on your account and reissued {invoice}; the corrected PDF is in Billing > Documents. Future invoices will use the new number.\n\nKind regards,\n{agent}",
            "Got it, thank you.",
        ],
        attachment: None,
    },
    Topic {
        subject: "Rückerstattung für Bestellung {order}",
        language: Language::German,
        opening: "Guten Tag,\n\nfür die Bestellung {order} wurde uns der Betrag von {amount} EUR zweimal abgebucht. Den Beleg der Bank finden Sie im Anhang. Bitte erstatten Sie den doppelten Betrag.\n\nMit freundlichen Grüßen\n{name}",
        exchange: &[
            "Hallo Herr Weiß,\n\nvielen Dank für den Hinweis und entschuldigen Sie die Unannehmlichkeiten. Die doppelte Abbuchung über {amount} EUR ist bereits erstattet; die Gutschrift sollte in 3-5 Werktagen auf Ihrem Konto sein.\n\nViele Grüße\n{agent}",
            "Vielen Dank, die Gutschrift ist heute eingegangen. Schönes Wochenende!",
        ],
        attachment: Some(Attachment::GermanReceipt),
    },
    Topic {
        subject: "Problème de connexion à l'application mobile",
        language: Language::French,
        opening: "Bonjour,\n\ndepuis la dernière mise à jour, l'application mobile me déconnecte toutes les cinq minutes. Je dois ressaisir mon mot de passe à chaque fois, c'est très pénible.\n\nMerci d'avance,\n{first}",
        exchange: &[
            "Bonjour Émilie,\n\nmerci pour votre message. Il s'agit d'un problème connu de la version 4.2 ; la version 4.2.1, publiée aujourd'hui, le corrige. Pouvez-vous mettre l'application à jour et me dire si le problème persiste ?\n\nCordialement,\n{agent}",
            "C'est réglé, merci beaucoup !",
        ],
        attachment: None,
    },
    Topic {
        subject: "注文 {order} の配送について",
        language: Language::Japanese,
        opening: "ご担当者様\n\nいつもお世話になっております。山田です。\n注文 {order} のライセンスキーがまだ届いておりません。確認していただけますでしょうか。\n\nよろしくお願いいたします。\n山田 花子",
        exchange: &[
            "山田様\n\nお問い合わせありがとうございます。ライセンスキーを再送いたしました。迷惑メールフォルダもご確認ください。\n\n何卒よろしくお願いいたします。\n{agent}",
            "受け取りました。ありがとうございました。",
        ],
        attachment: None,
    },
    Topic {
        subject: "Thank you so much 🎉",
        language: Language::English,
        opening: "Hi!\n\njust wanted to say thanks to {agent} and the team - the migration went perfectly and our agents are already faster than before. 🙌\n\nAll the best,\n{first}",
        exchange: &[
            "Hi {first},\n\nthis made our day - thank you for taking the time to write! I've shared it with the whole team. 😊\n\n{agent}",
        ],
        attachment: None,
    },
];

/// Indexes into [`TOPICS`] the generator always includes.
pub const GERMAN_TOPIC: usize = 10;
pub const FRENCH_TOPIC: usize = 11;
pub const JAPANESE_TOPIC: usize = 12;
pub const EMOJI_TOPIC: usize = 13;
pub const SCREENSHOT_TOPIC: usize = 2;
pub const LOG_TOPIC: usize = 5;

/// The customer for a topic in `language`, or `None` to pick an English-speaking one.
pub fn native_customer(language: Language) -> Option<&'static Person> {
    match language {
        Language::English => None,
        Language::German => Some(&GERMAN_CUSTOMER),
        Language::French => Some(&FRENCH_CUSTOMER),
        Language::Japanese => Some(&JAPANESE_CUSTOMER),
    }
}

/// Plans customers might buy.
pub const PLANS: &[&str] = &[
    "Acme Desk Pro",
    "Acme Desk Business",
    "Acme Desk Enterprise",
];

/// The ISO-8859-1 message (subject, body): every character is below U+0100.
pub const SPANISH_SUBJECT: &str = "Consulta sobre la facturación de {invoice}";
pub const SPANISH_BODY: &str = "Buenos días:\n\nen la factura {invoice} aparece un importe de {amount} EUR, pero según nuestro contrato el año pasado pagábamos menos. ¿Podrían revisar si se aplicó el descuento acordado?\n\nMuchas gracias y un saludo,\nCarlos Méndez\nDirector de Atención al Cliente";

/// Newsletter issues (headline, teaser).
pub const NEWSLETTER_ISSUES: &[(&str, &str)] = &[
    (
        "5 metrics every support team should track",
        "First response time is only the beginning.",
    ),
    (
        "How we cut our backlog by 40%",
        "A case study in triage, macros and saying no.",
    ),
    (
        "Shared inboxes vs. ticketing: the 2024 survey",
        "1,200 teams told us how they work.",
    ),
    (
        "The quiet power of saved replies",
        "Consistency without sounding like a robot.",
    ),
];

/// Status alert texts (subject, body).
pub const ALERTS: &[(&str, &str)] = &[
    (
        "[Resolved] Elevated sync latency in EU region",
        "Between 13:05 and 14:20 UTC some EU workspaces saw mailbox sync delays of up to 70 minutes. The cause was an overloaded worker pool, now scaled up. No data was lost.",
    ),
    (
        "[Scheduled] Maintenance on Sunday 02:00-03:00 UTC",
        "We will upgrade the search cluster. Search may return partial results for up to 10 minutes. Sending and receiving mail is not affected.",
    ),
    (
        "[Investigating] Login emails delayed",
        "Password reset and sign-in emails are delayed by up to 15 minutes for some users. We are working with our email provider.",
    ),
];
