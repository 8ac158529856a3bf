//! The cognito-idp admin API: AWS JSON 1.1 on `POST /`, the operation named by
//! `X-Amz-Target: AWSCognitoIdentityProviderService.<Action>`.

mod actions;
mod input;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use cirrus_core::Error;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::sigv4::{self, SignedRequest};
use crate::{AdminAuth, AppState, MAX_ADMIN_BODY};

pub use actions::ACTIONS;

const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Operations Cognito leaves unsigned: they are authorized by a token or a client id instead.
pub const UNSIGNED_ACTIONS: &[&str] = &[
    "AssociateSoftwareToken",
    "ChangePassword",
    "CompleteWebAuthnRegistration",
    "ConfirmDevice",
    "ConfirmForgotPassword",
    "ConfirmSignUp",
    "DeleteUser",
    "DeleteUserAttributes",
    "DeleteWebAuthnCredential",
    "ForgetDevice",
    "ForgotPassword",
    "GetDevice",
    "GetTokensFromRefreshToken",
    "GetUser",
    "GetUserAttributeVerificationCode",
    "GetUserAuthFactors",
    "GlobalSignOut",
    "InitiateAuth",
    "ListDevices",
    "ListWebAuthnCredentials",
    "ResendConfirmationCode",
    "RespondToAuthChallenge",
    "RevokeToken",
    "SetUserMFAPreference",
    "SetUserSettings",
    "SignUp",
    "StartWebAuthnRegistration",
    "UpdateAuthEventFeedback",
    "UpdateDeviceStatus",
    "UpdateUserAttributes",
    "VerifySoftwareToken",
    "VerifyUserAttribute",
];

/// An error as the API answers it: a `__type`, a message and an HTTP status.
#[derive(Debug)]
pub struct ApiError {
    pub error_type: &'static str,
    pub message: String,
    pub status: StatusCode,
}

impl ApiError {
    fn new(error_type: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            error_type,
            message: message.into(),
            status: StatusCode::BAD_REQUEST,
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let error_type = match &e {
            Error::InvalidParameter(_) => "InvalidParameterException",
            Error::ResourceNotFound(_) => "ResourceNotFoundException",
            Error::UserNotFound(_) => "UserNotFoundException",
            Error::DuplicateProvider(_) => "DuplicateProviderException",
            Error::UsernameExists(_) => "UsernameExistsException",
            Error::GroupExists(_) => "GroupExistsException",
            Error::AliasExists(_) => "AliasExistsException",
            Error::ScopeDoesNotExist(_) => "ScopeDoesNotExistException",
            Error::InvalidOAuthFlow(_) => "InvalidOAuthFlowException",
            Error::LimitExceeded(_) => "LimitExceededException",
            Error::NotAuthorized(_) => "NotAuthorizedException",
            Error::ConcurrentModification(_) => "ConcurrentModificationException",
            Error::Unauthorized(_) => "UnauthorizedException",
            Error::UnsupportedOperation(_) => "UnsupportedOperationException",
            Error::UnsupportedTokenType(_) => "UnsupportedTokenTypeException",
            Error::Serialization(_) => "SerializationException",
            Error::Store(_) | Error::Internal(_) => "InternalErrorException",
        };
        match e {
            Error::Store(detail) | Error::Internal(detail) => {
                tracing::error!(%detail, "internal error in admin API");
                ApiError {
                    error_type,
                    message: "Internal server error.".into(),
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                }
            }
            Error::Unauthorized(m) => ApiError {
                error_type,
                message: m,
                status: StatusCode::UNAUTHORIZED,
            },
            other => ApiError::new(error_type, other.to_string()),
        }
    }
}

fn respond(
    status: StatusCode,
    request_id: &str,
    body: Option<Value>,
    error_type: Option<&str>,
) -> Response {
    let bytes = body.map(|b| b.to_string()).unwrap_or_default();
    let mut response = (status, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    if let Some(t) = error_type.and_then(|t| HeaderValue::from_str(t).ok()) {
        headers.insert("x-amzn-errortype", t);
    }
    response
}

fn error_response(request_id: &str, e: ApiError) -> Response {
    let body = json!({"__type": e.error_type, "message": e.message});
    respond(e.status, request_id, Some(body), Some(e.error_type))
}

fn action_of(headers: &HeaderMap) -> Result<String, ApiError> {
    let target = headers
        .get("x-amz-target")
        .ok_or_else(|| ApiError::new("UnknownOperationException", "Missing X-Amz-Target header."))?
        .to_str()
        .map_err(|_| {
            ApiError::new(
                "UnknownOperationException",
                "X-Amz-Target is not valid text.",
            )
        })?;
    target
        .strip_prefix(TARGET_PREFIX)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .ok_or_else(|| {
            ApiError::new(
                "UnknownOperationException",
                format!("Unknown target '{target}': expected {TARGET_PREFIX}<Operation>."),
            )
        })
}

fn authenticate(
    state: &AppState,
    parts: &axum::http::request::Parts,
    body: &Bytes,
    action: &str,
) -> Result<String, ApiError> {
    let AdminAuth::SigV4(keys) = &state.auth else {
        return Ok(UNSIGNED.to_string());
    };
    if UNSIGNED_ACTIONS.contains(&action) {
        return Ok(UNSIGNED.to_string());
    }
    let request = SignedRequest::from_parts(parts, body);
    sigv4::verify(
        &request,
        keys,
        &state.cirrus.config.region,
        OffsetDateTime::now_utc(),
    )
    .map_err(|e| ApiError {
        error_type: e.error_type(),
        message: e.to_string(),
        status: StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::FORBIDDEN),
    })
}

/// The principal of a call no access key signed (an open development server, or an action
/// Cognito authorizes by token or client).
const UNSIGNED: &str = "unsigned";

/// Whether `action` changes state an administrator owns (everything but reads, and but the
/// calls a user or client makes with a token): those calls are audited.
fn is_admin_change(action: &str) -> bool {
    const READS: &[&str] = &["Describe", "List", "Get", "AdminGet", "AdminList"];
    !UNSIGNED_ACTIONS.contains(&action) && !READS.iter().any(|r| action.starts_with(r))
}

/// The identifiers an audit event names: the ones in the request, and the id a create made.
/// Never secrets, provider details or attribute values.
fn audit_target(input: &Value, output: &Value) -> Value {
    const KEYS: &[&str] = &[
        "PoolName",
        "ClientId",
        "ClientName",
        "ProviderName",
        "Domain",
        "Identifier",
        "GroupName",
        "Username",
        "ResourceArn",
    ];
    let mut target = serde_json::Map::new();
    for key in KEYS {
        if let Some(v) = input.get(*key).filter(|v| v.is_string()) {
            target.insert((*key).to_string(), v.clone());
        }
    }
    if let Some(id) = output.pointer("/UserPoolClient/ClientId") {
        target.insert("ClientId".into(), id.clone());
    }
    Value::Object(target)
}

/// The pool a call concerns: `UserPoolId`, the pool a create made, or the pool an ARN names.
fn audit_pool(input: &Value, output: &Value) -> Option<String> {
    input
        .get("UserPoolId")
        .or_else(|| output.pointer("/UserPool/Id"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            input
                .get("ResourceArn")
                .and_then(Value::as_str)
                .and_then(|arn| arn.rsplit_once("userpool/"))
                .map(|(_, id)| id.to_string())
        })
}

/// Whether any string in the input holds a NUL character (no store column can keep one).
fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// Removes `null` members at any depth: AWS treats them as absent.
fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// `POST /`: authenticates, parses and dispatches one admin API call, and counts it by action
/// and error type.
pub async fn handle(State(state): State<AppState>, request: Request<Body>) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let (parts, body) = request.into_parts();
    let action = action_of(&parts.headers);
    let label = match &action {
        Ok(a) => crate::metrics::action_label(a),
        Err(_) => "unknown",
    };
    let result = match axum::body::to_bytes(body, MAX_ADMIN_BODY).await {
        Ok(body) => call(&state, &parts, &body, action, &request_id).await,
        Err(_) => Err(ApiError::new(
            "SerializationException",
            format!("Request body is too large: the limit is {MAX_ADMIN_BODY} bytes."),
        )),
    };
    crate::metrics::admin_call(label, result.as_ref().err().map(|e| e.error_type));
    match result {
        Ok(output) => respond(StatusCode::OK, &request_id, Some(output), None),
        Err(e) => error_response(&request_id, e),
    }
}

async fn call(
    state: &AppState,
    parts: &axum::http::request::Parts,
    body: &Bytes,
    action: Result<String, ApiError>,
    request_id: &str,
) -> Result<Value, ApiError> {
    let action = action?;
    let principal = authenticate(state, parts, body, &action)?;
    let mut input: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|e| {
            ApiError::new(
                "SerializationException",
                format!("Request body is not valid JSON: {e}"),
            )
        })?
    };
    if !input.is_object() {
        return Err(ApiError::new(
            "SerializationException",
            "Request body must be a JSON object.",
        ));
    }
    strip_nulls(&mut input);
    if has_nul(&input) {
        return Err(ApiError::new(
            "InvalidParameterException",
            "Request values must not contain NUL (U+0000) characters.",
        ));
    }
    tracing::debug!(%action, "admin API call");
    let audited = is_admin_change(&action).then(|| input.clone());
    let output = actions::dispatch(&state.cirrus, &action, input).await?;
    if let Some(input) = audited
        && let Some(pool_id) = audit_pool(&input, &output)
    {
        let target = audit_target(&input, &output);
        // The change is made; an audit trail that cannot be written is logged, not answered
        // as a failure of the change.
        if let Err(e) = state
            .cirrus
            .record_admin_change(&pool_id, &action, &principal, request_id, target)
            .await
        {
            tracing::error!(%e, %action, %pool_id, "could not write the audit event of an admin change");
        }
    }
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_calls_are_audited() {
        for action in [
            "CreateUserPool",
            "UpdateUserPoolClient",
            "DeleteIdentityProvider",
            "AdminCreateUser",
            "AdminUserGlobalSignOut",
            "AddCustomAttributes",
            "TagResource",
        ] {
            assert!(is_admin_change(action), "{action}");
        }
        for action in [
            "DescribeUserPool",
            "ListUsers",
            "GetSigningCertificate",
            "AdminGetUser",
            "AdminListGroupsForUser",
            "GetUser",
            "GlobalSignOut",
            "RevokeToken",
        ] {
            assert!(!is_admin_change(action), "{action}");
        }
    }

    #[test]
    fn audit_names_identifiers_only() {
        let input = json!({
            "UserPoolId": "us-east-1_abc",
            "ClientName": "web",
            "ClientSecret": "s3cret",
            "ProviderDetails": {"MetadataFile": "<xml/>"},
            "UserAttributes": [{"Name": "email", "Value": "a@b.c"}],
            "Username": "alice",
        });
        let output = json!({"UserPoolClient": {"ClientId": "c123", "ClientSecret": "s3cret"}});
        let target = audit_target(&input, &output);
        assert_eq!(
            target,
            json!({"ClientName": "web", "Username": "alice", "ClientId": "c123"})
        );
        assert!(!target.to_string().contains("s3cret"));
        assert_eq!(
            audit_pool(&input, &output).as_deref(),
            Some("us-east-1_abc")
        );
        let created = json!({"UserPool": {"Id": "us-east-1_new"}});
        assert_eq!(
            audit_pool(&json!({}), &created).as_deref(),
            Some("us-east-1_new")
        );
        let tagged = json!({"ResourceArn": "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_t"});
        assert_eq!(
            audit_pool(&tagged, &json!({})).as_deref(),
            Some("us-east-1_t")
        );
    }
}
