//! Every method the Gmail discovery document (gmail.v1, revision 20261005) defines under
//! `users/{userId}/`, as method + path pattern + discovery id, and the media-upload paths of
//! the methods with `mediaUpload`. A request matching one the emulator serves is its [`Op`];
//! one matching a method it does not serve is [`Endpoint::Unimplemented`] (501 with Google's
//! envelope); anything else is no route (404 with the envelope).

use super::limits::Op;
use hyper::Method;

/// What a method + path under `users/{userId}/` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Serve(Op),
    /// A discovery method the emulator does not serve, by its discovery id.
    Unimplemented(&'static str),
}

/// `(HTTP method, path after users/{userId}/, discovery id)`. `{x}` matches one non-empty
/// segment; `{x}:verb` one ending in `:verb`.
const METHODS: &[(&str, &str, &str)] = &[
    ("GET", "profile", "users.getProfile"),
    ("POST", "stop", "users.stop"),
    ("POST", "watch", "users.watch"),
    ("POST", "drafts", "users.drafts.create"),
    ("DELETE", "drafts/{id}", "users.drafts.delete"),
    ("GET", "drafts/{id}", "users.drafts.get"),
    ("GET", "drafts", "users.drafts.list"),
    ("POST", "drafts/send", "users.drafts.send"),
    ("PUT", "drafts/{id}", "users.drafts.update"),
    ("GET", "history", "users.history.list"),
    ("POST", "labels", "users.labels.create"),
    ("DELETE", "labels/{id}", "users.labels.delete"),
    ("GET", "labels/{id}", "users.labels.get"),
    ("GET", "labels", "users.labels.list"),
    ("PATCH", "labels/{id}", "users.labels.patch"),
    ("PUT", "labels/{id}", "users.labels.update"),
    ("POST", "messages/batchDelete", "users.messages.batchDelete"),
    ("POST", "messages/batchModify", "users.messages.batchModify"),
    ("POST", "messages/import", "users.messages.import"),
    ("POST", "messages/send", "users.messages.send"),
    ("DELETE", "messages/{id}", "users.messages.delete"),
    ("GET", "messages/{id}", "users.messages.get"),
    ("POST", "messages", "users.messages.insert"),
    ("GET", "messages", "users.messages.list"),
    ("POST", "messages/{id}/modify", "users.messages.modify"),
    ("POST", "messages/{id}/trash", "users.messages.trash"),
    ("POST", "messages/{id}/untrash", "users.messages.untrash"),
    (
        "GET",
        "messages/{messageId}/attachments/{id}",
        "users.messages.attachments.get",
    ),
    (
        "GET",
        "settings/autoForwarding",
        "users.settings.getAutoForwarding",
    ),
    ("GET", "settings/imap", "users.settings.getImap"),
    ("GET", "settings/language", "users.settings.getLanguage"),
    ("GET", "settings/pop", "users.settings.getPop"),
    ("GET", "settings/vacation", "users.settings.getVacation"),
    (
        "PUT",
        "settings/autoForwarding",
        "users.settings.updateAutoForwarding",
    ),
    ("PUT", "settings/imap", "users.settings.updateImap"),
    ("PUT", "settings/language", "users.settings.updateLanguage"),
    ("PUT", "settings/pop", "users.settings.updatePop"),
    ("PUT", "settings/vacation", "users.settings.updateVacation"),
    (
        "POST",
        "settings/cse/identities",
        "users.settings.cse.identities.create",
    ),
    (
        "DELETE",
        "settings/cse/identities/{e}",
        "users.settings.cse.identities.delete",
    ),
    (
        "GET",
        "settings/cse/identities/{e}",
        "users.settings.cse.identities.get",
    ),
    (
        "GET",
        "settings/cse/identities",
        "users.settings.cse.identities.list",
    ),
    (
        "PATCH",
        "settings/cse/identities/{e}",
        "users.settings.cse.identities.patch",
    ),
    (
        "POST",
        "settings/cse/keypairs",
        "users.settings.cse.keypairs.create",
    ),
    (
        "POST",
        "settings/cse/keypairs/{k}:disable",
        "users.settings.cse.keypairs.disable",
    ),
    (
        "POST",
        "settings/cse/keypairs/{k}:enable",
        "users.settings.cse.keypairs.enable",
    ),
    (
        "GET",
        "settings/cse/keypairs/{k}",
        "users.settings.cse.keypairs.get",
    ),
    (
        "GET",
        "settings/cse/keypairs",
        "users.settings.cse.keypairs.list",
    ),
    (
        "POST",
        "settings/cse/keypairs/{k}:obliterate",
        "users.settings.cse.keypairs.obliterate",
    ),
    (
        "POST",
        "settings/delegates",
        "users.settings.delegates.create",
    ),
    (
        "DELETE",
        "settings/delegates/{e}",
        "users.settings.delegates.delete",
    ),
    (
        "GET",
        "settings/delegates/{e}",
        "users.settings.delegates.get",
    ),
    ("GET", "settings/delegates", "users.settings.delegates.list"),
    ("POST", "settings/filters", "users.settings.filters.create"),
    (
        "DELETE",
        "settings/filters/{id}",
        "users.settings.filters.delete",
    ),
    ("GET", "settings/filters/{id}", "users.settings.filters.get"),
    ("GET", "settings/filters", "users.settings.filters.list"),
    (
        "POST",
        "settings/forwardingAddresses",
        "users.settings.forwardingAddresses.create",
    ),
    (
        "DELETE",
        "settings/forwardingAddresses/{e}",
        "users.settings.forwardingAddresses.delete",
    ),
    (
        "GET",
        "settings/forwardingAddresses/{e}",
        "users.settings.forwardingAddresses.get",
    ),
    (
        "GET",
        "settings/forwardingAddresses",
        "users.settings.forwardingAddresses.list",
    ),
    ("POST", "settings/sendAs", "users.settings.sendAs.create"),
    (
        "DELETE",
        "settings/sendAs/{e}",
        "users.settings.sendAs.delete",
    ),
    ("GET", "settings/sendAs/{e}", "users.settings.sendAs.get"),
    ("GET", "settings/sendAs", "users.settings.sendAs.list"),
    (
        "PATCH",
        "settings/sendAs/{e}",
        "users.settings.sendAs.patch",
    ),
    ("PUT", "settings/sendAs/{e}", "users.settings.sendAs.update"),
    (
        "POST",
        "settings/sendAs/{e}/verify",
        "users.settings.sendAs.verify",
    ),
    (
        "DELETE",
        "settings/sendAs/{e}/smimeInfo/{id}",
        "users.settings.sendAs.smimeInfo.delete",
    ),
    (
        "GET",
        "settings/sendAs/{e}/smimeInfo/{id}",
        "users.settings.sendAs.smimeInfo.get",
    ),
    (
        "POST",
        "settings/sendAs/{e}/smimeInfo",
        "users.settings.sendAs.smimeInfo.insert",
    ),
    (
        "GET",
        "settings/sendAs/{e}/smimeInfo",
        "users.settings.sendAs.smimeInfo.list",
    ),
    (
        "POST",
        "settings/sendAs/{e}/smimeInfo/{id}/setDefault",
        "users.settings.sendAs.smimeInfo.setDefault",
    ),
    ("DELETE", "threads/{id}", "users.threads.delete"),
    ("GET", "threads/{id}", "users.threads.get"),
    ("GET", "threads", "users.threads.list"),
    ("POST", "threads/{id}/modify", "users.threads.modify"),
    ("POST", "threads/{id}/trash", "users.threads.trash"),
    ("POST", "threads/{id}/untrash", "users.threads.untrash"),
];

/// The methods with `mediaUpload`, served under `/upload/gmail/v1/users/{userId}/`.
const UPLOADS: &[(&str, &str, &str)] = &[
    ("POST", "drafts", "users.drafts.create"),
    ("POST", "drafts/send", "users.drafts.send"),
    ("PUT", "drafts/{id}", "users.drafts.update"),
    ("POST", "messages/import", "users.messages.import"),
    ("POST", "messages", "users.messages.insert"),
    ("POST", "messages/send", "users.messages.send"),
];

/// The operation behind a discovery id the emulator serves.
fn served(id: &str) -> Option<Op> {
    Some(match id {
        "users.getProfile" => Op::GetProfile,
        "users.stop" => Op::Stop,
        "users.watch" => Op::Watch,
        "users.history.list" => Op::HistoryList,
        "users.labels.create" => Op::LabelsCreate,
        "users.labels.list" => Op::LabelsList,
        "users.messages.send" => Op::MessagesSend,
        "users.messages.delete" => Op::MessagesDelete,
        "users.messages.get" => Op::MessagesGet,
        "users.messages.list" => Op::MessagesList,
        "users.messages.modify" => Op::MessagesModify,
        "users.messages.trash" => Op::MessagesTrash,
        "users.messages.untrash" => Op::MessagesUntrash,
        "users.messages.attachments.get" => Op::AttachmentsGet,
        "users.threads.get" => Op::ThreadsGet,
        "users.threads.list" => Op::ThreadsList,
        _ => return None,
    })
}

/// What `method` on `segments` (the path after `{userId}/`) is; `upload` for the
/// `/upload/…` paths. `None`: no such method.
pub(crate) fn find(method: &Method, segments: &[&str], upload: bool) -> Option<Endpoint> {
    let table = if upload { UPLOADS } else { METHODS };
    let (_, _, id) = table
        .iter()
        .find(|(m, pattern, _)| *m == method.as_str() && matches(pattern, segments))?;
    Some(served(id).map_or(Endpoint::Unimplemented(id), Endpoint::Serve))
}

fn matches(pattern: &str, segments: &[&str]) -> bool {
    let patterns: Vec<&str> = pattern.split('/').collect();
    patterns.len() == segments.len()
        && patterns.iter().zip(segments).all(|(p, s)| {
            if !p.starts_with('{') {
                return p == s;
            }
            let verb = p.split_once('}').map(|(_, rest)| rest).unwrap_or_default();
            s.len() > verb.len() && s.ends_with(verb)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find_str(method: Method, path: &str, upload: bool) -> Option<Endpoint> {
        let segments: Vec<&str> = path.split('/').collect();
        find(&method, &segments, upload)
    }

    #[test]
    fn served_methods_and_their_variables() {
        assert_eq!(
            find_str(Method::GET, "threads/abc", false),
            Some(Endpoint::Serve(Op::ThreadsGet))
        );
        assert_eq!(
            find_str(Method::POST, "messages/send", false),
            Some(Endpoint::Serve(Op::MessagesSend))
        );
        assert_eq!(
            find_str(Method::POST, "messages/send", true),
            Some(Endpoint::Serve(Op::MessagesSend))
        );
        assert_eq!(
            find_str(Method::GET, "messages/a/attachments/b", false),
            Some(Endpoint::Serve(Op::AttachmentsGet))
        );
    }

    #[test]
    fn other_discovery_methods_are_unimplemented_and_the_rest_unknown() {
        assert_eq!(
            find_str(Method::POST, "messages/batchModify", false),
            Some(Endpoint::Unimplemented("users.messages.batchModify"))
        );
        assert_eq!(
            find_str(Method::POST, "settings/cse/keypairs/k1:disable", false),
            Some(Endpoint::Unimplemented(
                "users.settings.cse.keypairs.disable"
            ))
        );
        assert_eq!(
            find_str(Method::POST, "messages", true),
            Some(Endpoint::Unimplemented("users.messages.insert"))
        );
        assert_eq!(find_str(Method::GET, "messages/send/x", false), None);
        assert_eq!(find_str(Method::PUT, "messages/a", false), None);
        assert_eq!(find_str(Method::GET, "profile", true), None);
        assert_eq!(find_str(Method::GET, "threads/", false), None);
        assert_eq!(
            find_str(Method::POST, "settings/cse/keypairs/:disable", false),
            None
        );
    }
}
