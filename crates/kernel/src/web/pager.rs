//! Pagination of long lists by page number, with links that keep the other query parameters.

/// Where a list is, and how to move.
#[derive(Debug, Clone)]
pub struct Pager {
    /// Current page, from 1.
    pub page: i64,
    /// Items per page.
    pub per_page: i64,
    /// Items in all.
    pub total: i64,
    /// The path and the other query parameters, as `path?a=1&` or `path?`.
    pub base: String,
}

impl Pager {
    /// A pager for `page` (clamped to 1 and up).
    pub fn new(page: Option<i64>, per_page: i64, base: String) -> Self {
        Pager {
            page: page.unwrap_or(1).max(1),
            per_page,
            total: 0,
            base,
        }
    }
    /// The SQL offset.
    pub fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
    /// Number of pages.
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }
    /// The link to the previous page.
    pub fn prev_url(&self) -> Option<String> {
        (self.page > 1).then(|| format!("{}page={}", self.base, self.page - 1))
    }
    /// The link to the next page.
    pub fn next_url(&self) -> Option<String> {
        (self.page < self.pages()).then(|| format!("{}page={}", self.base, self.page + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::Pager;

    #[test]
    fn pages_link_to_their_neighbours() {
        let mut p = Pager::new(Some(2), 10, "/spaces?".into());
        p.total = 25;
        assert_eq!(p.pages(), 3);
        assert_eq!(p.offset(), 10);
        assert_eq!(p.prev_url().unwrap(), "/spaces?page=1");
        assert_eq!(p.next_url().unwrap(), "/spaces?page=3");
        p.page = 3;
        assert!(p.next_url().is_none());
        assert_eq!(Pager::new(Some(-4), 10, String::new()).page, 1);
    }
}
