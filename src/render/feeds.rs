//! Files for hosts and feed readers: `feed.xml` (Atom) of the latest
//! reports, and `sitemap.xml` when `base_url` is set.
//!
//! Pages never need `base_url`, and neither does the feed: without it the
//! feed's links are relative to `feed.xml` (readers that fetch it from a
//! host resolve them against its address), and entry ids are
//! `urn:chronicle:<url>`. A sitemap must list absolute URLs, so it is only
//! written when `base_url` is set. Both are Tera templates of the theme, so
//! a site can override them like any page.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::json;
use tera::Context;

use super::{OutFile, Renderer};
use crate::content::iso;
use crate::diag::Diagnostic;

/// How many reports the feed carries, newest first.
pub const FEED_ENTRIES: usize = 20;

fn rfc3339(d: NaiveDate) -> String {
    format!("{}T00:00:00Z", iso(d))
}

impl Renderer<'_> {
    /// `base_url` without its trailing slash; empty when unset.
    fn base(&self) -> String {
        self.site
            .config
            .base_url
            .trim()
            .trim_end_matches('/')
            .to_string()
    }

    /// A URL (relative to the site root) as the feed and sitemap write it.
    fn absolute(&self, url: &str) -> String {
        let base = self.base();
        if base.is_empty() {
            url.to_string()
        } else {
            format!("{base}/{url}")
        }
    }

    pub(super) fn feed(&self) -> Result<OutFile, Diagnostic> {
        let base = self.base();
        let mut dated: Vec<_> = self
            .site
            .reports
            .iter()
            .filter_map(|p| p.doc.meta.date.map(|d| (d, p)))
            .collect();
        dated.sort_by_key(|(d, _)| std::cmp::Reverse(*d));
        let entries = dated
            .iter()
            .take(FEED_ENTRIES)
            .map(|(d, p)| {
                let url = self.absolute(&p.doc.url);
                let id = if base.is_empty() {
                    format!("urn:chronicle:{}", p.doc.url)
                } else {
                    url.clone()
                };
                Ok(json!({
                    "title": p.doc.title(),
                    "url": url,
                    "id": id,
                    "updated": rfc3339(*d),
                    "content": self.localize(p, self.site.html(p)?),
                }))
            })
            .collect::<Result<Vec<serde_json::Value>, crate::diag::Diagnostic>>()?;
        let updated = dated
            .first()
            .map(|(d, _)| rfc3339(*d))
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
        let mut ctx = Context::new();
        let c = &self.site.config;
        ctx.insert(
            "site",
            &json!({"title": c.title, "description": c.description, "language": c.language}),
        );
        ctx.insert("t", &self.theme.strings);
        ctx.insert("base", &base);
        ctx.insert("self_url", &self.absolute("feed.xml"));
        ctx.insert("home_url", &self.absolute("index.html"));
        ctx.insert(
            "feed_id",
            &if base.is_empty() {
                "urn:chronicle:feed.xml".to_string()
            } else {
                self.absolute("feed.xml")
            },
        );
        ctx.insert("updated", &updated);
        ctx.insert("entries", &entries);
        self.render("feed.xml", &ctx, "feed.xml")
    }

    /// Every page of the finished site except `404.html` and `search.html`,
    /// with the date of reports and daily notes as `lastmod`.
    pub(super) fn sitemap(&self) -> Result<Option<OutFile>, Diagnostic> {
        if self.base().is_empty() {
            return Ok(None);
        }
        let dates: HashMap<&str, NaiveDate> = self
            .site
            .reports
            .iter()
            .chain(&self.site.dailies)
            .filter_map(|p| p.doc.meta.date.map(|d| (p.doc.url.as_str(), d)))
            .collect();
        let mut pages = self.page_urls();
        pages.sort();
        let urls: Vec<serde_json::Value> = pages
            .iter()
            .map(|p| json!({"loc": self.absolute(p), "lastmod": dates.get(p.as_str()).map(|d| iso(*d))}))
            .collect();
        let mut ctx = Context::new();
        ctx.insert("urls", &urls);
        self.render("sitemap.xml", &ctx, "sitemap.xml").map(Some)
    }

    /// Every page of the site, from the model rather than from the files
    /// rendered, so `serve` can redo the sitemap without the whole site.
    fn page_urls(&self) -> Vec<String> {
        let site = self.site;
        let mut pages = vec!["index.html".to_string()];
        pages.extend(
            site.reports
                .iter()
                .chain(&site.dailies)
                .map(|p| p.doc.url.clone()),
        );
        if !site.metrics.is_empty() {
            pages.push("metrics.html".into());
            pages.extend(site.metrics.iter().map(|s| self.series_url(s)));
        }
        if !site.projects.is_empty() {
            pages.push("projects.html".into());
            pages.extend(site.projects.iter().map(|p| self.project_url(p)));
        }
        if !site.incidents.is_empty() {
            pages.push("incidents.html".into());
        }
        pages
    }
}
