//! The hidden `gen` subcommand that writes synthetic archives for benchmarks.

mod common;
use common::*;

#[test]
fn gen_is_hidden_and_writes_an_archive_chronicle_builds() {
    let help = stdout(&chronicle(&["--help"]));
    assert!(help.contains("build"), "{help}");
    assert!(
        !help.lines().any(|l| l.trim_start().starts_with("gen ")),
        "gen shows in --help:\n{help}"
    );

    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("content");
    let hugo = tmp.path().join("hugo");
    let o = chronicle(&[
        "gen",
        "--reports",
        "12",
        "--seed",
        "9",
        "--teams",
        "2",
        "--out",
        content.to_str().unwrap(),
        "--hugo",
        hugo.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("wrote 12 reports"), "{}", stdout(&o));
    let files = tree(&content);
    let reports = files.keys().filter(|p| p.components().count() == 2).count();
    assert_eq!(reports, 12, "{:?}", files.keys().collect::<Vec<_>>());
    assert!(files
        .keys()
        .all(|p| p.starts_with("支付中心") || p.starts_with("清结算组")));
    assert_eq!(tree(&hugo).len(), files.len());

    // Never into a folder that has files in it.
    let again = chronicle(&["gen", "--reports", "1", "--out", content.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("not empty"), "{}", stderr(&again));
    assert_eq!(tree(&content), files);

    let out = tmp.path().join("public");
    let b = chronicle(&[
        "build",
        "--root",
        tmp.path().to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(b.status.success(), "{}", stderr(&b));
    assert!(stdout(&b).contains("built 12 reports"), "{}", stdout(&b));
}
