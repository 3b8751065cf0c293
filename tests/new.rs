//! `chronicle new`, run as the real binary on copies of real archives.

mod common;
use common::*;

use std::path::Path;

fn new(root: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["new", "--root", root.to_str().unwrap()];
    args.extend_from_slice(extra);
    chronicle(&args)
}

#[test]
fn next_weeks_report_follows_the_latest() {
    let site = sample_copy();
    let root = site.path();
    let o = new(root, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let printed = stdout(&o).trim().to_string();
    let expected = root.join("content/第51周 2023-12-15.md");
    assert_eq!(Path::new(&printed), expected, "prints the new path");
    let text = read(&expected);
    // The title gets the date the latest's file name carries (`# 第50周`
    // in `第50周 2023-12-09.md`).
    assert!(text.starts_with("# 第51周 2023-12-15\n"), "{text}");
    assert!(
        !text.contains("Created:"),
        "Notion's export stamp is not carried over"
    );
    // Skeleton and project bullets with their figures.
    for kept in [
        "## 【重点工作】",
        "## 【系统运行数据】",
        "- 入金有效成功率：99.994%",
        "## 【O1 服务业务】",
        "平安存管与存管银行账户能力系统整合研发完成，测试进度30%",
        "### 【生产事件】",
        "## 收获与反思",
        "# 下周工作及目标",
    ] {
        assert!(text.contains(kept), "{kept} missing:\n{text}");
    }
    // Incidents and reflections emptied.
    for gone in [
        "12/04 10:29",
        "3530集群",
        "系统稳定和安全始终是支付的重中之重",
    ] {
        assert!(!text.contains(gone), "{gone} carried over:\n{text}");
    }
    // The archive still checks clean: right week for its date, no duplicate.
    let c = chronicle(&["check", "--root", root.to_str().unwrap()]);
    assert!(c.status.success(), "{}", stdout(&c));
    assert!(!stdout(&c).contains("第51周"), "{}", stdout(&c));

    // The same week again is refused, and nothing is touched.
    let before = read(&expected);
    let again = new(root, &["--date", "2023-12-14"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already has this report"),
        "{}",
        stderr(&again)
    );
    assert_eq!(read(&expected), before);
    // Run again without a date: the week after that.
    let o = new(root, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("第52周 2023-12-22.md"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn never_overwrites_a_file() {
    let site = sample_copy();
    let root = site.path();
    // A draft is not in the archive, but its file is still there.
    let target = root.join("content/第51周 2023-12-15.md");
    std::fs::write(&target, "+++\ndraft = true\n+++\nmy notes\n").unwrap();
    let o = new(root, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("already exists; not overwritten"),
        "{}",
        stderr(&o)
    );
    assert_eq!(read(&target), "+++\ndraft = true\n+++\nmy notes\n");
}

#[test]
fn iso_weeks_across_new_year() {
    let dir = archive(&[
        ("content/2023-W51.md", b"# 2023-W51 report\n\n## Projects\n\n- Search: 40%\n\n## Incidents\n\n- db down\n"),
        ("content/2023-W52.md", b"# 2023-W52 report\n\n## Projects\n\n- Search: 60%\n\n## Incidents\n\n- cache stampede\n\n## Reflections\n\nslow down\n"),
        ("config.toml", b"week_convention = \"iso\"\nlanguage = \"en\"\n"),
    ]);
    let o = new(dir.path(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let path = dir.path().join("content/2024-W01.md");
    assert_eq!(Path::new(stdout(&o).trim()), path);
    let text = read(&path);
    assert!(text.starts_with("# 2024-W01 report\n"), "{text}");
    assert!(text.contains("- Search: 60%"), "{text}");
    assert!(text.contains("## Incidents\n\n## Reflections"), "{text}");
    assert!(
        !text.contains("cache stampede") && !text.contains("slow down"),
        "{text}"
    );
    let c = chronicle(&["check", "--root", dir.path().to_str().unwrap()]);
    assert!(c.status.success(), "{}", stdout(&c));
}

#[test]
fn site_template_overrides_the_scaffold() {
    let site = sample_copy();
    let root = site.path();
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::write(
        root.join("templates/new-report.md"),
        "+++\ntitle = \"{{ title }}\"\ndate = {{ date }}\nweek = {{ week }}\n+++\n\n\
         本周 {{ monday }} ~ {{ sunday }}，上周：{{ previous.title }}（{{ previous.file }}）\n\n{{ skeleton }}",
    )
    .unwrap();
    let o = new(root, &["--date", "2024-01-05"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let path = root.join("content/第1周 2024-01-05.md");
    let text = read(&path);
    assert!(
        text.starts_with("+++\ntitle = \"第1周 2024-01-05\"\ndate = 2024-01-05\nweek = 1\n+++\n"),
        "{text}"
    );
    assert!(
        text.contains("本周 2024-01-01 ~ 2024-01-07，上周：第50周（第50周 2023-12-09.md）"),
        "{text}"
    );
    assert!(text.contains("## 【O1 服务业务】"), "{text}");
    let c = chronicle(&["check", "--root", root.to_str().unwrap()]);
    assert!(c.status.success(), "{}", stdout(&c));

    // A broken template is an error naming it, and writes nothing.
    std::fs::write(root.join("templates/new-report.md"), "{{ title").unwrap();
    let o = new(root, &["--date", "2024-01-12"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("new-report.md"), "{}", stderr(&o));
    assert!(!root.join("content/第2周 2024-01-12.md").exists());
}
