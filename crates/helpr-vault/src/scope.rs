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
        id_list_sql(&self.inboxes)
    }
}

/// `(1,2,3)` for `… IN (…)` in SQL, the ids inlined (integers, never user text); `(NULL)`, which
/// matches nothing, when there are none.
pub(crate) fn id_list_sql(ids: &[i64]) -> String {
    if ids.is_empty() {
        return "(NULL)".to_string();
    }
    let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    format!("({})", list.join(","))
}
