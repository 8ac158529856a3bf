//! The plan: for every object the file declares or the store holds under a managed pool,
//! whether applying the file creates, updates, deletes or leaves it, with a field-level diff.
//! Computing it touches nothing; it also checks the rules that span objects (names, references,
//! members that cannot change after creation).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use cirrus_core::attribute_mapping::{check_client_can_write, check_mapping};
use cirrus_core::model::Timestamp;
use cirrus_core::model::client::AppClient;
use cirrus_core::model::domain::PoolDomain;
use cirrus_core::model::group::Group;
use cirrus_core::model::identity_provider::IdentityProvider;
use cirrus_core::model::resource_server::ResourceServer;
use cirrus_core::model::schema::{Schema, SchemaAttribute};
use cirrus_core::model::user_pool::UserPool;
use cirrus_core::ops::identity_providers::SAML_OUTPUT_KEYS;
use serde_json::{Value, json};

use super::ApplyError;
use super::diff::{Change, SECRET_KEYS, diff};
use super::file::{
    ConfigFile, DomainEntry, GroupEntry, PoolEntry, ProviderEntry, ResourceServerEntry,
};
use super::state::PoolState;

/// What applying the file does to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Unchanged,
    /// In the store under a managed pool, not in the file, and `--prune` was given.
    Delete,
    /// In the store under a managed pool, not in the file; left alone.
    Kept,
}

impl Action {
    fn label(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Unchanged => "unchanged",
            Action::Delete => "delete",
            Action::Kept => "not in file (kept)",
        }
    }

    /// Whether applying changes the store.
    pub fn changes(self) -> bool {
        matches!(self, Action::Create | Action::Update | Action::Delete)
    }
}

/// The kinds of objects under a pool, in the order they are created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    CustomAttribute,
    IdentityProvider,
    ResourceServer,
    Client,
    Domain,
    Group,
}

impl Kind {
    /// The name the file uses for this kind.
    pub fn label(self) -> &'static str {
        match self {
            Kind::CustomAttribute => "custom attribute",
            Kind::IdentityProvider => "identity provider",
            Kind::ResourceServer => "resource server",
            Kind::Client => "app client",
            Kind::Domain => "domain",
            Kind::Group => "group",
        }
    }

    /// The table name in the file, for error locations.
    pub fn table(self) -> &'static str {
        match self {
            Kind::CustomAttribute => "Schema",
            Kind::IdentityProvider => "IdentityProvider",
            Kind::ResourceServer => "ResourceServer",
            Kind::Client => "UserPoolClient",
            Kind::Domain => "Domain",
            Kind::Group => "Group",
        }
    }
}

/// One object under a pool.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub kind: Kind,
    /// The name that identifies it (client name, provider name, identifier, domain, ...).
    pub name: String,
    /// The generated id, for an existing app client.
    pub id: Option<String>,
    pub action: Action,
    pub changes: Vec<Change>,
    /// Why an object is kept although `--prune` was given.
    pub note: Option<&'static str>,
}

/// One pool and its objects.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolPlan {
    /// Index of the pool in the file.
    pub entry: usize,
    pub name: String,
    /// The existing pool's id.
    pub id: Option<String>,
    pub action: Action,
    pub changes: Vec<Change>,
    /// Tag keys to remove (UpdateUserPool keeps tags it is not given).
    pub untag: Vec<String>,
    pub items: Vec<Item>,
}

/// The whole plan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub pools: Vec<PoolPlan>,
}

impl Plan {
    /// Whether applying the plan changes anything.
    pub fn has_changes(&self) -> bool {
        self.pools
            .iter()
            .any(|p| p.action.changes() || p.items.iter().any(|i| i.action.changes()))
    }

    /// Counts by action: (create, update, delete, unchanged, kept).
    pub fn counts(&self) -> [usize; 5] {
        let mut n = [0; 5];
        let actions = self.pools.iter().map(|p| p.action).chain(
            self.pools
                .iter()
                .flat_map(|p| p.items.iter().map(|i| i.action)),
        );
        for a in actions {
            let slot = match a {
                Action::Create => 0,
                Action::Update => 1,
                Action::Delete => 2,
                Action::Unchanged => 3,
                Action::Kept => 4,
            };
            n[slot] += 1;
        }
        n
    }

    /// The plan as printed: one line per object, one indented line per changed field.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for p in &self.pools {
            let id =
                p.id.as_deref()
                    .map(|i| format!(" ({i})"))
                    .unwrap_or_default();
            let _ = writeln!(out, "user pool \"{}\"{id}: {}", p.name, p.action.label());
            for c in &p.changes {
                let _ = writeln!(out, "    ~ {c}");
            }
            for i in &p.items {
                let id =
                    i.id.as_deref()
                        .map(|i| format!(" ({i})"))
                        .unwrap_or_default();
                let note = i.note.map(|n| format!(" ({n})")).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {} \"{}\"{id}: {}{note}",
                    i.kind.label(),
                    i.name,
                    i.action.label()
                );
                for c in &i.changes {
                    let _ = writeln!(out, "      ~ {c}");
                }
            }
        }
        let [c, u, d, n, k] = self.counts();
        let _ = writeln!(
            out,
            "plan: {c} to create, {u} to update, {d} to delete, {n} unchanged, {k} not in file (kept)"
        );
        out
    }
}

/// Builds error locations: `UserPool "demo" > UserPoolClient "web" > CallbackURLs`.
pub fn at(pool: &str, rest: &[String]) -> String {
    let mut s = format!("UserPool \"{pool}\"");
    for r in rest {
        s.push_str(" > ");
        s.push_str(r);
    }
    s
}

struct Ctx<'a> {
    path: &'a Path,
    pool: &'a str,
}

impl Ctx<'_> {
    fn err(&self, rest: &[String], message: impl Into<String>) -> ApplyError {
        ApplyError::Invalid {
            path: self.path.to_path_buf(),
            at: at(self.pool, rest),
            message: message.into(),
        }
    }

    fn object(kind: Kind, name: &str) -> String {
        format!("{} \"{name}\"", kind.table())
    }
}

/// Finds the stored pool each file entry manages (`None`: it will be created). Refuses
/// ambiguous names, names shared with another pool, unknown pinned ids and duplicates.
pub fn match_pools(
    file: &ConfigFile,
    path: &Path,
    pools: &[UserPool],
) -> Result<Vec<Option<String>>, ApplyError> {
    let mut out = Vec::new();
    let mut names = BTreeSet::new();
    let mut ids: BTreeSet<String> = BTreeSet::new();
    for e in &file.user_pools {
        let ctx = Ctx {
            path,
            pool: &e.pool_name,
        };
        if !names.insert(e.pool_name.as_str()) {
            return Err(ctx.err(
                &["PoolName".into()],
                "the file declares this pool name twice",
            ));
        }
        let found = match &e.id {
            Some(id) => {
                if !ids.insert(id.clone()) {
                    return Err(ctx.err(&["Id".into()], format!("the file pins {id} twice")));
                }
                let Some(p) = pools.iter().find(|p| &p.id == id) else {
                    return Err(ctx.err(
                        &["Id".into()],
                        format!("no pool {id} in this store (leave Id out to create the pool)"),
                    ));
                };
                Some(p.id.clone())
            }
            None => {
                let same: Vec<&UserPool> = pools.iter().filter(|p| p.name == e.pool_name).collect();
                match same.as_slice() {
                    [] => None,
                    [p] => Some(p.id.clone()),
                    many => {
                        let ids: Vec<&str> = many.iter().map(|p| p.id.as_str()).collect();
                        return Err(ctx.err(
                            &["PoolName".into()],
                            format!(
                                "{} pools in the store are named \"{}\" ({}); pool names must be unique to be managed by name: rename them or pin one with Id",
                                many.len(),
                                e.pool_name,
                                ids.join(", ")
                            ),
                        ));
                    }
                }
            }
        };
        if let Some(other) = pools
            .iter()
            .find(|p| p.name == e.pool_name && Some(&p.id) != found.as_ref())
        {
            return Err(ctx.err(
                &["PoolName".into()],
                format!(
                    "pool {} already has this name; pool names must be unique",
                    other.id
                ),
            ));
        }
        if let Some(id) = &found
            && e.id.is_none()
            && !ids.insert(id.clone())
        {
            return Err(ctx.err(&["PoolName".into()], format!("pool {id} is declared twice")));
        }
        out.push(found);
    }
    Ok(out)
}

fn json_of<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn nonempty(v: &Option<Vec<String>>) -> Option<&Vec<String>> {
    v.as_ref().filter(|v| !v.is_empty())
}

/// The desired provider details: derived keys dropped, omitted secrets taken from the store.
pub fn desired_details(
    entry: &ProviderEntry,
    current: Option<&BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    let mut details: BTreeMap<String, String> = entry
        .provider_details
        .iter()
        .filter(|(k, _)| entry.provider_type != "SAML" || !SAML_OUTPUT_KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(current) = current {
        for key in SECRET_KEYS {
            if !details.contains_key(*key)
                && let Some(v) = current.get(*key)
            {
                details.insert((*key).to_string(), v.clone());
            }
        }
    }
    details
}

/// Computes the plan of a parsed file against the stored state of the pools it manages
/// (`states[i]` belongs to `file.user_pools[i]`; `None` for pools to create).
pub fn plan(
    file: &ConfigFile,
    path: &Path,
    states: &[Option<PoolState>],
    prune: bool,
) -> Result<Plan, ApplyError> {
    let mut plan = Plan::default();
    for (index, (entry, state)) in file.user_pools.iter().zip(states).enumerate() {
        plan.pools
            .push(plan_pool(index, entry, state.as_ref(), path, prune)?);
    }
    Ok(plan)
}

fn plan_pool(
    index: usize,
    e: &PoolEntry,
    state: Option<&PoolState>,
    path: &Path,
    prune: bool,
) -> Result<PoolPlan, ApplyError> {
    let ctx = Ctx {
        path,
        pool: &e.pool_name,
    };
    let settings = e.settings().map_err(|m| ctx.err(&[], m))?;
    settings
        .validate()
        .map_err(|err| ctx.err(&[], err.to_string()))?;
    let schema = Schema::for_new_pool(&e.schema_attributes())
        .map_err(|err| ctx.err(&["Schema".into()], err.to_string()))?;
    let mut pp = PoolPlan {
        entry: index,
        name: e.pool_name.clone(),
        id: state.map(|s| s.pool.id.clone()),
        action: Action::Create,
        changes: Vec::new(),
        untag: Vec::new(),
        items: Vec::new(),
    };

    if let Some(s) = state {
        let pool = &s.pool;
        for (member, want, have) in [
            (
                "AliasAttributes",
                json_of(&nonempty(&e.alias_attributes)),
                json_of(&nonempty(&pool.alias_attributes)),
            ),
            (
                "UsernameAttributes",
                json_of(&nonempty(&e.username_attributes)),
                json_of(&nonempty(&pool.username_attributes)),
            ),
            (
                "UsernameConfiguration",
                json_of(&e.username_configuration()),
                json_of(&pool.username_configuration),
            ),
        ] {
            if want != have {
                return Err(ctx.err(
                    &[member.into()],
                    format!(
                        "cannot change after the pool is created (stored: {have}, file: {want}); create a new pool instead"
                    ),
                ));
            }
        }
        let mut desired = settings.clone().with_defaults();
        if e.user_pool_tags.is_none() {
            desired.user_pool_tags = pool.settings.user_pool_tags.clone();
        }
        let have_tags = pool.tags();
        let want_tags = desired.user_pool_tags.clone().unwrap_or_default();
        if want_tags.is_empty() {
            pp.untag = have_tags.keys().cloned().collect();
        }
        pp.changes = diff(&json_of(&pool.settings), &json_of(&desired));
        if pool.name != e.pool_name {
            pp.changes.insert(
                0,
                Change {
                    path: "PoolName".into(),
                    old: Some(json!(pool.name)),
                    new: Some(json!(e.pool_name)),
                },
            );
        }
        pp.action = if pp.changes.is_empty() {
            Action::Unchanged
        } else {
            Action::Update
        };
        plan_schema(&ctx, &schema, &pool.schema_attributes, &mut pp)?;
    }

    plan_providers(&ctx, e, state, &schema, prune, &mut pp)?;
    plan_resource_servers(&ctx, e, state, prune, &mut pp)?;
    plan_clients(&ctx, e, state, prune, &mut pp)?;
    plan_domains(&ctx, e, state, prune, &mut pp)?;
    plan_groups(&ctx, e, state, prune, &mut pp)?;
    check_writable(&ctx, e, state, &schema, prune)?;
    Ok(pp)
}

/// Cognito's rule, on the state the plan leads to: every app client can write every attribute
/// that the providers it lists map.
fn check_writable(
    ctx: &Ctx<'_>,
    e: &PoolEntry,
    state: Option<&PoolState>,
    schema: &Schema,
    prune: bool,
) -> Result<(), ApplyError> {
    let pool_id = state.map(|s| s.pool.id.clone()).unwrap_or_default();
    let mut providers: Vec<IdentityProvider> = Vec::new();
    for p in &e.identity_providers {
        providers.push(IdentityProvider {
            user_pool_id: pool_id.clone(),
            provider_name: p.provider_name.clone(),
            provider_type: p.provider_type.clone(),
            provider_details: BTreeMap::new(),
            attribute_mapping: p.attribute_mapping.clone(),
            idp_identifiers: Vec::new(),
            creation_date: Timestamp(0),
            last_modified_date: Timestamp(0),
            metadata_xml: None,
            metadata_fetched_at: None,
            encryption_certificate: None,
            encryption_key_sealed: None,
        });
    }
    let mut clients: Vec<(String, AppClient)> = Vec::new();
    for c in &e.clients {
        let here = Ctx::object(Kind::Client, &c.client_name);
        let settings = c
            .settings()
            .map_err(|m| ctx.err(std::slice::from_ref(&here), m))?;
        clients.push((
            here,
            AppClient {
                user_pool_id: pool_id.clone(),
                client_id: c.client_name.clone(),
                client_secret: None,
                creation_date: Timestamp(0),
                last_modified_date: Timestamp(0),
                settings,
            },
        ));
    }
    if let Some(s) = state
        && !prune
    {
        for p in &s.providers {
            if !providers.iter().any(|q| q.provider_name == p.provider_name) {
                providers.push(p.clone());
            }
        }
        for c in &s.clients {
            if !client_in_file(e, c) {
                let here = format!("app client {} (in the store, not in the file)", c.client_id);
                clients.push((here, c.clone()));
            }
        }
    }
    for (here, client) in &clients {
        for p in providers
            .iter()
            .filter(|p| client.supports_provider(&p.provider_name))
        {
            check_client_can_write(schema, client, p).map_err(|err| {
                ctx.err(&[here.clone(), "WriteAttributes".into()], err.to_string())
            })?;
        }
    }
    Ok(())
}

/// The name a custom attribute is written with in the file (`dept` for `custom:dept`).
pub fn bare_custom_name(full: &str) -> &str {
    let s = full.strip_prefix("dev:").unwrap_or(full);
    s.strip_prefix("custom:").unwrap_or(s)
}

fn plan_schema(
    ctx: &Ctx<'_>,
    desired: &Schema,
    stored: &Schema,
    pp: &mut PoolPlan,
) -> Result<(), ApplyError> {
    for want in &desired.0 {
        let name = want.name.clone().unwrap_or_default();
        let standard = stored.rules(&name).is_some_and(|r| r.standard);
        match stored.get(&name) {
            Some(have) if have == want => {
                if !standard {
                    pp.items
                        .push(item(Kind::CustomAttribute, &name, Action::Unchanged));
                }
            }
            Some(have) => {
                let changes = diff(&json_of(have), &json_of(want));
                let list: Vec<String> = changes.iter().map(Change::to_string).collect();
                return Err(ctx.err(
                    &[format!("Schema \"{}\"", bare_custom_name(&name))],
                    format!(
                        "schema attributes cannot change after the pool is created ({})",
                        list.join("; ")
                    ),
                ));
            }
            None => pp
                .items
                .push(item(Kind::CustomAttribute, &name, Action::Create)),
        }
    }
    for have in &stored.0 {
        let name = have.name.clone().unwrap_or_default();
        if desired.get(&name).is_none() {
            let mut i = item(Kind::CustomAttribute, &name, Action::Kept);
            i.note = Some("custom attributes cannot be deleted");
            pp.items.push(i);
        }
    }
    Ok(())
}

fn item(kind: Kind, name: &str, action: Action) -> Item {
    Item {
        kind,
        name: name.to_string(),
        id: None,
        action,
        changes: Vec::new(),
        note: None,
    }
}

fn leftover(kind: Kind, name: &str, id: Option<String>, prune: bool) -> Item {
    let mut i = item(
        kind,
        name,
        if prune { Action::Delete } else { Action::Kept },
    );
    i.id = id;
    i
}

fn compared(kind: Kind, name: &str, have: &Value, want: &Value) -> Item {
    let changes = diff(have, want);
    let mut i = item(
        kind,
        name,
        if changes.is_empty() {
            Action::Unchanged
        } else {
            Action::Update
        },
    );
    i.changes = changes;
    i
}

fn duplicates<'a>(
    ctx: &Ctx<'_>,
    kind: Kind,
    names: impl Iterator<Item = &'a str>,
) -> Result<(), ApplyError> {
    let mut seen = BTreeSet::new();
    for n in names {
        if !seen.insert(n) {
            return Err(ctx.err(
                &[Ctx::object(kind, n)],
                format!("the file declares this {} twice", kind.label()),
            ));
        }
    }
    Ok(())
}

/// The name that pairs a file entry with its stored twin.
trait Keyed {
    fn key(&self) -> &str;
}

macro_rules! keyed {
    ($($ty:ty => $field:ident),* $(,)?) => {
        $(impl Keyed for $ty {
            fn key(&self) -> &str {
                &self.$field
            }
        })*
    };
}

keyed!(
    ProviderEntry => provider_name,
    IdentityProvider => provider_name,
    ResourceServerEntry => identifier,
    ResourceServer => identifier,
    DomainEntry => domain,
    PoolDomain => domain,
    GroupEntry => group_name,
    Group => group_name,
);

/// The items of one kind whose file entries pair with stored objects by key: `compare` sees
/// each entry with its stored twin (if any), may refuse it, and returns the (stored, desired)
/// JSON of a twin to diff (`None`: create the entry). Stored objects the file does not list
/// are left over.
fn plan_keyed<'a, F: Keyed, S: Keyed>(
    kind: Kind,
    wanted: &'a [F],
    stored: &'a [S],
    prune: bool,
    mut compare: impl FnMut(&'a F, Option<&'a S>) -> Result<Option<(Value, Value)>, ApplyError>,
) -> Result<Vec<Item>, ApplyError> {
    let mut items = Vec::new();
    for w in wanted {
        let twin = stored.iter().find(|s| s.key() == w.key());
        items.push(match compare(w, twin)? {
            None => item(kind, w.key(), Action::Create),
            Some((current, want)) => compared(kind, w.key(), &current, &want),
        });
    }
    for s in stored {
        if !wanted.iter().any(|w| w.key() == s.key()) {
            items.push(leftover(kind, s.key(), None, prune));
        }
    }
    Ok(items)
}

fn plan_providers(
    ctx: &Ctx<'_>,
    e: &PoolEntry,
    state: Option<&PoolState>,
    schema: &Schema,
    prune: bool,
    pp: &mut PoolPlan,
) -> Result<(), ApplyError> {
    let kind = Kind::IdentityProvider;
    duplicates(ctx, kind, e.identity_providers.iter().map(Keyed::key))?;
    let stored = state.map(|s| s.providers.as_slice()).unwrap_or_default();
    let items = plan_keyed(kind, &e.identity_providers, stored, prune, |p, have| {
        let here = Ctx::object(kind, &p.provider_name);
        check_mapping(schema, &p.provider_type, &p.attribute_mapping)
            .map_err(|err| ctx.err(&[here.clone(), "AttributeMapping".into()], err.to_string()))?;
        let Some(have) = have else {
            return Ok(None);
        };
        if have.provider_type != p.provider_type {
            return Err(ctx.err(
                &[here, "ProviderType".into()],
                format!(
                    "cannot change from {} to {}: remove the provider from the file, apply with --prune, then add it back",
                    have.provider_type, p.provider_type
                ),
            ));
        }
        let want = json!({
            "ProviderDetails": desired_details(p, Some(&have.provider_details)),
            "AttributeMapping": p.attribute_mapping,
            "IdpIdentifiers": p.idp_identifiers,
        });
        let current = json!({
            "ProviderDetails": have.provider_details,
            "AttributeMapping": have.attribute_mapping,
            "IdpIdentifiers": have.idp_identifiers,
        });
        Ok(Some((current, want)))
    })?;
    pp.items.extend(items);
    Ok(())
}

fn plan_resource_servers(
    ctx: &Ctx<'_>,
    e: &PoolEntry,
    state: Option<&PoolState>,
    prune: bool,
    pp: &mut PoolPlan,
) -> Result<(), ApplyError> {
    let kind = Kind::ResourceServer;
    duplicates(ctx, kind, e.resource_servers.iter().map(Keyed::key))?;
    let stored = state
        .map(|s| s.resource_servers.as_slice())
        .unwrap_or_default();
    let items = plan_keyed(kind, &e.resource_servers, stored, prune, |r, have| {
        Ok(have.map(|have| {
            (
                json!({"Name": have.name, "Scopes": have.scopes}),
                json!({"Name": r.name, "Scopes": r.scopes}),
            )
        }))
    })?;
    pp.items.extend(items);
    Ok(())
}

/// Whether the file declares this stored client (by its pinned id, or else by name).
fn client_in_file(e: &PoolEntry, stored: &AppClient) -> bool {
    e.clients.iter().any(|c| match &c.client_id {
        Some(id) => id == &stored.client_id,
        None => c.client_name == stored.name(),
    })
}

fn plan_clients(
    ctx: &Ctx<'_>,
    e: &PoolEntry,
    state: Option<&PoolState>,
    prune: bool,
    pp: &mut PoolPlan,
) -> Result<(), ApplyError> {
    let kind = Kind::Client;
    duplicates(ctx, kind, e.clients.iter().map(|c| c.client_name.as_str()))?;
    let stored = state.map(|s| s.clients.as_slice()).unwrap_or_default();
    // The providers the pool will have once the plan is applied.
    let mut providers: BTreeSet<&str> = e
        .identity_providers
        .iter()
        .map(|p| p.provider_name.as_str())
        .collect();
    if !prune {
        providers.extend(
            state
                .iter()
                .flat_map(|s| s.providers.iter().map(|p| p.provider_name.as_str())),
        );
    }
    let mut matched = BTreeSet::new();
    for c in &e.clients {
        let here = Ctx::object(kind, &c.client_name);
        let settings = c
            .settings()
            .map_err(|m| ctx.err(std::slice::from_ref(&here), m))?;
        for name in settings.supported_identity_providers.iter().flatten() {
            if name != "COGNITO" && !providers.contains(name.as_str()) {
                let hint = if prune
                    && state.is_some_and(|s| s.providers.iter().any(|p| &p.provider_name == name))
                {
                    " (--prune deletes it, since the file does not list it)"
                } else {
                    ""
                };
                return Err(ctx.err(
                    &[here, "SupportedIdentityProviders".into()],
                    format!(
                        "lists \"{name}\", which is not an identity provider of this pool: neither the file nor the store defines it{hint}"
                    ),
                ));
            }
        }
        let have = match &c.client_id {
            Some(id) => Some(stored.iter().find(|s| &s.client_id == id).ok_or_else(|| {
                ctx.err(
                    &[here.clone(), "ClientId".into()],
                    format!("no app client {id} in this pool (leave ClientId out to create one)"),
                )
            })?),
            None => {
                let same: Vec<_> = stored
                    .iter()
                    .filter(|s| s.name() == c.client_name)
                    .collect();
                match same.as_slice() {
                    [] => None,
                    [one] => Some(*one),
                    many => {
                        let ids: Vec<&str> = many.iter().map(|s| s.client_id.as_str()).collect();
                        return Err(ctx.err(
                            &[here],
                            format!(
                                "{} app clients of this pool are named \"{}\" ({}); pin one with ClientId",
                                many.len(),
                                c.client_name,
                                ids.join(", ")
                            ),
                        ));
                    }
                }
            }
        };
        match have {
            None => pp.items.push(item(kind, &c.client_name, Action::Create)),
            Some(have) => {
                if let Some(want) = c.generate_secret
                    && want != have.client_secret.is_some()
                {
                    return Err(ctx.err(
                        &[here, "GenerateSecret".into()],
                        format!(
                            "the stored client {} {} a secret, and a secret cannot be added or removed after creation; create a new client instead",
                            have.client_id,
                            if want { "has no" } else { "has" }
                        ),
                    ));
                }
                if !matched.insert(have.client_id.as_str()) {
                    return Err(ctx.err(
                        &[here],
                        format!("app client {} is declared twice", have.client_id),
                    ));
                }
                let want = json_of(&settings.with_defaults());
                let mut i = compared(kind, &c.client_name, &json_of(&have.settings), &want);
                i.id = Some(have.client_id.clone());
                pp.items.push(i);
            }
        }
    }
    for s in stored {
        if !client_in_file(e, s) {
            pp.items
                .push(leftover(kind, s.name(), Some(s.client_id.clone()), prune));
        }
    }
    Ok(())
}

fn plan_domains(
    ctx: &Ctx<'_>,
    e: &PoolEntry,
    state: Option<&PoolState>,
    prune: bool,
    pp: &mut PoolPlan,
) -> Result<(), ApplyError> {
    let kind = Kind::Domain;
    duplicates(ctx, kind, e.domains.iter().map(Keyed::key))?;
    for custom in [false, true] {
        if e.domains
            .iter()
            .filter(|d| d.custom_domain_config.is_some() == custom)
            .count()
            > 1
        {
            return Err(ctx.err(
                &["Domain".into()],
                format!(
                    "a pool has at most one {} domain",
                    if custom { "custom" } else { "prefix" }
                ),
            ));
        }
    }
    let stored = state.map(|s| s.domains.as_slice()).unwrap_or_default();
    let items = plan_keyed(kind, &e.domains, stored, prune, |d, have| {
        let here = Ctx::object(kind, &d.domain);
        let custom = d.custom_domain_config.is_some();
        let Some(have) = have else {
            if let Some(other) = stored.iter().find(|s| {
                s.is_custom() == custom && !e.domains.iter().any(|d| d.domain == s.domain)
            }) && !prune
            {
                return Err(ctx.err(
                    &[here],
                    format!(
                        "the pool already has the {} domain {}, and a pool has only one; remove it from the store first or apply with --prune to replace it",
                        if custom { "custom" } else { "prefix" },
                        other.domain
                    ),
                ));
            }
            return Ok(None);
        };
        if have.is_custom() != custom {
            return Err(ctx.err(
                &[here, "CustomDomainConfig".into()],
                "a domain cannot change between prefix and custom; use another domain name",
            ));
        }
        let want = json!({
            "ManagedLoginVersion": d.managed_login_version.unwrap_or(1),
            "CertificateArn": d.custom_domain_config.as_ref().map(|c| &c.certificate_arn),
        });
        let current = json!({
            "ManagedLoginVersion": have.managed_login_version.unwrap_or(1),
            "CertificateArn": have.certificate_arn,
        });
        Ok(Some((current, want)))
    })?;
    pp.items.extend(items);
    Ok(())
}

fn plan_groups(
    ctx: &Ctx<'_>,
    e: &PoolEntry,
    state: Option<&PoolState>,
    prune: bool,
    pp: &mut PoolPlan,
) -> Result<(), ApplyError> {
    let kind = Kind::Group;
    duplicates(ctx, kind, e.groups.iter().map(Keyed::key))?;
    let stored = state.map(|s| s.groups.as_slice()).unwrap_or_default();
    let items = plan_keyed(kind, &e.groups, stored, prune, |g, have| {
        let Some(have) = have else {
            return Ok(None);
        };
        // Omitted members keep their stored values, as UpdateGroup does.
        let mut want = serde_json::Map::new();
        let mut current = serde_json::Map::new();
        for (k, w, h) in [
            (
                "Description",
                json_of(&g.description),
                json_of(&have.description),
            ),
            ("RoleArn", json_of(&g.role_arn), json_of(&have.role_arn)),
            (
                "Precedence",
                json_of(&g.precedence),
                json_of(&have.precedence),
            ),
        ] {
            if !w.is_null() {
                want.insert(k.into(), w);
                current.insert(k.into(), h);
            }
        }
        Ok(Some((Value::Object(current), Value::Object(want))))
    })?;
    pp.items.extend(items);
    Ok(())
}

/// The custom attributes a plan adds to an existing pool, as AddCustomAttributes takes them.
pub fn added_attributes(entry: &PoolEntry, pp: &PoolPlan) -> Vec<SchemaAttribute> {
    entry
        .schema_attributes()
        .into_iter()
        .filter(|a| {
            let bare = a.name.as_deref().map(bare_custom_name).unwrap_or_default();
            pp.items.iter().any(|i| {
                i.kind == Kind::CustomAttribute
                    && i.action == Action::Create
                    && bare_custom_name(&i.name) == bare
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::file::parse;
    use cirrus_core::model::client::ClientSettings;
    use cirrus_core::model::user_pool::{PoolSettings, UserPool};

    const PATH: &str = "cirrus.toml";

    fn pool(id: &str, name: &str) -> UserPool {
        UserPool {
            id: id.into(),
            name: name.into(),
            arn: format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{id}"),
            creation_date: Timestamp(1),
            last_modified_date: Timestamp(2),
            schema_attributes: Schema::for_new_pool(&[]).unwrap(),
            alias_attributes: None,
            username_attributes: None,
            username_configuration: None,
            settings: PoolSettings::default().with_defaults(),
        }
    }

    fn state(p: UserPool) -> PoolState {
        PoolState {
            pool: p,
            clients: vec![],
            providers: vec![],
            domains: vec![],
            resource_servers: vec![],
            groups: vec![],
        }
    }

    fn client(id: &str, name: &str, settings: ClientSettings) -> AppClient {
        AppClient {
            user_pool_id: "us-east-1_A".into(),
            client_id: id.into(),
            client_secret: None,
            creation_date: Timestamp(1),
            last_modified_date: Timestamp(1),
            settings: ClientSettings {
                client_name: Some(name.into()),
                ..settings
            }
            .with_defaults(),
        }
    }

    fn plan_of(text: &str, states: Vec<Option<PoolState>>, prune: bool) -> Result<Plan, String> {
        let file = parse(text, Path::new(PATH)).map_err(|e| e.to_string())?;
        plan(&file, Path::new(PATH), &states, prune).map_err(|e| e.to_string())
    }

    #[test]
    fn a_new_pool_is_created_with_everything_in_it() {
        let p = plan_of(
            "[[UserPool]]\nPoolName = \"p\"\n[[UserPool.UserPoolClient]]\nClientName = \"web\"\n[[UserPool.Group]]\nGroupName = \"g\"\n",
            vec![None],
            false,
        )
        .unwrap();
        assert_eq!(p.pools[0].action, Action::Create);
        let actions: Vec<(Kind, Action)> = p.pools[0]
            .items
            .iter()
            .map(|i| (i.kind, i.action))
            .collect();
        assert_eq!(
            actions,
            [
                (Kind::Client, Action::Create),
                (Kind::Group, Action::Create)
            ]
        );
        assert!(p.has_changes());
    }

    #[test]
    fn defaults_and_server_filled_members_do_not_show_as_changes() {
        let mut s = state(pool("us-east-1_A", "p"));
        s.clients
            .push(client("c1", "web", ClientSettings::default()));
        let p = plan_of(
            "[[UserPool]]\nPoolName = \"p\"\nMfaConfiguration = \"OFF\"\n[[UserPool.UserPoolClient]]\nClientName = \"web\"\nRefreshTokenValidity = 30\n",
            vec![Some(s)],
            false,
        )
        .unwrap();
        assert!(!p.has_changes(), "{}", p.render());
        assert!(p.render().contains("app client \"web\" (c1): unchanged"));
    }

    #[test]
    fn updates_show_each_changed_field() {
        let mut s = state(pool("us-east-1_A", "p"));
        s.clients.push(client(
            "c1",
            "web",
            ClientSettings {
                callback_urls: Some(vec!["https://a.example.com/cb".into()]),
                ..Default::default()
            },
        ));
        let p = plan_of(
            "[[UserPool]]\nPoolName = \"p\"\nPolicies = { PasswordPolicy = { MinimumLength = 12 } }\n[[UserPool.UserPoolClient]]\nClientName = \"web\"\nCallbackURLs = [\"https://b.example.com/cb\"]\n",
            vec![Some(s)],
            false,
        )
        .unwrap();
        let text = p.render();
        assert_eq!(p.pools[0].action, Action::Update);
        assert!(
            text.contains("~ Policies.PasswordPolicy.MinimumLength: 8 → 12"),
            "{text}"
        );
        assert!(
            text.contains(
                "~ CallbackURLs: [\"https://a.example.com/cb\"] → [\"https://b.example.com/cb\"]"
            ),
            "{text}"
        );
        assert!(text.contains("plan: 0 to create, 2 to update"), "{text}");
    }

    #[test]
    fn objects_missing_from_the_file_are_kept_or_pruned() {
        let mut s = state(pool("us-east-1_A", "p"));
        s.clients
            .push(client("c1", "old", ClientSettings::default()));
        let text = "[[UserPool]]\nPoolName = \"p\"\n";
        let kept = plan_of(text, vec![Some(s.clone())], false).unwrap();
        assert_eq!(kept.pools[0].items[0].action, Action::Kept);
        assert!(!kept.has_changes());
        assert!(
            kept.render()
                .contains("app client \"old\" (c1): not in file (kept)")
        );
        let pruned = plan_of(text, vec![Some(s)], true).unwrap();
        assert_eq!(pruned.pools[0].items[0].action, Action::Delete);
        assert!(pruned.has_changes());
    }

    #[test]
    fn clients_may_only_name_providers_that_will_exist() {
        let err = plan_of(
            "[[UserPool]]\nPoolName = \"p\"\n[[UserPool.UserPoolClient]]\nClientName = \"web\"\nSupportedIdentityProviders = [\"COGNITO\", \"Nope\"]\n",
            vec![None],
            false,
        )
        .unwrap_err();
        assert_eq!(
            err,
            "cirrus.toml: UserPool \"p\" > UserPoolClient \"web\" > SupportedIdentityProviders: lists \"Nope\", which is not an identity provider of this pool: neither the file nor the store defines it"
        );
        // A provider only in the store counts, unless --prune would delete it.
        let mut s = state(pool("us-east-1_A", "p"));
        s.providers.push(IdentityProvider {
            user_pool_id: "us-east-1_A".into(),
            provider_name: "Nope".into(),
            provider_type: "OIDC".into(),
            provider_details: BTreeMap::new(),
            attribute_mapping: BTreeMap::new(),
            idp_identifiers: vec![],
            creation_date: Timestamp(1),
            last_modified_date: Timestamp(1),
            metadata_xml: None,
            metadata_fetched_at: None,
            encryption_certificate: None,
            encryption_key_sealed: None,
        });
        let text = "[[UserPool]]\nPoolName = \"p\"\n[[UserPool.UserPoolClient]]\nClientName = \"web\"\nSupportedIdentityProviders = [\"Nope\"]\n";
        assert!(plan_of(text, vec![Some(s.clone())], false).is_ok());
        let err = plan_of(text, vec![Some(s)], true).unwrap_err();
        assert!(err.contains("--prune deletes it"), "{err}");
    }

    #[test]
    fn mappings_onto_immutable_attributes_are_refused() {
        let err = plan_of(
            "[[UserPool]]\nPoolName = \"p\"\n[[UserPool.Schema]]\nName = \"dept\"\nMutable = false\n[[UserPool.IdentityProvider]]\nProviderName = \"Corp\"\nProviderType = \"SAML\"\nProviderDetails = { MetadataFile = \"<x/>\" }\nAttributeMapping = { \"custom:dept\" = \"department\" }\n",
            vec![None],
            false,
        )
        .unwrap_err();
        assert!(
            err.starts_with(
                "cirrus.toml: UserPool \"p\" > IdentityProvider \"Corp\" > AttributeMapping: AttributeMapping: 'custom:dept' is immutable"
            ),
            "{err}"
        );
    }

    #[test]
    fn clients_must_write_what_their_providers_map() {
        let text = "[[UserPool]]\nPoolName = \"p\"\n[[UserPool.Schema]]\nName = \"dept\"\n[[UserPool.IdentityProvider]]\nProviderName = \"Corp\"\nProviderType = \"SAML\"\nProviderDetails = { MetadataFile = \"<x/>\" }\nAttributeMapping = { \"custom:dept\" = \"department\" }\n[[UserPool.UserPoolClient]]\nClientName = \"web\"\nSupportedIdentityProviders = [\"Corp\"]\n";
        let err = plan_of(text, vec![None], false).unwrap_err();
        assert!(
            err.starts_with("cirrus.toml: UserPool \"p\" > UserPoolClient \"web\" > WriteAttributes: App client web cannot write attribute 'custom:dept', which identity provider Corp maps"),
            "{err}"
        );
        let fixed = format!("{text}WriteAttributes = [\"email\", \"custom:dept\"]\n");
        assert!(plan_of(&fixed, vec![None], false).is_ok());
    }

    #[test]
    fn creation_only_members_cannot_change() {
        let s = state(pool("us-east-1_A", "p"));
        let err = plan_of(
            "[[UserPool]]\nPoolName = \"p\"\nUsernameAttributes = [\"email\"]\n",
            vec![Some(s.clone())],
            false,
        )
        .unwrap_err();
        assert!(
            err.contains("> UsernameAttributes: cannot change after the pool is created"),
            "{err}"
        );
        let err = plan_of(
            "[[UserPool]]\nPoolName = \"p\"\n[[UserPool.Schema]]\nName = \"email\"\nRequired = true\n",
            vec![Some(s.clone())],
            false,
        )
        .unwrap_err();
        assert!(
            err.contains("Schema \"email\": schema attributes cannot change"),
            "{err}"
        );
        // New custom attributes are added.
        let p = plan_of(
            "[[UserPool]]\nPoolName = \"p\"\n[[UserPool.Schema]]\nName = \"dept\"\n",
            vec![Some(s)],
            false,
        )
        .unwrap();
        assert_eq!(p.pools[0].items[0].kind, Kind::CustomAttribute);
        assert_eq!(p.pools[0].items[0].action, Action::Create);
        let file = parse(
            "[[UserPool]]\nPoolName = \"p\"\n[[UserPool.Schema]]\nName = \"dept\"\n",
            Path::new(PATH),
        )
        .unwrap();
        assert_eq!(added_attributes(&file.user_pools[0], &p.pools[0]).len(), 1);
    }

    #[test]
    fn pools_are_matched_by_name_or_pinned_id() {
        let pools = vec![
            pool("us-east-1_A", "a"),
            pool("us-east-1_B", "b"),
            pool("us-east-1_C", "b"),
        ];
        let file = |t: &str| parse(t, Path::new(PATH)).unwrap();
        let m = match_pools(
            &file("[[UserPool]]\nPoolName = \"a\"\n[[UserPool]]\nPoolName = \"new\"\n"),
            Path::new(PATH),
            &pools,
        )
        .unwrap();
        assert_eq!(m, [Some("us-east-1_A".to_string()), None]);
        let err = match_pools(
            &file("[[UserPool]]\nPoolName = \"b\"\n"),
            Path::new(PATH),
            &pools,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("2 pools in the store are named \"b\""),
            "{err}"
        );
        let err = match_pools(
            &file("[[UserPool]]\nPoolName = \"b\"\nId = \"us-east-1_B\"\n"),
            Path::new(PATH),
            &pools,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("pool us-east-1_C already has this name"),
            "{err}"
        );
        let m = match_pools(
            &file("[[UserPool]]\nPoolName = \"renamed\"\nId = \"us-east-1_A\"\n"),
            Path::new(PATH),
            &pools,
        )
        .unwrap();
        assert_eq!(m, [Some("us-east-1_A".to_string())]);
        let err = match_pools(
            &file("[[UserPool]]\nPoolName = \"x\"\nId = \"us-east-1_Z\"\n"),
            Path::new(PATH),
            &pools,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("no pool us-east-1_Z in this store"), "{err}");
    }

    #[test]
    fn secrets_left_out_of_the_file_keep_their_stored_value() {
        let entry = ProviderEntry {
            provider_name: "Google".into(),
            provider_type: "Google".into(),
            provider_details: BTreeMap::from([("client_id".into(), "id".into())]),
            ..Default::default()
        };
        let stored = BTreeMap::from([
            ("client_id".to_string(), "id".to_string()),
            ("client_secret".to_string(), "s3cret".to_string()),
        ]);
        assert_eq!(desired_details(&entry, Some(&stored)), stored);
    }
}
