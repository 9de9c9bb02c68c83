//! The tools (docs/design.md §6). One tool is one file here holding everything about it: its
//! spec, input, output, the mapping of NeonPanel's DTOs, and its `run` over the ports. The
//! registry below lists them; shared pure pieces (schema rules, validators, cursors) live in
//! `crate::domain`.
//!
//! Adding a tool: a new file with a type implementing [`Tool`], and one line in `registry!`.

mod accounts;
mod catalogue;
mod runner;
mod selection;
#[cfg(test)]
mod testing;
mod tool;

use std::sync::Arc;

pub use catalogue::Catalogue;
pub use runner::{Policies, ToolRunner};
pub use selection::{CHATGPT_TOOLS, SelectionError, ToolSelection};
pub use tool::{
    CallError, Registered, RegisteredTool, Tool, ToolContext, ToolOutput, encode, page_of,
};

/// Declares each tool's module and lists the tool, in `tools/list` order.
macro_rules! registry {
    ($($module:ident :: $tool:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// Every tool this server has, in `tools/list` order.
        fn registry() -> Vec<Arc<dyn RegisteredTool>> {
            vec![$(Arc::new(Registered::new($module::$tool))),*]
        }
    };
}

registry! {
    list_accounts::ListAccounts,
    get_account::GetAccount,
    search_orders::SearchOrders,
    search_inventory::SearchInventory,
    get_landed_cost::GetLandedCost,
    plan_purchase::PlanPurchase,
    get_revenue_and_cogs::GetRevenueAndCogs,
    get_stock_levels::GetStockLevels,
    search_purchase_orders::SearchPurchaseOrders,
    search::Search,
    fetch::Fetch,
}
