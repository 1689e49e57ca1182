//! A component's routes together with the list of their paths, so that the assembled
//! application knows every address it answers (the route × role test walks them all).

use crate::app::AppState;
use axum::Router;
use axum::routing::MethodRouter;

/// Routes being assembled, and their paths (axum's own syntax, `/s/{space}/…`).
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    paths: Vec<String>,
}

/// Every path of the assembled application with the component that answers it, kept as an
/// extension of its state.
pub struct RoutePaths(pub Vec<(&'static str, String)>);

impl Routes {
    /// No route yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a route, as [`Router::route`] does.
    pub fn route(mut self, path: &str, method_router: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, method_router);
        self.paths.push(path.to_string());
        self
    }

    /// Adds another set of routes, as [`Router::merge`] does.
    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.paths.extend(other.paths);
        self
    }

    /// The paths added so far.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// The router.
    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}
