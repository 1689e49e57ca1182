//! The platform assembled: every component registered with the kernel.

use kernel::Component;

pub mod backup;

/// Every component of the platform, the kernel first.
pub fn components() -> Vec<Component> {
    vec![
        kernel::component(),
        identity::component(),
        directory::component(),
        participation::component(),
        votes::component(),
        reports::component(),
        library::component(),
        lab::component(),
        network::component(),
        conversations::component(),
    ]
}

/// Opens the database of a configuration and builds the application, ready to serve.
pub async fn app(
    config: kernel::config::Config,
) -> Result<(axum::Router, kernel::AppState), kernel::StartError> {
    let db = kernel::open_database(&config, &components()).await?;
    kernel::build(config, db, components()).await
}

#[cfg(test)]
mod texts;
