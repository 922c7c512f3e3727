//! Setting up an organization and its first owner, outside the API (there is no one yet to
//! ask): `helpr-server create-org`, `cargo xtask server` and tests. The same checks as the API.

use helpr_policy::{OrgId, UserId};

use crate::api::check;
use crate::auth::password;
use crate::error::Failure;
use crate::org::hub::Hub;

/// Makes the organization `name` with its owner.
pub async fn create_org(
    hub: &Hub,
    name: &str,
    owner_name: &str,
    owner_email: &str,
    owner_password: String,
) -> Result<(OrgId, UserId), Failure> {
    let name = check::name(name, "organization name")?;
    let owner_name = check::name(owner_name, "owner's name")?;
    let email = check::email(owner_email)?;
    password::check_new(&owner_password)?;
    let hash = password::hash(owner_password).await?;
    hub.create_org(&name, &owner_name, &email, hash)
        .await
        .map_err(|f| {
            if f.body.code == helpr_proto::error::ErrorCode::Conflict {
                Failure::conflict("a user with this email address exists")
            } else {
                f
            }
        })
}
