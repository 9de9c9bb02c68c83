//! Upstream text made fit for a log line: an error body or transport error may echo a token,
//! a signed URL or a secret, so anything that looks like one is replaced and the text is cut
//! to a bounded length.

/// Longest redacted text kept, in characters.
const MAX_CHARS: usize = 300;
/// A run of token characters this long is taken for a credential (JWT, opaque token, signature).
const SECRET_LIKE: usize = 32;
const REDACTED: &str = "[redacted]";

/// `text` with JWTs, bearer values and long opaque strings replaced by `[redacted]`, at most
/// [`MAX_CHARS`] characters.
#[must_use]
pub(crate) fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_CHARS) + 16);
    let mut word = String::new();
    let mut after_bearer = false;
    for c in text.chars() {
        if is_token_char(c) {
            word.push(c);
            continue;
        }
        push_word(&mut out, &mut word, &mut after_bearer);
        out.push(c);
    }
    push_word(&mut out, &mut word, &mut after_bearer);
    if out.chars().count() > MAX_CHARS {
        out = out.chars().take(MAX_CHARS).collect();
        out.push('…');
    }
    out
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~+/=%".contains(c)
}

fn push_word(out: &mut String, word: &mut String, after_bearer: &mut bool) {
    if word.is_empty() {
        return;
    }
    let secret = *after_bearer || word.starts_with("eyJ") || word.len() >= SECRET_LIKE;
    *after_bearer = word.eq_ignore_ascii_case("bearer")
        || word.eq_ignore_ascii_case("token")
        || word.eq_ignore_ascii_case("access_token");
    out.push_str(if secret { REDACTED } else { word });
    word.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_replaced_and_plain_words_kept() {
        let table = [
            ("Not found.", "Not found."),
            ("bad token eyJhbGciOi.eyJzdWIi.c2ln", "bad token [redacted]"),
            (
                "Authorization: Bearer abc123",
                "Authorization: Bearer [redacted]",
            ),
            (
                "GET https://s3.example/x?X-Amz-Signature=0123456789abcdef0123456789abcdef",
                "GET https://s3.example/x?[redacted]",
            ),
            ("os error 104", "os error 104"),
        ];
        for (raw, expected) in table {
            assert_eq!(redact(raw), expected, "{raw}");
        }
    }

    #[test]
    fn long_text_is_cut() {
        let text = "word ".repeat(200);
        assert!(redact(&text).chars().count() <= MAX_CHARS + 1);
    }
}
