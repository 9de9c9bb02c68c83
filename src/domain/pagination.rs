//! Opaque cursors over NeonPanel's numbered pages (`current_page`/`per_page`/`last_page`).
//!
//! A cursor names the list it belongs to, so a cursor from one tool is refused by another
//! instead of silently paging the wrong list. It is hex text: URL- and JSON-safe, and plainly
//! not something a model should try to construct.

use std::fmt::Write;

/// NeonPanel accepts `per_page` from 10 to 60 (OpenAPI `per_page` bounds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageSize(u32);

impl PageSize {
    pub const MIN: u32 = 10;
    pub const MAX: u32 = 60;

    /// # Errors
    /// The size outside 10..=60, as a message for the configuration report.
    pub fn new(size: u32) -> Result<Self, String> {
        if (Self::MIN..=Self::MAX).contains(&size) {
            Ok(Self(size))
        } else {
            Err(format!(
                "page size must be between {} and {}, got {size}",
                Self::MIN,
                Self::MAX
            ))
        }
    }

    #[must_use]
    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for PageSize {
    fn default() -> Self {
        Self(25)
    }
}

/// A position in one paginated list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub list: &'static str,
    pub page: u32,
}

/// The cursor was not issued by this server for this list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the cursor is invalid or belongs to another list; start again without a cursor")]
pub struct CursorError;

impl Cursor {
    #[must_use]
    pub fn encode(&self) -> String {
        let plain = format!("v1:{}:{}", self.list, self.page);
        let mut out = String::with_capacity(plain.len() * 2);
        for byte in plain.bytes() {
            let _ = write!(out, "{byte:02x}");
        }
        out
    }

    /// # Errors
    /// [`CursorError`] when `text` is not a cursor of `list`.
    pub fn decode(list: &'static str, text: &str) -> Result<Self, CursorError> {
        if !text.len().is_multiple_of(2) || text.len() > 256 {
            return Err(CursorError);
        }
        let bytes = text
            .as_bytes()
            .chunks(2)
            .map(|pair| {
                std::str::from_utf8(pair)
                    .ok()
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                    .ok_or(CursorError)
            })
            .collect::<Result<Vec<u8>, _>>()?;
        let plain = String::from_utf8(bytes).map_err(|_| CursorError)?;
        let rest = plain.strip_prefix("v1:").ok_or(CursorError)?;
        let (name, page) = rest.rsplit_once(':').ok_or(CursorError)?;
        let page: u32 = page.parse().map_err(|_| CursorError)?;
        if name != list || page == 0 {
            return Err(CursorError);
        }
        Ok(Self { list, page })
    }

    /// The page a request should fetch: the cursor's, or the first.
    ///
    /// # Errors
    /// [`CursorError`] as for [`Cursor::decode`].
    pub fn page_of(list: &'static str, cursor: Option<&str>) -> Result<u32, CursorError> {
        match cursor {
            None => Ok(1),
            Some(text) => Self::decode(list, text).map(|c| c.page),
        }
    }

    /// The cursor of the page after `current`, when NeonPanel says there is one.
    #[must_use]
    pub fn next(list: &'static str, current: u32, last: u32) -> Option<String> {
        (current < last).then(|| {
            Self {
                list,
                page: current + 1,
            }
            .encode()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_through_its_text() {
        let cursor = Cursor {
            list: "invoices",
            page: 7,
        };
        assert_eq!(Cursor::decode("invoices", &cursor.encode()), Ok(cursor));
    }

    #[test]
    fn cursor_of_another_list_is_refused() {
        let text = Cursor {
            list: "invoices",
            page: 2,
        }
        .encode();
        assert_eq!(Cursor::decode("inventory", &text), Err(CursorError));
    }

    #[test]
    fn garbage_cursors_are_refused() {
        for text in [
            "",
            "zz",
            "abc",
            "76313a696e766f696365733a30",
            "ffff",
            &"a".repeat(300),
        ] {
            assert!(Cursor::page_of("invoices", Some(text)).is_err(), "{text:?}");
        }
    }

    #[test]
    fn next_cursor_exists_only_before_the_last_page() {
        assert!(Cursor::next("invoices", 3, 3).is_none());
        let next = Cursor::next("invoices", 2, 3).expect("a next page");
        assert_eq!(Cursor::page_of("invoices", Some(&next)), Ok(3));
    }

    #[test]
    fn page_size_accepts_only_neonpanel_bounds() {
        assert!(PageSize::new(9).is_err());
        assert!(PageSize::new(61).is_err());
        assert_eq!(PageSize::new(10).map(PageSize::get), Ok(10));
        assert_eq!(PageSize::new(60).map(PageSize::get), Ok(60));
    }
}
