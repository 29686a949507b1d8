//! The cost of each request of the load test, measured in the in-process replay, as evidence
//! of the `requests` check: a request whose SQL repeats one shape per row (N+1) is named with
//! the project line that issued it. Values are figures and code, the same in ko and en.

use crate::locustfile::cost::hash_ms;
use crate::locustfile::executed::Execution;

/// Repeated shapes from this count up are shown.
const REPEATED_AT: u32 = 5;

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
    }
}
