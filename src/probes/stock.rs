//! `stock`: reservable stock exists — active products with available stock above zero.
//! Projects without a stock model get `skip`, not a failure.

use super::Input;
use super::database::{self, ident};
use crate::checks::result::{Outcome, Status};
use crate::t;

pub async fn probe(input: &Input<'_>) -> anyhow::Result<Outcome> {
    let outcome = probe_here(input).await?;
    Ok(crate::probes::remote::note_read_here(outcome, &input.ctx.config).await)
}

/// The check itself, from the project's files on this machine.
async fn probe_here(input: &Input<'_>) -> anyhow::Result<Outcome> {
    let ctx = input.ctx;
    let facts = match super::django_facts(input).await {
        Ok(f) => f,
        Err(outcome) => return Ok(outcome),
    };
    let model = match facts.stock() {
        Ok(m) => m,
        Err(reason) => {
            return Ok(Outcome::fail(
                "django_unavailable",
                t!("{reason}"; "Django의 답을 받을 수 없음: \"{reason}\""),
            ));
        }
    };
    if !model.present {
        // Exactly what was looked for, and where: the user can tell doctor missed theirs.
        let looked = model.looked_for.join(", ");
        let models = model.models.unwrap_or(0);
        return Ok(Outcome::skip(
            t!("does not apply: no stock found in the project's {models} models (looked for a field named {looked})"; "해당 없음: 프로젝트의 모델 {models}개에서 재고를 찾지 못함 (찾은 필드 이름: {looked})"),
        ));
    }
    let db = match database::shared(ctx).await {
        Ok(db) => db,
        Err(reason) => {
            return Ok(Outcome::fail(
                "database_unavailable",
                t!("{reason}"; "DB에 연결할 수 없음: \"{reason}\""),
            ));
        }
    };
    let need = |v: &Option<String>, what: &str| {
        v.clone()
            .ok_or_else(|| anyhow::anyhow!("stock model without {what}"))
    };
    let stock = ident(&need(&model.stock_table, "stock table")?).map_err(anyhow::Error::msg)?;
    let product =
        ident(&need(&model.product_table, "product table")?).map_err(anyhow::Error::msg)?;
    let fk =
        ident(&need(&model.product_fk_column, "product column")?).map_err(anyhow::Error::msg)?;
    let available = ident(
        model
            .columns
            .get("available_stock")
            .map(String::as_str)
            .unwrap_or("available_stock"),
    )
    .map_err(anyhow::Error::msg)?;
    let (status_filter, binds): (String, Vec<String>) =
        match (&model.status_column, &model.active_value) {
            (Some(col), Some(value)) => (
                format!(
                    " AND p.{} = {}",
                    ident(col).map_err(anyhow::Error::msg)?,
                    db.placeholder(1)
                ),
                vec![value.clone()],
            ),
            _ => (String::new(), Vec::new()),
        };
    let binds: Vec<&str> = binds.iter().map(String::as_str).collect();
    let from = format!(
        "FROM {stock} s JOIN {product} p ON p.\"id\" = s.{fk} WHERE s.{available} > 0{status_filter}"
    );
    let products = match db.scalar(format!("SELECT COUNT(*) {from}"), &binds).await {
        Ok(n) => n,
        Err(e) => return database::not_migrated(&e).ok_or_else(|| anyhow::anyhow!(e)),
    };
    let units = db
        .scalar(
            format!("SELECT CAST(COALESCE(SUM(s.{available}), 0) AS BIGINT) {from}"),
            &binds,
        )
        .await
        .map_err(anyhow::Error::msg)?;
    let all_products = db
        .scalar(format!("SELECT COUNT(*) FROM {product}"), &[])
        .await
        .map_err(anyhow::Error::msg)?;
    // What a staged run at the targets reserves: requests/min × minutes × share of reserve
    // requests × units per reservation (thresholds in stock.toml).
    let run = &input.ctx.config.run;
    let run_minutes = run.stages.value.len() as f64 * run.stage_secs.value / 60.0;
    let run_units = input.threshold("run_requests_per_min", run.requests_per_min.value)
        * input.threshold("run_minutes", run_minutes)
        * input.threshold("reserve_share", 0.25)
        * input.threshold("units_per_reservation", 2.0);
    let low = input
        .threshold("available_warn_below", 100.0)
        .max(run_units);
    let (status, diagnosis, summary) = if products == 0 {
        let summary = if all_products == 0 {
            t!("no products at all: every reservation will fail"; "상품이 하나도 없음: 모든 예약이 실패함")
        } else {
            t!("{all_products} products, none active with available stock"; "상품 {all_products}개, 예약 가능한 재고가 있는 활성 상품 없음")
        };
        (Status::Fail, Some("empty"), summary)
    } else if (units as f64) < low {
        (
            Status::Warn,
            Some("low"),
            t!("only {units} units available across {products} products; a staged run at the targets reserves about {run_units:.0}"; "예약 가능 재고 {units}개뿐 (상품 {products}개); 목표치의 단계별 부하는 약 {run_units:.0}개를 예약함"),
        )
    } else {
        (
            Status::Pass,
            None,
            t!("{products} active products, {units} units available"; "활성 상품 {products}개, 예약 가능 재고 {units}개"),
        )
    };
    let mut outcome = Outcome::new(status, summary)
        .with("products_total", all_products)
        .with("reservable_products", products)
        .with("available_units", units)
        .with("stock_table", model.stock_table.clone().unwrap_or_default());
    if let Some(field) = &model.stock_field {
        outcome = outcome.with("stock_field", field);
    }
    outcome.diagnosis = diagnosis.map(str::to_string);
    // Per product, as the guide's §5 table has it: available, reserved, physical.
    let columns = |name: &str| model.columns.get(name).and_then(|c| ident(c).ok());
    if let (Some(av), Some(re), Some(ph)) = (
        columns("available_stock"),
        columns("reserved_stock"),
        columns("physical_stock"),
    ) {
        let sql = format!(
            "SELECT p.\"id\", s.{av}, s.{re}, s.{ph} FROM {stock} s JOIN {product} p ON p.\"id\" = s.{fk} ORDER BY p.\"id\" LIMIT 10"
        );
        if let Ok(rows) = db.rows(sql).await {
            for row in rows {
                if let [id, available, reserved, physical] = row.as_slice() {
                    outcome = outcome.with(
                        &format!("product_{id}"),
                        format!("available {available}, reserved {reserved}, physical {physical}"),
                    );
                }
            }
        }
    }
    Ok(outcome)
}
