//! Groups and membership: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups,
//! AdminAddUserToGroup, AdminRemoveUserFromGroup, AdminListGroupsForUser, ListUsersInGroup.

use serde::Deserialize;

use super::{Cirrus, page_size, token};
use crate::error::{Error, Result};
use crate::model::group::Group;
use crate::model::user::User;
use crate::store::StoreError;
use crate::validate;

/// The most groups a user may belong to.
pub const MAX_GROUPS_PER_USER: usize = 100;
/// The most groups one pool may have.
pub const MAX_GROUPS_PER_POOL: usize = 10_000;

/// Create/UpdateGroup's input.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupRequest {
    pub user_pool_id: Option<String>,
    pub group_name: Option<String>,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub precedence: Option<i64>,
}

fn check(req: &GroupRequest) -> Result<(String, String)> {
    let pool_id = validate::required(&req.user_pool_id, "userPoolId")?.clone();
    let name = validate::required(&req.group_name, "groupName")?.clone();
    check_name(&name)?;
    if let Some(d) = &req.description {
        validate::length(d, "description", 0, 2048)?;
    }
    if let Some(r) = &req.role_arn {
        validate::string(r, "roleArn", 20, 2048, &validate::ARN)?;
    }
    if let Some(p) = req.precedence {
        validate::range(p, "precedence", 0, i64::from(i32::MAX))?;
    }
    Ok((pool_id, name))
}

fn check_name(name: &str) -> Result<()> {
    validate::string(name, "groupName", 1, 128, &validate::USERNAME)
}

impl Cirrus {
    /// CreateGroup.
    pub async fn create_group(&self, req: GroupRequest) -> Result<Group> {
        let (pool_id, name) = check(&req)?;
        self.pool(&pool_id).await?;
        let now = self.timestamp();
        let group = Group {
            group_name: name.clone(),
            user_pool_id: pool_id,
            description: req.description,
            role_arn: req.role_arn,
            precedence: req.precedence,
            creation_date: now,
            last_modified_date: now,
        };
        match self.store.create_group(&group).await {
            Ok(()) => Ok(group),
            Err(StoreError::Conflict(_)) => Err(Error::GroupExists(format!(
                "A group with the name {name} already exists."
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// Loads a group or answers ResourceNotFound.
    pub async fn group(&self, pool_id: &str, name: &str) -> Result<Group> {
        check_name(name)?;
        self.pool(pool_id).await?;
        self.store
            .get_group(pool_id, name)
            .await?
            .ok_or_else(|| Error::ResourceNotFound("Group not found.".into()))
    }

    /// UpdateGroup: supplied members replace the stored ones.
    pub async fn update_group(&self, req: GroupRequest) -> Result<Group> {
        let (pool_id, name) = check(&req)?;
        let mut group = self.group(&pool_id, &name).await?;
        if req.description.is_some() {
            group.description = req.description;
        }
        if req.role_arn.is_some() {
            group.role_arn = req.role_arn;
        }
        if req.precedence.is_some() {
            group.precedence = req.precedence;
        }
        group.last_modified_date = self.timestamp();
        self.store.put_group(&group).await?;
        Ok(group)
    }

    /// DeleteGroup.
    pub async fn delete_group(&self, pool_id: &str, name: &str) -> Result<()> {
        self.group(pool_id, name).await?;
        self.store.delete_group(pool_id, name).await?;
        Ok(())
    }

    /// ListGroups.
    pub async fn list_groups(
        &self,
        pool_id: &str,
        limit: Option<i64>,
        next: Option<&String>,
    ) -> Result<(Vec<Group>, Option<String>)> {
        self.pool(pool_id).await?;
        let limit = page_size(limit, "limit", 0, 60)?;
        let after = token::decode(next)?;
        let page = self
            .store
            .list_groups(pool_id, limit, after.as_deref())
            .await?;
        Ok((page.items, token::encode(page.next)))
    }

    /// AdminAddUserToGroup.
    pub async fn add_user_to_group(
        &self,
        pool_id: &str,
        username: &str,
        group: &str,
    ) -> Result<()> {
        let (_, user) = self.user(pool_id, username).await?;
        self.group(pool_id, group).await?;
        let current = self
            .store
            .groups_of_user(pool_id, &user.username, MAX_GROUPS_PER_USER, None)
            .await?;
        if current.next.is_some() && !current.items.iter().any(|g| g.group_name == group) {
            return Err(Error::LimitExceeded(format!(
                "User {} already belongs to {MAX_GROUPS_PER_USER} groups.",
                user.username
            )));
        }
        self.store
            .add_user_to_group(pool_id, group, &user.username)
            .await?;
        Ok(())
    }

    /// AdminRemoveUserFromGroup.
    pub async fn remove_user_from_group(
        &self,
        pool_id: &str,
        username: &str,
        group: &str,
    ) -> Result<()> {
        let (_, user) = self.user(pool_id, username).await?;
        self.group(pool_id, group).await?;
        self.store
            .remove_user_from_group(pool_id, group, &user.username)
            .await?;
        Ok(())
    }

    /// AdminListGroupsForUser.
    pub async fn groups_for_user(
        &self,
        pool_id: &str,
        username: &str,
        limit: Option<i64>,
        next: Option<&String>,
    ) -> Result<(Vec<Group>, Option<String>)> {
        let (_, user) = self.user(pool_id, username).await?;
        let limit = page_size(limit, "limit", 0, 60)?;
        let after = token::decode(next)?;
        let page = self
            .store
            .groups_of_user(pool_id, &user.username, limit, after.as_deref())
            .await?;
        Ok((page.items, token::encode(page.next)))
    }

    /// ListUsersInGroup.
    pub async fn users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        limit: Option<i64>,
        next: Option<&String>,
    ) -> Result<(Vec<User>, Option<String>)> {
        self.group(pool_id, group).await?;
        let limit = page_size(limit, "limit", 0, 60)?;
        let after = token::decode(next)?;
        let page = self
            .store
            .users_in_group(pool_id, group, limit, after.as_deref())
            .await?;
        Ok((page.items, token::encode(page.next)))
    }
}
