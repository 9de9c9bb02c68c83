//! The one shape every tool has (docs/design.md §6): a [`Tool`] is a spec, a typed input, the
//! target a failure names, and an async `run` over the ports with a credential already granted.
//! Everything common (parsing, policy, scope step-up, the credential and its 401 retry, error
//! targeting) is done once, by [`Registered`] and the runner, for every tool alike.

use async_trait::async_trait;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::runner::ToolRunner;
use crate::app::credentials::Grant;
use crate::app::failure::{Target, ToolFailure};
use crate::domain::arguments::{ToolInput, parse};
use crate::domain::error::FieldErrors;
use crate::domain::pagination::{Cursor, PageSize};
use crate::domain::principal::Caller;
use crate::domain::records::RecordUrls;
use crate::domain::tools::{FailureCode, ToolSpec};
use crate::ports::NeonPanelApi;

/// A tool's `structuredContent` as JSON text: the typed output serialized once. The same text
/// becomes `content[0].text` and is embedded verbatim as `structuredContent`, so no `Value`
/// tree is built and nothing is serialized twice.
pub type ToolOutput = Box<RawValue>;

/// What a tool's `run` may use besides its input and grant.
#[derive(Clone, Copy)]
pub struct ToolContext<'a> {
    pub api: &'a dyn NeonPanelApi,
    /// Page size of the lists a tool hands to the client (`PAGE_SIZE`).
    pub page_size: PageSize,
    /// Where a person sees a record in NeonPanel (`search`/`fetch` citations).
    pub urls: &'a RecordUrls,
}

/// One tool: everything about it lives in its own file beside this one.
#[async_trait]
pub trait Tool: Send + Sync + 'static {
    /// The arguments after lenient parsing and validation.
    type Input: ToolInput + Send + Sync;

    /// Name, alias, description, schemas and default credential mode; built once, at startup.
    fn spec(&self) -> ToolSpec;

    /// What a call is about, so that a NeonPanel refusal or miss can name it.
    fn target<'a>(&self, input: &'a Self::Input) -> Target<'a>;

    /// Runs the call with `grant` (run again with a fresh grant after an upstream 401).
    ///
    /// # Errors
    /// A [`ToolFailure`] for any upstream, reach or not-found failure.
    async fn run(
        &self,
        cx: ToolContext<'_>,
        grant: &Grant,
        input: &Self::Input,
    ) -> Result<ToolOutput, ToolFailure>;
}

/// Why a call produced no output.
#[derive(Debug)]
pub enum CallError {
    /// The arguments did not parse; the service answers per protocol era.
    InvalidArguments(FieldErrors),
    /// The tool ran and failed.
    Failed(ToolFailure),
}

/// A tool as the registry holds it: its spec built once, its input type erased.
#[async_trait]
pub trait RegisteredTool: Send + Sync {
    fn spec(&self) -> &ToolSpec;

    /// Parses `args` and runs the tool through `runner`.
    ///
    /// # Errors
    /// [`CallError::InvalidArguments`] before anything runs; [`CallError::Failed`] after.
    async fn call(
        &self,
        runner: &ToolRunner,
        caller: &Caller,
        args: Option<&Value>,
    ) -> Result<ToolOutput, CallError>;
}

/// A [`Tool`] with its spec.
pub struct Registered<T> {
    tool: T,
    spec: ToolSpec,
}

impl<T: Tool> Registered<T> {
    #[must_use]
    pub fn new(tool: T) -> Self {
        Self {
            spec: tool.spec(),
            tool,
        }
    }
}

#[async_trait]
impl<T: Tool> RegisteredTool for Registered<T> {
    fn spec(&self) -> &ToolSpec {
        &self.spec
    }

    async fn call(
        &self,
        runner: &ToolRunner,
        caller: &Caller,
        args: Option<&Value>,
    ) -> Result<ToolOutput, CallError> {
        let input = parse::<T::Input>(args, &self.spec.input_schema)
            .map_err(CallError::InvalidArguments)?;
        runner
            .run(&self.spec, caller, &self.tool, &input)
            .await
            .map_err(|failure| CallError::Failed(failure.about(self.tool.target(&input))))
    }
}

/// The page a tool's `cursor` argument names in `list`.
///
/// # Errors
/// An `invalid_arguments` failure on `cursor` when it is not a cursor of `list`.
pub fn page_of(list: &'static str, cursor: Option<&str>) -> Result<u32, ToolFailure> {
    Cursor::page_of(list, cursor)
        .map_err(|e| ToolFailure::invalid_arguments(&FieldErrors::single("cursor", e.to_string())))
}

/// Serializes a tool's typed output.
///
/// # Errors
/// An `internal` failure if the output cannot be serialized (never for the tools' structs).
pub fn encode<T: Serialize>(output: &T) -> Result<ToolOutput, ToolFailure> {
    serde_json::value::to_raw_value(output).map_err(|_| {
        ToolFailure::new(
            500,
            FailureCode::Internal,
            "the result could not be encoded",
        )
    })
}
