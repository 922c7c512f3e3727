//! The access filter every read takes: which tenant and which of its inboxes the caller may see.
//! Today helpr-core grants all inboxes of a tenant; the team server will narrow it (DESIGN §9).

/// The inboxes a read may touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub tenant: i64,
    pub inboxes: Vec<i64>,
}

impl Scope {
    /// `inbox_id IN (…)` for SQL, with the ids inlined (they are integers, never user text).
    pub(crate) fn inbox_sql(&self) -> String {
        if self.inboxes.is_empty() {
            return "(NULL)".to_string();
        }
        let ids: Vec<String> = self.inboxes.iter().map(|i| i.to_string()).collect();
        format!("({})", ids.join(","))
    }
}
