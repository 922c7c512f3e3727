//! `search`: a Gmail-like query over the encrypted index, inside the caller's scope, resolved
//! through the vault. The index returns message ids only (it stores no text); the vault
//! decrypts date, sender, subject and snippet for the page of hits.

use serde::{Deserialize, Serialize};

use crate::{CoreError, Helpr, MessageSummary};

/// The largest page a search returns.
pub const MAX_SEARCH_LIMIT: u32 = 10_000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchSort {
    /// Newest first.
    #[default]
    Date,
    /// Best match first.
    Relevance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchOptions {
    pub limit: u32,
    pub offset: u32,
    pub sort: SearchSort,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            limit: 50,
            offset: 0,
            sort: SearchSort::Date,
        }
    }
}

/// One page of hits and how many messages match in all.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SearchPage {
    pub total: u64,
    pub hits: Vec<MessageSummary>,
}

impl Helpr {
    /// Searches the messages the caller may see.
    pub async fn search(
        &self,
        query: String,
        options: SearchOptions,
    ) -> Result<SearchPage, CoreError> {
        self.with_vault(move |h| h.search_blocking(&query, options))
            .await
    }

    /// Gets the search index ready, so that the first search of the session answers as fast as
    /// the next ones (at 100,000 messages the first keystroke's results took ~20 ms longer than
    /// the rest): opens it (its reader over every segment) and runs one date-sorted query in
    /// scope whose hits are dropped, which reads the columns and dictionaries every search
    /// reads. An index not made yet is made, as the first search would make it. Decrypts no
    /// mail.
    pub async fn prepare_search(&self) -> Result<(), CoreError> {
        let options = SearchOptions {
            limit: 1,
            offset: 0,
            sort: SearchSort::Date,
        };
        self.with_vault(move |h| h.index_hits("q", options).map(drop))
            .await
    }

    fn search_blocking(
        &self,
        query: &str,
        options: SearchOptions,
    ) -> Result<SearchPage, CoreError> {
        let (scope, hits) = self.index_hits(query, options)?;
        let _phase = tracing::debug_span!(target: "helpr::phase", "vault_resolve").entered();
        let ids: Vec<i64> = hits.message_ids.iter().map(|&id| id as i64).collect();
        let summaries = self.vault.summaries(&scope, &ids)?;
        Ok(SearchPage {
            total: hits.total,
            hits: summaries.into_iter().map(MessageSummary::from).collect(),
        })
    }

    /// The index's page of hits for `query` in the caller's scope (ids only; nothing
    /// decrypted), with that scope.
    fn index_hits(
        &self,
        query: &str,
        options: SearchOptions,
    ) -> Result<(helpr_vault::Scope, helpr_index::SearchHits), CoreError> {
        if options.limit > MAX_SEARCH_LIMIT {
            return Err(CoreError::InvalidInput(format!(
                "--limit must be at most {MAX_SEARCH_LIMIT}"
            )));
        }
        let scope = self.scope()?;
        let inboxes: Vec<u64> = scope.inboxes.iter().map(|&i| i as u64).collect();
        let index = {
            let _phase = tracing::debug_span!(target: "helpr::phase", "index_open").entered();
            self.index.get()?
        };
        let query_phase = tracing::debug_span!(target: "helpr::phase", "index_query").entered();
        let hits = index.search(&helpr_index::SearchRequest {
            query,
            tenant: scope.tenant as u64,
            inboxes: &inboxes,
            sort: match options.sort {
                SearchSort::Date => helpr_index::Sort::Date,
                SearchSort::Relevance => helpr_index::Sort::Relevance,
            },
            limit: options.limit as usize,
            offset: options.offset as usize,
        })?;
        drop(query_phase);
        Ok((scope, hits))
    }
}
