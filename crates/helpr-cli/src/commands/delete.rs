//! `helpr delete ID`: deletes a message for good — from the vault, from search results and
//! from the index files — before it returns.

use std::path::Path;

use helpr_core::{CoreError, Helpr};

use crate::output;

pub async fn run(dir: &Path, id: i64, json: bool) -> Result<(), CoreError> {
    let helpr = Helpr::open(dir).await?;
    helpr.delete_message(id).await?;
    if json {
        output::print_json(&serde_json::json!({ "deleted": id }));
    } else {
        println!("deleted message {id}");
    }
    Ok(())
}
