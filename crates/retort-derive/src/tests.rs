//! What the derive writes, and what it refuses, with the message a user sees.

use syn::parse_quote;

use super::expand;

fn error_of(input: syn::DeriveInput) -> String {
    match expand(&input) {
        Ok(tokens) => panic!("expected an error, got {tokens}"),
        Err(error) => error.to_string(),
    }
}

fn expanded(input: syn::DeriveInput) -> String {
    expand(&input).expect("the derive expands").to_string()
}

#[test]
fn fields_become_columns_in_order_with_not_null_unless_optional() {
    let code = expanded(parse_quote! {
        struct TodoItem {
            #[retort(identity, primary_key)]
            id: i32,
            #[retort(length = 200)]
            title: String,
            note: Option<String>,
            done: bool,
        }
    });
    let id = code.find("t . column (\"id\" , :: retort :: op :: Type :: Int) . not_null () . identity () . primary_key ()");
    let title = code.find("t . column (\"title\" , :: retort :: op :: Type :: String (200)) . not_null ()");
    let note = code.find("t . column (\"note\" , :: retort :: op :: Type :: Text) ;");
    let done = code.find("t . column (\"done\" , :: retort :: op :: Type :: Bool) . not_null ()");
    assert!(id < title && title < note && note < done && id.is_some(), "{code}");
    assert!(code.contains("Table :: new (\"todo_item\""), "the table is the struct's name in snake case: {code}");
}

#[test]
fn references_with_actions_indexes_and_renames() {
    let code = expanded(parse_quote! {
        #[retort(table = "comments", renamed_from = "notes", unique("todo_id", "position"))]
        struct Comment {
            #[retort(references = "todos.id", on_delete = "cascade", on_update = "no_action", index)]
            todo_id: Option<i32>,
            #[retort(renamed_from = "ordinal")]
            position: i16,
        }
    });
    for expected in [
        ". references (\"todos\" , \"id\") . on_delete (:: retort :: op :: ReferentialAction :: Cascade) . on_update (:: retort :: op :: ReferentialAction :: NoAction)",
        ". index (\"ix_comments_todo_id\" , [\"todo_id\"] , | _ | { })",
        ". column_renamed_from (\"position\" , \"ordinal\")",
        ". renamed_from (\"notes\")",
        "t . unique ([\"todo_id\" , \"position\"]) ;",
    ] {
        assert!(code.contains(expected), "missing {expected} in {code}");
    }
}

#[test]
fn an_unknown_type_asks_for_ty() {
    let message = error_of(parse_quote! {
        struct Price { amount: rust_decimal::Decimal }
    });
    assert!(message.contains("cannot tell the SQL type of a `rust_decimal :: Decimal` field"), "{message}");
    assert!(message.contains("#[retort(ty = Type::Decimal(precision, scale))]"), "{message}");
}

#[test]
fn length_on_a_number_is_refused() {
    let message = error_of(parse_quote! {
        struct Row { #[retort(length = 10)] n: i32 }
    });
    assert_eq!(message, "length = … applies to a String or a Vec<u8> field");
}

#[test]
fn a_reference_needs_table_dot_column() {
    let message = error_of(parse_quote! {
        struct Row { #[retort(references = "users")] owner: i32 }
    });
    assert_eq!(message, "references = \"users\" needs the form \"table.column\"");
}

#[test]
fn an_action_without_a_reference_is_refused() {
    let message = error_of(parse_quote! {
        struct Row { #[retort(on_delete = "cascade")] owner: i32 }
    });
    assert!(message.contains("need references"), "{message}");
}

#[test]
fn an_unknown_action_lists_the_known_ones() {
    let message = error_of(parse_quote! {
        struct Row { #[retort(references = "users.id", on_delete = "explode")] owner: i32 }
    });
    assert!(message.contains("unknown action \"explode\"; use cascade, set_null"), "{message}");
}

#[test]
fn an_unknown_attribute_lists_the_known_ones() {
    let message = error_of(parse_quote! {
        struct Row { #[retort(lenght = 10)] name: String }
    });
    assert!(message.starts_with("unknown column attribute; retort knows name, ty, length"), "{message}");
}

#[test]
fn an_index_needs_a_name_and_columns() {
    let message = error_of(parse_quote! {
        #[retort(index(columns("a")))]
        struct Row { a: i32 }
    });
    assert_eq!(message, "an index needs name = \"…\"");
}

#[test]
fn enums_and_tuple_structs_are_refused() {
    assert!(error_of(parse_quote! { enum Row { A } }).contains("applies to a struct with named fields"));
    assert!(error_of(parse_quote! { struct Row(i32); }).contains("needs named fields"));
}
