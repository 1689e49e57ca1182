//! The HTTP suite: the real application on port 0, on SQLite always and on PostgreSQL when
//! `TERRITOIRES_TEST_DATABASE_URL` is set.

mod access;
mod accounts;
mod across_nodes;
mod api;
mod common;
mod conversations;
mod directory;
mod files;
mod geocoder;
mod hardening;
mod identity;
mod lab;
mod library;
#[path = "../support/load.rs"]
mod load;
mod mail;
mod network;
mod nodes;
mod open311;
mod pages;
mod participation;
mod reports;
mod second_factor;
mod votes;
mod words;
mod workplace;
