//! Query-string validation and pagination the way NeonPanel (Laravel) answers them: a `422`
//! with `{"message", "errors": {field: [..]}}`, and pages as `current_page/per_page/last_page`
//! next to `data`.

use salvo::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::super::data::calendar::parse_date;

/// Collected validation errors, in the order they were found.
#[derive(Default)]
pub(crate) struct Problems(Vec<(&'static str, String)>);

impl Problems {
    pub(crate) fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }

    /// Renders the 422 and returns `true` when there is anything to report.
    pub(crate) fn reject(self, res: &mut Response) -> bool {
        let Some((_, first)) = self.0.first() else {
            return false;
        };
        // Laravel's summary: the first message, then how many more there are.
        let message = match self.0.len() - 1 {
            0 => first.clone(),
            1 => format!("{first} (and 1 more error)"),
            more => format!("{first} (and {more} more errors)"),
        };
        let mut errors = Map::new();
        for (field, text) in &self.0 {
            let entry = errors.entry(*field).or_insert_with(|| json!([]));
            if let Some(list) = entry.as_array_mut() {
                list.push(json!(text));
            }
        }
        res.status_code(StatusCode::UNPROCESSABLE_ENTITY);
        res.render(Json(json!({ "message": message, "errors": errors })));
        true
    }
}

/// A non-empty, trimmed query parameter.
pub(crate) fn text(req: &Request, name: &str) -> Option<String> {
    req.queries()
        .get(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// An optional date parameter, normalised to `YYYY-MM-DD`.
pub(crate) fn date(
    req: &Request,
    name: &'static str,
    label: &str,
    problems: &mut Problems,
) -> Option<String> {
    let raw = text(req, name)?;
    let parsed = parse_date(&raw);
    if parsed.is_none() {
        problems.add(name, format!("The {label} field must be a valid date."));
    }
    parsed
}

/// `start_date <= end_date` (Laravel `after_or_equal`).
pub(crate) fn check_range(start: Option<&str>, end: Option<&str>, problems: &mut Problems) {
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        problems.add(
            "end_date",
            "The end date field must be a date after or equal to start date.",
        );
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Pager {
    pub page: u64,
    pub per_page: u64,
}

/// OpenAPI: `page` ≥ 1 (default 1), `per_page` 10…60 (default 30).
pub(crate) fn pager(req: &Request, problems: &mut Problems) -> Pager {
    let mut integer = |name: &'static str, label: &str, default: u64| match text(req, name) {
        None => Some(default),
        Some(raw) => {
            let parsed = raw.parse::<u64>().ok();
            if parsed.is_none() {
                problems.add(name, format!("The {label} field must be an integer."));
            }
            parsed
        }
    };
    let page = integer("page", "page", 1);
    let per_page = integer("per_page", "per page", 30);
    if page == Some(0) {
        problems.add("page", "The page field must be at least 1.");
    }
    if per_page.is_some_and(|n| !(10..=60).contains(&n)) {
        problems.add("per_page", "The per page field must be between 10 and 60.");
    }
    Pager {
        page: page.unwrap_or(1).max(1),
        per_page: per_page.unwrap_or(30).clamp(10, 60),
    }
}

/// One page of `items` (empty past the end) with the pagination members.
pub(crate) fn paginate<T: Serialize>(items: &[T], pager: Pager) -> Map<String, Value> {
    let total = items.len() as u64;
    let last_page = total.div_ceil(pager.per_page).max(1);
    let start =
        usize::try_from((pager.page - 1).saturating_mul(pager.per_page)).unwrap_or(usize::MAX);
    let end = start.saturating_add(usize::try_from(pager.per_page).unwrap_or(0));
    let slice = items
        .get(start.min(items.len())..end.min(items.len()))
        .unwrap_or(&[]);
    let mut body = Map::new();
    body.insert("current_page".into(), json!(pager.page));
    body.insert("per_page".into(), json!(pager.per_page));
    body.insert("last_page".into(), json!(last_page));
    body.insert("data".into(), json!(slice));
    body
}

/// The `filters` echo: only the parameters that were given.
pub(crate) fn filters(pairs: &[(&str, Option<&str>)]) -> Value {
    let map: Map<String, Value> = pairs
        .iter()
        .filter_map(|(k, v)| Some(((*k).to_owned(), json!((*v)?))))
        .collect();
    Value::Object(map)
}

/// The query of a dated, searchable list (invoices, inventory orders): `search` (compared in
/// lower case), the inclusive `start_date`..`end_date` and the page.
pub(crate) struct DatedSearch {
    pager: Pager,
    search: Option<String>,
    needle: Option<String>,
    start: Option<String>,
    end: Option<String>,
}

impl DatedSearch {
    /// The query of `req`, or `None` after answering 422 with every bad field.
    pub(crate) fn read(req: &Request, res: &mut Response) -> Option<Self> {
        let mut problems = Problems::default();
        let pager = pager(req, &mut problems);
        let search = text(req, "search");
        let start = date(req, "start_date", "start date", &mut problems);
        let end = date(req, "end_date", "end date", &mut problems);
        check_range(start.as_deref(), end.as_deref(), &mut problems);
        if problems.reject(res) {
            return None;
        }
        Some(Self {
            pager,
            needle: search.as_deref().map(str::to_lowercase),
            search,
            start,
            end,
        })
    }

    /// The search text in lower case, when one was given.
    pub(crate) fn needle(&self) -> Option<&str> {
        self.needle.as_deref()
    }

    /// Whether a record dated `day` is in the range; an undated record only when no date
    /// was asked for.
    pub(crate) fn covers(&self, day: Option<&str>) -> bool {
        match day {
            Some(day) => {
                self.start.as_deref().is_none_or(|s| day >= s)
                    && self.end.as_deref().is_none_or(|e| day <= e)
            }
            None => self.start.is_none() && self.end.is_none(),
        }
    }

    /// The page of `selected` with the `filters` echo of the parameters given.
    pub(crate) fn page<T: Serialize>(&self, selected: &[T]) -> Value {
        let mut body = paginate(selected, self.pager);
        body.insert(
            "filters".into(),
            filters(&[
                ("search", self.search.as_deref()),
                ("start_date", self.start.as_deref()),
                ("end_date", self.end.as_deref()),
            ]),
        );
        Value::Object(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_every_item_once_and_past_the_end_is_empty() {
        let items: Vec<u32> = (0..25).collect();
        let page = |n| {
            paginate(
                &items,
                Pager {
                    page: n,
                    per_page: 10,
                },
            )
        };
        assert_eq!(page(1)["data"], json!((0..10).collect::<Vec<_>>()));
        assert_eq!(page(3)["data"], json!((20..25).collect::<Vec<_>>()));
        assert_eq!(page(3)["last_page"], json!(3));
        assert_eq!(page(4)["data"], json!([]));
        let none: Vec<u32> = Vec::new();
        assert_eq!(
            paginate(
                &none,
                Pager {
                    page: 1,
                    per_page: 10
                }
            )["last_page"],
            json!(1)
        );
    }
}
