//! The cost of each request of the load test, measured in the in-process replay, as evidence
//! of the `requests` check: a request whose SQL repeats one shape per row (N+1) is named with
//! the project line that issued it. Values are figures and code, the same in ko and en.

use crate::checks::result::Outcome;
use crate::i18n::Text;
use crate::locustfile::cost::{RepeatedSql, RequestCost, hash_ms};
use crate::locustfile::executed::Execution;
use crate::t;

/// Repeated shapes from this count up are shown.
pub const REPEATED_AT: u32 = 5;

/// One N+1 shape in words, with where it comes from and the fix (also `doctor forecast`'s).
pub fn n_plus_one_text(cost: &RequestCost, r: &RepeatedSql) -> Text {
    // sql_queries is the median of the replays; the shape's count is one replay's (a cache
    // may have answered later ones): never say fewer queries than the shape alone.
    let total = cost.sql_queries.max(r.count);
    let (request, count, shape) = (&cost.request, r.count, &r.shape);
    let place = r
        .frame
        .as_ref()
        .map(|f| format!("`{}` ({}:{})", f.function, f.file, f.line))
        .unwrap_or_else(|| "?".into());
    t!(
        "{request} runs {total} queries, {count} of one shape (`{shape}`) from {place}: one query per row; load the relation with the view's queryset (select_related / prefetch_related or an annotation)";
        "{request}: 쿼리 {total}개 중 {count}개가 같은 모양 (`{shape}`), {place}에서: 행마다 쿼리 하나; 뷰의 queryset에서 관계를 함께 읽기 (select_related / prefetch_related 또는 annotate)"
    )
}

/// The worst N+1 of the replay as a warning at its project line, when there is one.
pub fn n_plus_one_warning(run: &Execution) -> Option<Outcome> {
    let (cost, worst) = run
        .costs
        .iter()
        .flat_map(|c| c.n_plus_one(REPEATED_AT).map(move |r| (c, r)))
        .max_by_key(|(c, r)| (r.count, c.sql_queries))?;
    let outcome = Outcome::warn("n_plus_one", n_plus_one_text(cost, worst));
    Some(match &worst.frame {
        Some(f) => outcome.at(f.file.clone(), Some(f.line)),
        None => outcome,
    })
}

/// (key, value) evidence lines: `cost` per request, `repeated_sql` per N+1 shape.
pub fn evidence(run: &Execution) -> Vec<(&'static str, String)> {
    let hasher = run.password_hasher.as_ref();
    let mut out = Vec::new();
    for cost in &run.costs {
        let mut line = format!(
            "{}: {:.1} ms, CPU {:.1} ms, SQL {} ({:.1} ms)",
            cost.request, cost.wall_ms, cost.cpu_ms, cost.sql_queries, cost.sql_ms
        );
        if cost.password_checks > 0 {
            let algorithm = hasher.and_then(|h| h.algorithm.clone()).unwrap_or_default();
            line.push_str(&format!(
                ", {}× {algorithm} ≈ {:.0} ms CPU",
                cost.password_checks,
                hash_ms(hasher)
            ));
        }
        out.push(("cost", line));
        for r in cost.n_plus_one(REPEATED_AT) {
            let place = r
                .frame
                .as_ref()
                .map(|f| format!(" ← {} ({}:{})", f.function, f.file, f.line))
                .unwrap_or_default();
            out.push((
                "repeated_sql",
                format!(
                    "{}: {}/{} × `{}`{place}",
                    cost.request, r.count, cost.sql_queries, r.shape
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_repeated_shape_and_its_frame() {
        let run = Execution::parse(
            r#"{"costs":[{"request":"GET /api/products/","wall_ms":18.9,"cpu_ms":12.8,"sql_queries":21,"sql_ms":0.6,
              "repeated_sql":[{"count":20,"shape":"SELECT … WHERE product_id = ?",
                "frame":{"file":"catalog/serializers.py","line":16,"function":"get_available_stock"}}]}]}"#,
        )
        .unwrap();
        let lines = evidence(&run);
        assert_eq!(
            lines[0].1,
            "GET /api/products/: 18.9 ms, CPU 12.8 ms, SQL 21 (0.6 ms)"
        );
        assert_eq!(
            lines[1].1,
            "GET /api/products/: 20/21 × `SELECT … WHERE product_id = ?` ← get_available_stock (catalog/serializers.py:16)"
        );
        let warning = n_plus_one_warning(&run).expect("an N+1 warns");
        assert_eq!(warning.diagnosis.as_deref(), Some("n_plus_one"));
        assert!(
            warning
                .summary
                .en
                .starts_with("GET /api/products/ runs 21 queries, 20 of one shape")
                && warning
                    .summary
                    .en
                    .contains("`get_available_stock` (catalog/serializers.py:16)")
                && warning.summary.en.contains("prefetch_related"),
            "{}",
            warning.summary.en
        );
    }
}
