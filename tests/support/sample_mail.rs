//! A seeded generator of synthetic mail for the index tests (tests may not call cargo, so they
//! cannot use `cargo xtask sample-mail`): a Maildir whose messages draw senders, recipients,
//! words, labels (`X-Gmail-Labels`), attachments, seen flags and dates from small fixed pools,
//! so every query in [`SAMPLE_QUERIES`] matches some messages but not all. The same seed and
//! count always give the same bytes.

use std::path::Path;

/// `(display name, address)` of the people who write.
const PEOPLE: [(&str, &str); 8] = [
    ("Ana Silva", "ana@acme.test"),
    ("Bo Berg", "bo@acme.test"),
    ("Chen Wei", "chen@partner.test"),
    ("Dana Ortiz", "dana@acme.test"),
    ("Eli Cohen", "eli@vendor.test"),
    ("Fatou Diop", "fatou@partner.test"),
    ("Gus Lind", "gus@vendor.test"),
    ("Hana Sato", "hana@acme.test"),
];

const WORDS: [&str; 32] = [
    "invoice",
    "budget",
    "deploy",
    "outage",
    "refund",
    "contract",
    "meeting",
    "roadmap",
    "printer",
    "vpn",
    "laptop",
    "password",
    "quarterly",
    "report",
    "schedule",
    "holiday",
    "customer",
    "shipment",
    "delay",
    "license",
    "renewal",
    "backup",
    "server",
    "onboarding",
    "payroll",
    "audit",
    "travel",
    "expense",
    "ticket",
    "release",
    "feedback",
    "survey",
];

const LABELS: [&str; 5] = ["Billing", "Team/Ops", "Urgent", "Project X", "Spam"];

const FILES: [&str; 5] = [
    "invoice-2024.pdf",
    "q3-report.xlsx",
    "screenshot.png",
    "contract-draft.docx",
    "server.log",
];

/// 2024-01-01T00:00:00Z; dates spread over the year after it.
const START: i64 = 1_704_067_200;
const YEAR: u64 = 366 * 24 * 3600;

/// Queries that each match part of a generated mailbox (all operators, combined).
pub const SAMPLE_QUERIES: [&str; 16] = [
    "invoice",
    "budget report",
    "\"quarterly report\"",
    "from:ana",
    "from:bo@acme.test",
    "to:chen",
    "cc:dana",
    "subject:outage",
    "label:billing",
    "in:inbox -label:spam",
    "label:\"project x\"",
    "has:attachment filename:pdf",
    "is:unread after:2024-06-01",
    "before:2024-03-01 -is:unread",
    "(from:eli OR from:gus) has:attachment",
    "refund OR shipment -deploy",
];

/// xorshift64*: small, and fixed forever.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    fn words(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| self.pick(&WORDS))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Seconds since the epoch of a UTC date and time (days from the civil date: Howard Hinnant's
/// algorithm).
pub fn utc(year: i64, month: i64, day: i64, hour: i64, minute: i64, second: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400 + hour * 3600 + minute * 60 + second
}

/// `Mon, 2 Mar 2026 10:00:00 +0000` for seconds since the epoch (UTC).
pub fn rfc2822(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{}, {day} {} {year} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Writes `count` messages into the Maildir `dir` (`cur/`, `new/`, `tmp/`); returns `count`.
/// Every message has a unique subject ending in `#<n>` and a unique Message-ID.
pub fn write_sample_maildir(dir: &Path, count: usize, seed: u64) -> usize {
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    for n in 0..count {
        let (name, from) = rng.pick(&PEOPLE);
        let mut to = vec!["Team <team@acme.test>".to_string()];
        if rng.below(3) == 0 {
            let (name, addr) = rng.pick(&PEOPLE);
            to.push(format!("{name} <{addr}>"));
        }
        let mut headers = format!("From: {name} <{from}>\r\nTo: {}\r\n", to.join(", "));
        if rng.below(4) == 0 {
            let (name, addr) = rng.pick(&PEOPLE);
            headers.push_str(&format!("Cc: {name} <{addr}>\r\n"));
        }
        let date = START + rng.below(YEAR) as i64;
        let subject = format!("{} #{n}", rng.words(3));
        headers.push_str(&format!(
            "Subject: {subject}\r\nDate: {}\r\nMessage-ID: <s{seed}-{n}@sample.test>\r\nMIME-Version: 1.0\r\n",
            rfc2822(date)
        ));
        if rng.below(5) != 0 {
            let mut labels = vec!["Inbox"];
            for _ in 0..rng.below(3) {
                labels.push(rng.pick(&LABELS));
            }
            labels.dedup();
            headers.push_str(&format!("X-Gmail-Labels: {}\r\n", labels.join(",")));
        }
        let lines: Vec<String> = (0..2 + rng.below(4))
            .map(|_| {
                let n = 4 + rng.below(8) as usize;
                rng.words(n)
            })
            .collect();
        let body = lines.join("\r\n");
        let mail = if rng.below(5) == 0 {
            let file = rng.pick(&FILES);
            format!(
                "{headers}Content-Type: multipart/mixed; boundary=SAMPLE\r\n\r\n\
--SAMPLE\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n\
--SAMPLE\r\nContent-Type: application/octet-stream; name=\"{file}\"\r\n\
Content-Disposition: attachment; filename=\"{file}\"\r\n\r\n\
attachment {n} of sample {seed}\r\n--SAMPLE--\r\n"
            )
        } else {
            format!("{headers}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n")
        };
        let unique = format!("{date}.S{seed}N{n:05}.sample");
        let path = match rng.below(10) {
            0..=5 => dir.join("cur").join(format!("{unique}:2,S")),
            6 => dir.join("cur").join(format!("{unique}:2,")),
            _ => dir.join("new").join(unique),
        };
        std::fs::write(path, mail).unwrap();
    }
    count
}

#[cfg(test)]
mod tests {
    use super::{rfc2822, utc};

    #[test]
    fn dates_format_as_rfc2822() {
        assert_eq!(rfc2822(0), "Thu, 1 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc2822(1_709_164_800), "Thu, 29 Feb 2024 00:00:00 +0000");
        assert_eq!(rfc2822(1_772_445_600), "Mon, 2 Mar 2026 10:00:00 +0000");
        assert_eq!(utc(2026, 3, 2, 10, 0, 0), 1_772_445_600);
        assert_eq!(utc(1970, 1, 1, 0, 0, 0), 0);
        let t = utc(2023, 12, 31, 23, 59, 59);
        assert_eq!(rfc2822(t), "Sun, 31 Dec 2023 23:59:59 +0000");
    }
}
