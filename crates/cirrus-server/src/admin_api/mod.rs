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
) -> Result<(), ApiError> {
    let AdminAuth::SigV4(keys) = &state.auth else {
        return Ok(());
    };
    if UNSIGNED_ACTIONS.contains(&action) {
        return Ok(());
    }
    let request = SignedRequest::from_parts(parts, body);
    sigv4::verify(
        &request,
        keys,
        &state.cirrus.config.region,
        OffsetDateTime::now_utc(),
    )
    .map(|_| ())
    .map_err(|e| ApiError {
        error_type: e.error_type(),
        message: e.to_string(),
        status: StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::FORBIDDEN),
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
        Ok(body) => call(&state, &parts, &body, action).await,
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
) -> Result<Value, ApiError> {
    let action = action?;
    authenticate(state, parts, body, &action)?;
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
    actions::dispatch(&state.cirrus, &action, input).await
}
