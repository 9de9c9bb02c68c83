//! The one walk over NeonPanel's numbered pages, for answers that need more than one page
//! (a company lookup, the caller's reach, every batch of an item).

use std::future::Future;
use std::ops::ControlFlow;

use crate::domain::upstream::{LandedCost, Page};

/// Upper bound on pages read for one answer: 20 pages of [`PageSize::MAX`] is 1,200 records,
/// far beyond any account's companies or an item's batches, and a bound on a looping upstream.
///
/// [`PageSize::MAX`]: crate::domain::pagination::PageSize::MAX
pub(crate) const MAX_PAGES: u32 = 20;

/// One numbered page of a NeonPanel answer (`last_page` beside the records).
pub(crate) trait NumberedPage {
    fn last_page(&self) -> u32;
}

impl<T> NumberedPage for Page<T> {
    fn last_page(&self) -> u32 {
        self.last_page
    }
}

impl NumberedPage for LandedCost {
    fn last_page(&self) -> u32 {
        self.last_page
    }
}

/// Fetches pages 1, 2, … with `fetch` and hands each to `visit`, until `visit` breaks, the
/// last page was read, or [`MAX_PAGES`] were. Returns what `visit` broke with, if it did.
///
/// # Errors
/// The first error `fetch` returns; no further page is read.
pub(crate) async fn walk_pages<P, B, E, Fut>(
    mut fetch: impl FnMut(u32) -> Fut,
    mut visit: impl FnMut(P) -> ControlFlow<B>,
) -> Result<Option<B>, E>
where
    P: NumberedPage,
    Fut: Future<Output = Result<P, E>>,
{
    let mut page = 1;
    loop {
        let got = fetch(page).await?;
        let more = page < got.last_page() && page < MAX_PAGES;
        if let ControlFlow::Break(found) = visit(got) {
            return Ok(Some(found));
        }
        if !more {
            return Ok(None);
        }
        page += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    fn page(current: u32, last: u32) -> Page<u32> {
        Page {
            current_page: current,
            per_page: 1,
            last_page: last,
            data: vec![current],
        }
    }

    #[tokio::test]
    async fn walk_reads_to_the_last_page_and_no_further() {
        let fetched = Cell::new(0);
        let mut seen = Vec::new();
        let found: Result<Option<()>, ()> = walk_pages(
            |n| {
                fetched.set(fetched.get() + 1);
                async move { Ok(page(n, 3)) }
            },
            |p| {
                seen.extend(p.data);
                ControlFlow::Continue(())
            },
        )
        .await;
        assert_eq!(found, Ok(None));
        assert_eq!(seen, vec![1, 2, 3]);
        assert_eq!(fetched.get(), 3);
    }

    #[tokio::test]
    async fn walk_stops_where_visit_breaks_and_at_the_page_bound() {
        let found: Result<Option<u32>, ()> = walk_pages(
            |n| async move { Ok(page(n, 100)) },
            |p| match p.current_page {
                2 => ControlFlow::Break(2),
                _ => ControlFlow::Continue(()),
            },
        )
        .await;
        assert_eq!(found, Ok(Some(2)));
        let fetched = Cell::new(0);
        let endless: Result<Option<()>, ()> = walk_pages(
            |n| {
                fetched.set(fetched.get() + 1);
                async move { Ok(page(n, u32::MAX)) }
            },
            |_| ControlFlow::Continue(()),
        )
        .await;
        assert_eq!(endless, Ok(None));
        assert_eq!(fetched.get(), MAX_PAGES);
    }

    #[tokio::test]
    async fn walk_stops_at_the_first_error() {
        let result: Result<Option<()>, &str> = walk_pages(
            |n| async move { if n == 2 { Err("down") } else { Ok(page(n, 5)) } },
            |_| ControlFlow::Continue(()),
        )
        .await;
        assert_eq!(result, Err("down"));
    }
}
