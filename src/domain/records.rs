//! Records that `search` finds and `fetch` reads (the ChatGPT pair), their ids and the links a
//! person clicking a citation lands on.
//!
//! An id is `<kind>:<account>:<record>`: `company:<account>`, `order:<account>:<invoice id>`,
//! `item:<account>:<inventory id>`. It names the account, so `fetch` checks reach before any
//! call; it is plain text because nothing in it is secret (reach is checked, never implied).

use std::collections::HashMap;
use std::fmt;

use super::tools::AccountId;

/// What a record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// A NeonPanel account (company) and its settings.
    Company,
    /// A sales order (NeonPanel invoice).
    Order,
    /// An inventory item.
    Item,
}

impl RecordKind {
    pub const ALL: [Self; 3] = [Self::Company, Self::Order, Self::Item];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Company => "company",
            Self::Order => "order",
            Self::Item => "item",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// The id of one record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordId {
    pub kind: RecordKind,
    pub account: AccountId,
    /// The invoice or inventory id; `None` for a company.
    pub record: Option<i64>,
}

impl RecordId {
    #[must_use]
    pub fn company(account: AccountId) -> Self {
        Self {
            kind: RecordKind::Company,
            account,
            record: None,
        }
    }

    /// Parses an id this server issued; `None` for anything else.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().splitn(3, ':');
        let kind = RecordKind::parse(parts.next()?)?;
        let account = AccountId::parse(parts.next()?).ok()?;
        let record = match (kind, parts.next()) {
            (RecordKind::Company, None) => None,
            (RecordKind::Order | RecordKind::Item, Some(id)) => {
                Some(id.parse::<i64>().ok().filter(|id| *id > 0)?)
            }
            _ => return None,
        };
        Some(Self {
            kind,
            account,
            record,
        })
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.account)?;
        if let Some(record) = self.record {
            write!(f, ":{record}")?;
        }
        Ok(())
    }
}

/// Where a record is seen in NeonPanel's web app: per kind, a template over `{web}` (the web
/// app's origin), `{account}` and `{id}`. Never an API URL: a browser gets only 401 there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordUrls {
    web: String,
    templates: HashMap<RecordKind, String>,
}

impl Default for RecordUrls {
    fn default() -> Self {
        Self::new(Self::DEFAULT_WEB)
    }
}

impl RecordUrls {
    /// NeonPanel's web app (the OpenAPI `servers` entry, whose `/app` serves people).
    pub const DEFAULT_WEB: &'static str = "https://my.neonpanel.com";

    /// The default templates over `web`.
    #[must_use]
    pub fn new(web: &str) -> Self {
        let templates = [
            (RecordKind::Company, "{web}/app?company={account}"),
            (
                RecordKind::Order,
                "{web}/app/processes/invoicing?company={account}&invoice={id}",
            ),
            (
                RecordKind::Item,
                "{web}/app/inventory?company={account}&item={id}",
            ),
        ]
        .into_iter()
        .map(|(kind, t)| (kind, t.to_owned()))
        .collect();
        Self {
            web: web.trim_end_matches('/').to_owned(),
            templates,
        }
    }

    /// Overrides templates from `kind=template,…` (`RECORD_URL_TEMPLATES`).
    ///
    /// # Errors
    /// Every entry that is not `company|order|item=http(s)://…` or `={web}…`.
    pub fn with_overrides(mut self, text: &str) -> Result<Self, String> {
        let mut problems = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let parsed = entry.split_once('=').and_then(|(kind, template)| {
                let template = template.trim();
                let absolute = ["http://", "https://", "{web}"]
                    .iter()
                    .any(|p| template.starts_with(p));
                Some((RecordKind::parse(kind.trim())?, template)).filter(|_| absolute)
            });
            match parsed {
                Some((kind, template)) => {
                    self.templates.insert(kind, template.to_owned());
                }
                None => problems.push(format!("{entry:?}")),
            }
        }
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(format!(
                "expected company|order|item=<http(s) URL or {{web}}…>, got {}",
                problems.join(", ")
            ))
        }
    }

    /// The link of `id`; a `link` NeonPanel itself gave wins over the template.
    #[must_use]
    pub fn url(&self, id: &RecordId, given: Option<&str>) -> String {
        if let Some(link) = given.filter(|l| l.starts_with("https://") || l.starts_with("http://"))
        {
            return link.to_owned();
        }
        let template = self
            .templates
            .get(&id.kind)
            .map_or("{web}/app", String::as_str);
        template
            .replace("{web}", &self.web)
            .replace("{account}", id.account.as_str())
            .replace(
                "{id}",
                &id.record.map(|r| r.to_string()).unwrap_or_default(),
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_anything_else_is_refused() {
        for text in ["company:acme-1", "order:acme-1:33", "item:acme_2:7"] {
            let id = RecordId::parse(text).expect(text);
            assert_eq!(id.to_string(), text);
        }
        for bad in [
            "",
            "order:acme",
            "company:acme:1",
            "item:acme:0",
            "item:acme:x",
            "invoice:acme:1",
            "order:../x:1",
            "order:acme:1:2",
        ] {
            assert_eq!(RecordId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn urls_use_neonpanels_link_then_the_template_of_the_kind() {
        let order = RecordId::parse("order:acme:33").expect("an id");
        let urls = RecordUrls::new("https://web.example/")
            .with_overrides("item=https://items.example/{account}/{id}")
            .expect("valid");
        assert_eq!(
            urls.url(&order, None),
            "https://web.example/app/processes/invoicing?company=acme&invoice=33"
        );
        assert_eq!(
            urls.url(
                &order,
                Some("https://my.neonpanel.com/app/processes/invoicing/tasks/u")
            ),
            "https://my.neonpanel.com/app/processes/invoicing/tasks/u"
        );
        let item = RecordId::parse("item:acme:7").expect("an id");
        assert_eq!(urls.url(&item, None), "https://items.example/acme/7");
        assert!(
            RecordUrls::default()
                .with_overrides("order=/relative")
                .is_err()
        );
        assert!(
            RecordUrls::default()
                .with_overrides("bill=https://x")
                .is_err()
        );
    }
}
