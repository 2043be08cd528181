//! The path guard: the gateway routes and forwards only paths that mean exactly what they
//! say, so no service ever resolves a path differently from the gateway.
//!
//! A path is accepted only in its canonical form, and then it is routed and forwarded as it
//! is: nothing is decoded, resolved or rewritten, so there is nothing to guess. Refused are dot
//! segments (`.`, `..`), empty segments (`//`; a single trailing `/` is kept as it is), `;` path parameters,
//! backslashes, and percent-encodings that could change how a path splits or resolves (an
//! encoded `/`, `\`, `.` or `%`, i.e. double encoding) or that hide a plain character
//! (`%61` for `a`: an equivalent path must be sent in its plain form). `/api/auth/token`
//! (service tokens) is never routed, in any spelling.

use axum::{
    extract::Request,
    middleware::Next,
    response::{IntoResponse, Response},
};
use kernel::AppError;

/// Why a path is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not a valid path at all: 400.
    Malformed(&'static str),
    /// A valid path the gateway will not route: 404.
    NotRouted(&'static str),
}

/// Paths no client may reach through the gateway, compared without regard to case.
const NEVER_ROUTED: [&str; 1] = ["/api/auth/token"];

/// Middleware: refuses every request whose path is not canonical, before any handler runs.
pub async fn guard(req: Request, next: Next) -> Response {
    match check(req.uri().path()) {
        Ok(()) => next.run(req).await,
        Err(Refusal::Malformed(why)) => AppError::BadRequest(why.into()).into_response(),
        Err(Refusal::NotRouted(why)) => {
            AppError::NotFound(format!("no such resource: {why}")).into_response()
        }
    }
}

/// `Ok` when `path` is canonical and routable. Allocates nothing.
pub fn check(path: &str) -> Result<(), Refusal> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err(Refusal::Malformed("a path must start with `/`"));
    };
    if rest.is_empty() {
        return Ok(());
    }
    // A trailing `/` is part of some paths (`/docs/`): only empty segments inside are refused.
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    for segment in rest.split('/') {
        check_segment(segment)?;
    }
    if is_never_routed(path) {
        return Err(Refusal::NotRouted("this endpoint is not public"));
    }
    Ok(())
}

/// Paths the gateway never routes, in any case.
pub fn is_never_routed(path: &str) -> bool {
    NEVER_ROUTED.iter().any(|blocked| {
        path.len() >= blocked.len()
            && path.as_bytes()[..blocked.len()].eq_ignore_ascii_case(blocked.as_bytes())
            && matches!(path.as_bytes().get(blocked.len()), None | Some(b'/'))
    })
}

fn check_segment(segment: &str) -> Result<(), Refusal> {
    match segment {
        "" => {
            return Err(Refusal::NotRouted(
                "paths with empty segments (`//` or a trailing `/`) are not routed",
            ))
        }
        "." | ".." => {
            return Err(Refusal::NotRouted(
                "paths with `.` or `..` segments are not routed; send the resolved path",
            ))
        }
        _ => {}
    }
    let bytes = segment.as_bytes();
    // Bytes of percent-encoded non-ASCII text must form valid UTF-8 (no overlong `.`).
    let mut encoded_text = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let byte = decode_pair(bytes.get(i + 1..i + 3))?;
                check_encoded(byte)?;
                encoded_text |= byte >= 0x80;
                i += 3;
            }
            b';' => return Err(Refusal::NotRouted("`;` path parameters are not routed")),
            b'\\' => return Err(Refusal::NotRouted("backslashes in paths are not routed")),
            b if is_plain(b) => i += 1,
            _ => {
                return Err(Refusal::Malformed(
                    "the path has a character that must be percent-encoded",
                ))
            }
        }
    }
    if encoded_text && decoded_is_not_utf8(bytes) {
        return Err(Refusal::Malformed(
            "the path's percent-encoding is not valid UTF-8",
        ));
    }
    Ok(())
}

fn decode_pair(pair: Option<&[u8]>) -> Result<u8, Refusal> {
    let hex = |b: u8| (b as char).to_digit(16);
    match pair {
        Some(&[hi, lo]) => match (hex(hi), hex(lo)) {
            (Some(hi), Some(lo)) => Ok((hi * 16 + lo) as u8),
            _ => Err(Refusal::Malformed("`%` must be followed by two hex digits")),
        },
        _ => Err(Refusal::Malformed("`%` must be followed by two hex digits")),
    }
}

/// What an encoded byte may stand for.
fn check_encoded(byte: u8) -> Result<(), Refusal> {
    match byte {
        b'/' | b'\\' => Err(Refusal::NotRouted(
            "encoded `/` or `\\` in paths are not routed",
        )),
        b'.' => Err(Refusal::NotRouted("encoded dots in paths are not routed")),
        b'%' => Err(Refusal::NotRouted(
            "double percent-encoding (`%25`) is not routed",
        )),
        b';' => Err(Refusal::NotRouted("encoded `;` in paths is not routed")),
        0x00..=0x1f | 0x7f => Err(Refusal::Malformed(
            "paths may not contain control characters",
        )),
        b if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'~' => Err(
            Refusal::NotRouted("send letters, digits, `-`, `_` and `~` unencoded"),
        ),
        _ => Ok(()),
    }
}

/// RFC 3986 `pchar` minus `%` (handled apart), `;` and `\`.
fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b'='
                | b':'
                | b'@'
        )
}

/// Rare (only segments with encoded non-ASCII bytes get here), so it may allocate.
fn decoded_is_not_utf8(bytes: &[u8]) -> bool {
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            match decode_pair(bytes.get(i + 1..i + 3)) {
                Ok(b) => decoded.push(b),
                Err(_) => return true,
            }
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    std::str::from_utf8(&decoded).is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_paths_pass_unchanged() {
        for path in [
            "/",
            "/api/products",
            "/api/products/0195f3c2-8f3a-7c1e-9d2b-1a2b3c4d5e6f",
            "/api/products/export",
            "/.well-known/jwks.json",
            "/assets/index-abc123.js",
            "/api/auth/tokens-are-not-this",
            "/api/products/caf%C3%A9",
            "/api/products/a%20b",
            "/docs/",
        ] {
            assert_eq!(check(path), Ok(()), "{path}");
        }
    }

    #[test]
    fn traversal_and_ambiguous_forms_are_refused() {
        for path in [
            "/api/products/../../internal/stock",
            "/api/products/./x",
            "/api/products/%2e%2e/%2e%2e/internal/stock",
            "/api/products/%2E%2E/internal",
            "/api/products/.%2e/internal",
            "/api/products/%252e%252e/internal",
            "/api/products/..%2finternal",
            "/api/products/..%2Finternal",
            "/api/products/..%5cinternal",
            "/api/products/..\\internal",
            "/api/products/..;/internal",
            "/api/products;x=1",
            "/api/products//x",
            "/api/products//",
            "//internal/stock",
            "/api/products/../",
            "/api/%61uth/me",
            "/api/auth/token",
            "/API/AUTH/TOKEN",
            "/api/auth/Token/",
            "/api/auth/token/x",
        ] {
            assert!(matches!(check(path), Err(Refusal::NotRouted(_))), "{path}");
        }
    }

    #[test]
    fn malformed_paths_are_refused() {
        for path in [
            "api/products",
            "/api/products/%zz",
            "/api/products/%2",
            "/api/products/%00",
            "/api/products/%0a",
            "/api/products/%c0%ae%c0%ae/internal",
            "/api/products/a\"b",
            "/api/products/a{b}",
            "/api/products/%u002e",
        ] {
            assert!(matches!(check(path), Err(Refusal::Malformed(_))), "{path}");
        }
    }
}
