//! A built-in fix's answer in words. The fix scripts print JSON lines (progress and a final
//! summary); doctor words each in the reader's language and keeps the raw JSON one step away
//! (`Applied::answer`, the `--format json` report).

use crate::i18n::{Lang, Text};
use crate::t;
use serde_json::Value;

/// Django's `manage.py shell` banner (5.2+ auto-imports): not the fix's output.
pub fn is_noise(line: &str) -> bool {
    line.contains("objects imported automatically")
        || line.contains("object imported automatically")
}

/// The line as a sentence, when it is one of the fix scripts' JSON answers.
pub fn words(line: &str) -> Option<(Text, Value)> {
    let value: Value = serde_json::from_str(line.trim()).ok()?;
    let object = value.as_object()?;
    let n = |key: &str| object.get(key).and_then(Value::as_u64);
    let yes = |key: &str| object.get(key).and_then(Value::as_bool) == Some(true);
    let text = if let Some(error) = object.get("error") {
        failure(error)?
    } else if let Some(available) = n("available_stock") {
        let available = grouped(available);
        let products = u64::from(yes("product_created"));
        let added = n("added").unwrap_or(0);
        if added > 0 {
            let added = grouped(added);
            t!("{products} product created, {added} units added, {available} units available";
               "상품 {products}개 생성, 재고 {added}개 추가, 예약 가능 재고 {available}개")
        } else if products == 0 && !yes("stock_created") {
            t!("the test product was there already, {available} units available";
               "테스트 상품이 이미 있음, 예약 가능 재고 {available}개")
        } else {
            t!("{products} product created, {available} units available";
               "상품 {products}개 생성, 예약 가능 재고 {available}개")
        }
    } else if let (Some(created), Some(existed)) = (n("created"), n("already_existed")) {
        let (created, existed) = (grouped(created), grouped(existed));
        t!("{created} users created, {existed} already existed";
           "사용자 {created}명 생성, 이미 있던 {existed}명")
    } else if let (Some(total), Some(existing), Some(creating)) =
        (n("total"), n("existing"), n("creating"))
    {
        let (total, existing, creating) = (grouped(total), grouped(existing), grouped(creating));
        t!("{existing} of {total} accounts exist; creating {creating}";
           "계정 {total}개 중 {existing}개 있음, {creating}명 생성 중")
    } else if let (Some(done), Some(of)) = (n("done"), n("of")) {
        let (done, of) = (grouped(done), grouped(of));
        t!("created {done}/{of}"; "{done}/{of}명 생성")
    } else {
        return None;
    };
    Some((text, value))
}

/// A fix script's failure (`{"error": {code, ...}}`) as one sentence.
fn failure(error: &Value) -> Option<Text> {
    let s = |key: &str| error.get(key).and_then(Value::as_str).unwrap_or("");
    let list = |key: &str| {
        error
            .get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    let model = s("model");
    Some(match s("code") {
        "required_fields" => {
            let fields = list("fields");
            t!("nothing was created: {model} requires fields doctor cannot fill from the username ({fields})";
               "아무것도 만들지 않음: {model}에 사용자 이름으로 채울 수 없는 필수 필드가 있음 ({fields})")
        }
        "insert_failed" => {
            let (kind, message, filled) = (s("type"), s("message"), list("filled"));
            let filled = if filled.is_empty() {
                "-".to_string()
            } else {
                filled
            };
            t!("nothing was created: inserting into {model} failed with {kind}: {message} (fields filled from the username: {filled})";
               "아무것도 만들지 않음: {model}에 넣는 중 {kind} 발생: {message} (사용자 이름으로 채운 필드: {filled})")
        }
        _ => return None,
    })
}

/// 10000 → "10,000".
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The line the reader sees: the worded answer in `lang`, or the line as it came.
pub fn shown(line: &str, lang: Lang) -> (String, Option<Value>) {
    match words(line) {
        Some((text, value)) => (text.get(lang).to_string(), Some(value)),
        None => (line.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stock_answer_is_a_sentence() {
        let line = r#"{"product_id": 1, "product_created": true, "stock_created": true, "added": 0, "available_stock": 10000}"#;
        let (text, value) = words(line).unwrap();
        assert_eq!(text.ko, "상품 1개 생성, 예약 가능 재고 10,000개");
        assert_eq!(text.en, "1 product created, 10,000 units available");
        assert_eq!(value["product_id"], 1);
        let again = r#"{"product_id": 1, "product_created": false, "stock_created": false, "added": 0, "available_stock": 10000}"#;
        assert_eq!(
            words(again).unwrap().0.ko,
            "테스트 상품이 이미 있음, 예약 가능 재고 10,000개"
        );
    }

    #[test]
    fn the_users_answers_are_sentences() {
        let (text, _) = words(r#"{"created": 100, "already_existed": 0}"#).unwrap();
        assert_eq!(text.ko, "사용자 100명 생성, 이미 있던 0명");
        assert_eq!(text.en, "100 users created, 0 already existed");
        let (text, _) = words(r#"{"total": 100, "existing": 0, "creating": 100}"#).unwrap();
        assert_eq!(text.ko, "계정 100개 중 0개 있음, 100명 생성 중");
        let (text, _) = words(r#"{"done": 1000, "of": 10000}"#).unwrap();
        assert_eq!(text.en, "created 1,000/10,000");
    }

    #[test]
    fn other_lines_and_the_shell_banner() {
        assert!(words("Traceback (most recent call last):").is_none());
        assert!(words("[1, 2]").is_none());
        assert!(is_noise(
            "12 objects imported automatically (use -v 2 for details)."
        ));
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn a_failing_fix_is_a_sentence() {
        let line = r#"{"error": {"code": "insert_failed", "model": "blog.Writer", "type": "IntegrityError", "message": "UNIQUE constraint failed: writers_writer.email", "filled": []}}"#;
        let (text, _) = words(line).unwrap();
        assert_eq!(
            text.en,
            "nothing was created: inserting into blog.Writer failed with IntegrityError: UNIQUE constraint failed: writers_writer.email (fields filled from the username: -)"
        );
        let line = r#"{"error": {"code": "required_fields", "model": "a.U", "fields": ["birthday (DateField)"]}}"#;
        assert!(words(line).unwrap().0.ko.contains("birthday (DateField)"));
    }
}
