//! The catalogue: the registered tools a server instance offers, found by name or alias.

use std::sync::Arc;

use super::selection::ToolSelection;
use super::tool::RegisteredTool;
use crate::domain::tools::ToolSpec;

/// The tools, with schemas generated once.
#[derive(Clone)]
pub struct Catalogue {
    tools: Vec<Arc<dyn RegisteredTool>>,
}

impl Catalogue {
    /// Every registered tool.
    #[must_use]
    pub fn standard() -> Self {
        Self::of(super::registry())
    }

    #[must_use]
    pub fn of(tools: Vec<Arc<dyn RegisteredTool>>) -> Self {
        Self { tools }
    }

    /// Only the tools `selection` names (`TOOLS`).
    #[must_use]
    pub fn select(&self, selection: &ToolSelection) -> Self {
        Self::of(
            self.tools
                .iter()
                .filter(|t| selection.includes(t.spec().name))
                .cloned()
                .collect(),
        )
    }

    /// Finds a tool by its name or its dotted seed alias.
    #[must_use]
    pub fn find(&self, name: &str) -> Option<&dyn RegisteredTool> {
        self.tools
            .iter()
            .map(AsRef::as_ref)
            .find(|t| t.spec().name == name || t.spec().alias == name)
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &ToolSpec> {
        self.tools.iter().map(|t| t.spec())
    }
}

#[cfg(test)]
mod tests;
