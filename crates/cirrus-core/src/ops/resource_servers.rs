//! Resource servers and their custom scopes: Create/Describe/Update/Delete/ListResourceServers.

use serde::Deserialize;

use super::{Cirrus, page_size, token};
use crate::error::{Error, Result};
use crate::model::resource_server::{ResourceServer, ResourceServerScope};
use crate::store::StoreError;
use crate::validate;

/// The most resource servers one pool may have.
pub const MAX_RESOURCE_SERVERS: usize = 25;

/// Create/UpdateResourceServer's input.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceServerRequest {
    pub user_pool_id: Option<String>,
    pub identifier: Option<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub scopes: Vec<ResourceServerScope>,
}

fn check(req: &ResourceServerRequest) -> Result<(String, String, String)> {
    let pool_id = validate::required(&req.user_pool_id, "userPoolId")?.clone();
    let identifier = validate::required(&req.identifier, "identifier")?.clone();
    validate::string(
        &identifier,
        "identifier",
        1,
        256,
        &validate::RESOURCE_SERVER_IDENTIFIER,
    )?;
    let name = validate::required(&req.name, "name")?.clone();
    validate::string(&name, "name", 1, 256, &validate::RESOURCE_SERVER_NAME)?;
    validate::count(&req.scopes, "scopes", 0, 100)?;
    let mut seen = std::collections::HashSet::new();
    for (i, s) in req.scopes.iter().enumerate() {
        let member = format!("scopes.{}.member", i + 1);
        let scope = validate::required(&s.scope_name, &format!("{member}.scopeName"))?;
        validate::string(
            scope,
            &format!("{member}.scopeName"),
            1,
            256,
            &validate::SCOPE,
        )?;
        if scope.contains('/') {
            return Err(Error::invalid(format!(
                "Scope name '{scope}' may not contain '/'."
            )));
        }
        let description =
            validate::required(&s.scope_description, &format!("{member}.scopeDescription"))?;
        validate::length(description, &format!("{member}.scopeDescription"), 1, 256)?;
        if !seen.insert(scope.clone()) {
            return Err(Error::invalid(format!(
                "Scope '{scope}' is listed more than once."
            )));
        }
    }
    Ok((pool_id, identifier, name))
}

impl Cirrus {
    /// CreateResourceServer.
    pub async fn create_resource_server(
        &self,
        req: ResourceServerRequest,
    ) -> Result<ResourceServer> {
        let (pool_id, identifier, name) = check(&req)?;
        self.pool(&pool_id).await?;
        let existing = self
            .store
            .list_resource_servers(&pool_id, MAX_RESOURCE_SERVERS, None)
            .await?;
        if existing.items.len() >= MAX_RESOURCE_SERVERS {
            return Err(Error::LimitExceeded(format!(
                "User pool {pool_id} already has {MAX_RESOURCE_SERVERS} resource servers."
            )));
        }
        let server = ResourceServer {
            user_pool_id: pool_id,
            identifier: identifier.clone(),
            name,
            scopes: req.scopes,
        };
        match self.store.create_resource_server(&server).await {
            Ok(()) => Ok(server),
            Err(StoreError::Conflict(_)) => Err(Error::invalid(format!(
                "A resource server with identifier {identifier} already exists in this user pool."
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// Loads a resource server or answers ResourceNotFound.
    pub async fn resource_server(&self, pool_id: &str, identifier: &str) -> Result<ResourceServer> {
        validate::string(
            identifier,
            "identifier",
            1,
            256,
            &validate::RESOURCE_SERVER_IDENTIFIER,
        )?;
        self.pool(pool_id).await?;
        self.store
            .get_resource_server(pool_id, identifier)
            .await?
            .ok_or_else(|| {
                Error::ResourceNotFound(format!("Resource server {identifier} does not exist."))
            })
    }

    /// UpdateResourceServer: replaces name and scopes.
    pub async fn update_resource_server(
        &self,
        req: ResourceServerRequest,
    ) -> Result<ResourceServer> {
        let (pool_id, identifier, name) = check(&req)?;
        let mut server = self.resource_server(&pool_id, &identifier).await?;
        server.name = name;
        server.scopes = req.scopes;
        self.store.put_resource_server(&server).await?;
        Ok(server)
    }

    /// DeleteResourceServer.
    pub async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> Result<()> {
        self.resource_server(pool_id, identifier).await?;
        self.store
            .delete_resource_server(pool_id, identifier)
            .await?;
        Ok(())
    }

    /// ListResourceServers.
    pub async fn list_resource_servers(
        &self,
        pool_id: &str,
        max: Option<i64>,
        next: Option<&String>,
    ) -> Result<(Vec<ResourceServer>, Option<String>)> {
        self.pool(pool_id).await?;
        let limit = page_size(max, "maxResults", 1, 50)?;
        let after = token::decode(next)?;
        let page = self
            .store
            .list_resource_servers(pool_id, limit, after.as_deref())
            .await?;
        Ok((page.items, token::encode(page.next)))
    }
}
