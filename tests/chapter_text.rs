//! The page's words are ours. The chapter's prose is someone else's work: facts and figures carry
//! over to the page, sentences do not. This test looks for any run of ten words of the chapter's
//! text in the page's words: `chapters/`, `www/src/`, `www/*.html` and `README.md`.
//!
//! It covers only the part of the chapter's text this project holds: the exercise statements its
//! issues quote and the three lines the chapter prints (`tests/fixtures/book_output.txt`). That
//! text is kept here only as the sha256 of each of its 10-word runs
//! (`tests/fixtures/chapter_shingles.json`), never as text. Words are compared after
//! [`words`]: lower case, apostrophes dropped, every other character that is not a letter or a
//! digit read as a space.
//!
//! The second test holds the promotion rule to one wording: the page says
//! `candidate ≥ current + margin` (a tie promotes, `gates::promotes`), never "by more than the
//! margin"; nor does it read a p-value as how sure we are.
#![cfg(not(target_arch = "wasm32"))]

use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Words in a run.
const RUN: usize = 10;

/// `text` as words: lower case, apostrophes dropped, anything but a letter or digit a space.
fn words(text: &str) -> Vec<String> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, '\'' | '’'))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    cleaned.split_whitespace().map(str::to_owned).collect()
}

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Each run of [`RUN`] consecutive words, with its sha256 (of the words joined by one space).
fn runs(words: &[String]) -> Vec<(String, String)> {
    words
        .windows(RUN)
        .map(|w| {
            let run = w.join(" ");
            (sha256_hex(&run), run)
        })
        .collect()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn known_runs() -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join("tests/fixtures/chapter_shingles.json"))
        .expect("tests/fixtures/chapter_shingles.json");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(doc["words"], RUN, "the fixture's run length");
    let set: BTreeSet<String> = doc["sha256"]
        .as_array()
        .expect("sha256: an array")
        .iter()
        .map(|h| h.as_str().expect("a hex string").to_owned())
        .collect();
    assert!(set.len() >= 40, "{} hashes", set.len());
    set
}

/// Every file of the page's words: chapters/, www/src/ (recursively), www/*.html, README.md.
fn page_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let r = root();
    let mut out = vec![r.join("README.md")];
    walk(&r.join("chapters"), &mut out);
    walk(&r.join("www/src"), &mut out);
    let mut html: Vec<_> = std::fs::read_dir(r.join("www"))
        .expect("www/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    html.sort();
    out.extend(html);
    out
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The runs of `text` whose hash is in `known`, as our words (never the chapter's).
fn shared_runs(text: &str, known: &BTreeSet<String>) -> Vec<String> {
    runs(&words(text))
        .into_iter()
        .filter(|(h, _)| known.contains(h))
        .map(|(_, run)| run)
        .collect()
}

#[test]
fn no_ten_word_run_of_the_chapter_in_the_pages_words() {
    let known = known_runs();
    let files = page_files();
    assert!(files.len() >= 20, "{} files", files.len());
    let mut found = Vec::new();
    for f in &files {
        for run in shared_runs(&read(f), &known) {
            found.push(format!(
                "{}: \"{run}\"",
                f.strip_prefix(root()).unwrap_or(f).display()
            ));
        }
    }
    assert!(
        found.is_empty(),
        "ten words in a row of the chapter's text; write them afresh:\n{}",
        found.join("\n")
    );
}

/// The fixture was made with this file's [`words`] from text that includes the chapter's printed
/// output: each of the output's runs is in it (a different normalization would match nothing and
/// let the check above pass on anything).
#[test]
fn the_fixture_holds_the_printed_outputs_runs() {
    let known = known_runs();
    let out = read(&root().join("tests/fixtures/book_output.txt"));
    let all = runs(&words(&out));
    assert!(all.len() >= 3, "{} runs in the printed output", all.len());
    for (h, run) in &all {
        assert!(known.contains(h), "not in the fixture: \"{run}\"");
    }
}

/// The check finds a run inside other words, whatever the case and punctuation around it.
#[test]
fn the_check_finds_a_run_among_our_words() {
    let known = known_runs();
    let out = read(&root().join("tests/fixtures/book_output.txt"));
    let last = out.lines().last().expect("a line");
    let text = format!(
        "Our own sentence, then — {} — and ours again.",
        last.to_uppercase()
    );
    assert!(!shared_runs(&text, &known).is_empty(), "{text}");
    assert!(shared_runs(
        "Our own sentence and nothing else at all, in more than ten words.",
        &known
    )
    .is_empty());
    assert_eq!(
        words("It’s D's p-value: 0.714!"),
        ["its", "ds", "p", "value", "0", "714"]
    );
}

/// Phrases the page must not use: the promotion rule is `candidate ≥ current + margin`, stated
/// one way everywhere (a tie with a margin of zero promotes); a p-value is not how sure we are.
const RETIRED: &[&str] = &[
    "more than the margin",
    "more than a margin",
    "more than its margin",
    "more than margin",
    "exceeds the margin",
    "how sure we are that",
];

#[test]
fn the_promotion_rule_and_the_p_value_are_worded_one_way() {
    let mut found = Vec::new();
    for f in page_files() {
        let text = format!(" {} ", words(&read(&f)).join(" "));
        for phrase in RETIRED {
            if text.contains(&format!(" {phrase} ")) {
                found.push(format!(
                    "{}: \"{phrase}\"",
                    f.strip_prefix(root()).unwrap_or(&f).display()
                ));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// Make the fixture: `CHAPTER_TEXT=<file> cargo test --test chapter_text -- --ignored
/// --nocapture print_the_fixture`, where the file holds the chapter's text, one passage per
/// paragraph (runs do not cross a blank line). Prints the fixture's JSON; the text itself is
/// never committed.
#[test]
#[ignore = "makes the fixture from text that is not in the repository"]
fn print_the_fixture() {
    let path = std::env::var("CHAPTER_TEXT").expect("CHAPTER_TEXT: a file of the chapter's text");
    let text = std::fs::read_to_string(&path).expect("CHAPTER_TEXT");
    let mut set = BTreeSet::new();
    for passage in text.split("\n\n") {
        for (h, _) in runs(&words(passage)) {
            set.insert(h);
        }
    }
    let doc = serde_json::json!({
        "about": "sha256 of each 10-word run of the chapter's text this project holds (the exercise statements its issues quote, the chapter's printed output), after tests/chapter_text.rs's words(); made by its print_the_fixture",
        "words": RUN,
        "sha256": set,
    });
    println!("{}", serde_json::to_string_pretty(&doc).expect("JSON"));
}
