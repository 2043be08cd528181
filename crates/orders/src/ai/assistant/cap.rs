//! Tool results go back to the model as JSON text of bounded size: a big catalogue or order
//! history must not crowd out the conversation (or cost a fortune in tokens).

use serde_json::{json, Value};

use crate::ai::prompts::json_text;

/// Bytes of one tool result, at most.
pub const RESULT_CAP: usize = 8 * 1024;
const MARKER: &str = "…[truncated: the result was over 8 KB; ask for less]";

/// `value` as JSON text within [`RESULT_CAP`]. A list (`items`) keeps as many items as fit and
/// says how many it left out, so it stays valid JSON; anything else is cut and marked.
pub fn capped(value: &Value) -> String {
    let text = json_text(value);
    if text.len() <= RESULT_CAP {
        return text;
    }
    if let Some(items) = value.get("items").and_then(Value::as_array) {
        let with = |kept: usize| {
            let mut shorter = value.clone();
            shorter["items"] = Value::Array(items[..kept].to_vec());
            shorter["truncated"] = json!({
                "omitted_items": items.len() - kept,
                "note": "the result was over 8 KB; ask for fewer items or narrow the search",
            });
            json_text(&shorter)
        };
        // The most items that fit: fitting only gets harder as items are added.
        let (mut fits, mut too_many) = (0, items.len());
        while too_many - fits > 1 {
            let mid = (fits + too_many) / 2;
            if with(mid).len() <= RESULT_CAP {
                fits = mid;
            } else {
                too_many = mid;
            }
        }
        let text = with(fits);
        if text.len() <= RESULT_CAP {
            return text;
        }
    }
    cut(&text)
}

fn cut(text: &str) -> String {
    let mut end = RESULT_CAP - MARKER.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{MARKER}", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_results_pass_whole() {
        let v = json!({"items": [{"sku": "A"}], "more": false});
        assert_eq!(capped(&v), json_text(&v));
    }

    #[test]
    fn long_lists_keep_what_fits_and_say_how_many_were_left_out() {
        let items: Vec<Value> = (0..200)
            .map(|i| json!({"sku": format!("SKU-{i}"), "name": "é".repeat(60)}))
            .collect();
        let text = capped(&json!({"items": items}));
        assert!(text.len() <= RESULT_CAP, "{}", text.len());
        let parsed: Value = serde_json::from_str(&text).expect("still JSON");
        let kept = parsed["items"].as_array().unwrap().len();
        assert!(kept > 10 && kept < 200, "{kept}");
        assert_eq!(parsed["truncated"]["omitted_items"], 200 - kept);
        assert_eq!(parsed["items"][0]["sku"], "SKU-0");
    }

    #[test]
    fn anything_else_is_cut_on_a_character_boundary_and_marked() {
        let text = capped(&json!({"description": "ü".repeat(10_000)}));
        assert!(text.len() <= RESULT_CAP);
        assert!(text.ends_with(MARKER));
    }
}
