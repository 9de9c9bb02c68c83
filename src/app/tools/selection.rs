//! `TOOLS`: which registered tools one server instance offers (names or groups). What is not
//! selected is neither listed by `tools/list` nor accepted by `tools/call`.
//!
//! Groups: `all` (every tool, the default); `chatgpt` (`search` and `fetch`, the exact pair
//! ChatGPT deep research and company knowledge accept); `neonpanel` (every tool except those
//! two: the NeonPanel data tools for Claude, ChatGPT developer mode, Bedrock, AgentCore).

use std::fmt;

use super::Catalogue;

/// The names of the ChatGPT pair.
pub const CHATGPT_TOOLS: [&str; 2] = ["search", "fetch"];

/// A validated choice of tools, in catalogue order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ToolSelection {
    /// `None`: every tool.
    names: Option<Vec<&'static str>>,
}

/// `TOOLS` named something that is neither a tool nor a group, or selected nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SelectionError(String);

impl ToolSelection {
    /// Every tool.
    #[must_use]
    pub fn all() -> Self {
        Self::default()
    }

    /// Parses `TOOLS`: comma-separated tool names (or dotted aliases) and group names.
    ///
    /// # Errors
    /// [`SelectionError`] naming every unknown entry, the known groups and tools; or when the
    /// list selects no tool.
    pub fn parse(text: &str, catalogue: &Catalogue) -> Result<Self, SelectionError> {
        let mut wanted: Vec<&'static str> = Vec::new();
        let mut unknown = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            match entry {
                "all" => return Ok(Self::all()),
                "chatgpt" => wanted.extend(
                    catalogue
                        .iter()
                        .map(|s| s.name)
                        .filter(|n| CHATGPT_TOOLS.contains(n)),
                ),
                "neonpanel" => wanted.extend(
                    catalogue
                        .iter()
                        .map(|s| s.name)
                        .filter(|n| !CHATGPT_TOOLS.contains(n)),
                ),
                name => match catalogue.find(name) {
                    Some(tool) => wanted.push(tool.spec().name),
                    None => unknown.push(format!("{name:?}")),
                },
            }
        }
        if !unknown.is_empty() {
            let known: Vec<&str> = catalogue.iter().map(|s| s.name).collect();
            return Err(SelectionError(format!(
                "unknown tool or group {} (groups: all, chatgpt, neonpanel; tools: {})",
                unknown.join(", "),
                known.join(", ")
            )));
        }
        if wanted.is_empty() {
            return Err(SelectionError(
                "selects no tool (leave it unset for all tools)".into(),
            ));
        }
        let names = catalogue
            .iter()
            .map(|s| s.name)
            .filter(|n| wanted.contains(n))
            .collect();
        Ok(Self { names: Some(names) })
    }

    /// Whether the tool named `name` is selected.
    #[must_use]
    pub fn includes(&self, name: &str) -> bool {
        self.names
            .as_ref()
            .is_none_or(|names| names.contains(&name))
    }
}

impl fmt::Display for ToolSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.names {
            None => f.write_str("all"),
            Some(names) => f.write_str(&names.join(",")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_names_select_tools_in_catalogue_order() {
        let catalogue = Catalogue::standard();
        let chatgpt = ToolSelection::parse("chatgpt", &catalogue).expect("a group");
        assert_eq!(chatgpt.to_string(), "search,fetch");
        let some = ToolSelection::parse("fetch, neonpanel.getAccount ,search", &catalogue)
            .expect("names and an alias");
        assert_eq!(some.to_string(), "neonpanel_get_account,search,fetch");
        assert!(some.includes("search") && !some.includes("neonpanel_list_accounts"));
        let data = ToolSelection::parse("neonpanel", &catalogue).expect("a group");
        assert!(!data.includes("search") && data.includes("neonpanel_list_accounts"));
        assert_eq!(
            ToolSelection::parse("search,all", &catalogue),
            Ok(ToolSelection::all())
        );
    }

    #[test]
    fn unknown_names_and_empty_lists_are_refused() {
        let catalogue = Catalogue::standard();
        let error =
            ToolSelection::parse("search,nope,neonpanel_x", &catalogue).expect_err("unknown names");
        assert!(
            error.to_string().contains("\"nope\", \"neonpanel_x\""),
            "{error}"
        );
        assert!(ToolSelection::parse(" , ", &catalogue).is_err());
    }
}
