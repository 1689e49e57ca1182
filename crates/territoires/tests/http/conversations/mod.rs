//! Conversations over HTTP: their pages (voting one statement at a time, moderation, the map,
//! the report and the open data) and their API (statements, votes and the opinion map).

mod api;
mod pages;
mod upgrade;
