//! `POST /v1/auth/signup` and `POST /v1/auth/login`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

/// Body of a sign-up.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"email": "ada@example.com", "password": "correct horse battery", "name": "Ada"}))]
pub struct SignUp {
    /// Sign-in address; compared case-insensitively.
    pub email: String,
    /// At least 10 characters, 5 of them different, and not the email.
    #[schema(min_length = 10)]
    pub password: String,
    /// Display name, 1 to 100 printable characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
}

// The password never reaches a log line.
impl fmt::Debug for SignUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignUp")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .field("name", &self.name)
            .finish()
    }
}

/// `201`: the new account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "0190d1f4-7000-7a00-8000-0a0b0c0d0e0f", "email": "ada@example.com",
                          "name": "Ada", "created_at": "2024-06-01T12:00:00Z"}))]
pub struct Account {
    /// Account id.
    pub id: String,
    /// Sign-in address, lowercased.
    pub email: String,
    /// Display name.
    pub name: String,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
}

/// Body of a sign-in (scripts may send HTTP Basic instead).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"email": "ada@example.com", "password": "correct horse battery"}))]
pub struct Credentials {
    /// Sign-in address.
    pub email: String,
    /// Password.
    pub password: String,
}

// The password never reaches a log line.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// An access token: send it as `Authorization: Bearer TOKEN`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
                          "token_type": "Bearer", "expires_at": "2024-06-01T13:00:00Z"}))]
pub struct AccessToken {
    /// The token (a signed JWT).
    pub access_token: String,
    /// How to send it: always `Bearer`.
    pub token_type: TokenType,
    /// When it stops working; sign in again then.
    pub expires_at: DateTime<Utc>,
}

/// How an access token is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum TokenType {
    /// `Authorization: Bearer TOKEN`.
    Bearer,
}
